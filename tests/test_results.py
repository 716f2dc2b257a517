"""A report survives results.json and ``--resume`` whole: every field, hints included."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np

from autograder.judge import CheckResult, Report
from autograder.pool import Limits
from autograder.results import fingerprint, read_report, write_fingerprint, write_results

GRADESCOPE_KEYS = {"score", "max_score", "execution_time", "output", "tests"}


def _result(name: str, passed: bool, max_score: float, **fields) -> CheckResult:
    """A check's result named like the grader's (grade_id, a colon, what it verifies)."""
    fields.setdefault("public", True)
    score = max_score if passed else 0.0
    grade_id = name.split(":")[0]
    return CheckResult(
        name=name,
        grade_id=grade_id,
        score=score,
        max_score=max_score,
        passed=passed,
        output=fields.pop("output", ""),
        hint="",
        **fields,
    )


def _report(submission: str = "alice.ipynb") -> Report:
    """A report with something in every field, and hints that appear in no output."""
    passed = _result("layer: output shape", True, 2.0, output="passed", seconds=0.25)
    passed.hint = "a hint nobody was shown: the check passed"
    failed = _result("final_accuracy: trained model", False, 3.5, public=False, seconds=1.5)
    failed.output, failed.hint = "accuracy 0.5\n  hint: train longer", "train longer"
    failed.boundary = (np.zeros((4, 1)), np.ones((4, 1)))
    return Report(
        submission=submission,
        results=[passed, failed],
        notes=["a provided setup cell failed"],
        error="could not run this submission",
        seconds=2.125,
    )


def test_a_report_round_trips_through_its_dict_and_json():
    report = _report()
    for data in (report.as_dict(), json.loads(json.dumps(report.as_dict()))):
        back = Report.from_dict(data)
        assert back == report
        assert [r.hint for r in back.results] == [r.hint for r in report.results]
        assert (back.notes, back.error, back.seconds) == (report.notes, report.error, 2.125)
        assert all(r.boundary is None for r in back.results)  # the picture is never saved


def test_max_score_is_the_sum_of_its_own_results():
    report = _report()
    assert report.max_score == 5.5
    assert report.as_dict()["max_score"] == 5.5
    assert Report("empty.ipynb").max_score == 0


def test_results_json_keeps_gradescope_keys_and_the_whole_report(tmp_path):
    report = _report()
    path = write_results(tmp_path, report)
    data = json.loads(path.read_text())
    assert set(data) == GRADESCOPE_KEYS | {"assignment", "hand_graded", "report"}
    assert data["max_score"] == 5.5 and len(data["tests"]) == 2
    assert "5.5 autograded + " in data["output"]  # and what nbgrader grades by hand
    assert Report.from_dict(data["report"]) == report


def test_read_report_needs_an_unchanged_file_and_student(tmp_path):
    notebook = tmp_path / "alice.ipynb"
    notebook.write_text("{}")
    out = tmp_path / "out"
    write_results(out, _report(), "alice")
    assert read_report(out, "alice", notebook) is None  # never graded: no fingerprint
    write_fingerprint(out, "alice", fingerprint(notebook, "alice"))
    assert read_report(out, "alice", notebook, "alice") == _report()
    # The same bytes handed in by someone else (or found elsewhere) are graded again.
    assert read_report(out, "alice", notebook, "bob") is None
    notebook.write_text('{"cells": []}')
    assert read_report(out, "alice", notebook, "alice") is None


def test_a_changed_check_definition_means_grading_again():
    """--resume keys on the grader's files: checks.toml (points, hints) is one of them."""
    from autograder.checks import DEFINITIONS
    from autograder.results import grader_files

    assert DEFINITIONS in grader_files()
    assert Path(__file__).parents[1] / "autograder" / "judge.py" in grader_files()


def test_resume_returns_the_saved_report_with_its_hints(tmp_path, monkeypatch):
    """grade_paths(resume=True) reads the report back instead of grading again."""
    from autograder import pool
    from autograder.batch import grade_paths
    from autograder.submissions import as_submissions

    monkeypatch.setattr(pool, "warm_up", lambda: None)  # no worker is needed: keep it fast
    notebook = tmp_path / "alice.ipynb"
    notebook.write_text("not a notebook: grading it again would fail every check")
    out = tmp_path / "out"
    (row,) = as_submissions([notebook])
    saved = write_results(out, replace(_report(), student="alice"), row.folder)
    write_fingerprint(out, row.folder, fingerprint(notebook, row.identity))
    before = saved.read_text()
    (again,) = grade_paths([notebook], out, Limits(), jobs=1, progress=False, resume=True)
    assert again == replace(_report(), student="alice")
    assert [r.hint for r in again.results] == [
        "a hint nobody was shown: the check passed",
        "train longer",
    ]
    assert saved.read_text() == before

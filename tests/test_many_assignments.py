"""A course of several assignments: the README's commands work as written, without
``--assignment``, wherever the path or the notebook tells which assignment it is
(autograder/infer.py), and ask, in one line, only when two fit.

Every test runs the engine in a copy of this course (both of its assignments), with no
AUTOGRADER_* setting inherited, as an instructor's shell would.
"""

from __future__ import annotations

import csv
import json
import shutil
import zipfile
from pathlib import Path

import pytest
from test_course import copy_course, run_engine

from autograder import course, infer

NAMES = course.assignment_names(Path(__file__).resolve().parent.parent)


@pytest.fixture(scope="module")
def kit(tmp_path_factory) -> Path:
    return copy_course(tmp_path_factory.mktemp("many"))


def _solved(kit: Path, name: str) -> Path:
    return kit / "solutions" / name / f"{name}.ipynb"


def _rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_the_course_has_several_assignments():
    assert len(NAMES) >= 2, NAMES


# --------------------------------------------------------------------------- the rules


def test_the_path_names_the_assignment(kit, tmp_path):
    for name in NAMES:
        assert infer.for_paths([_solved(kit, name)], kit) == {name: [_solved(kit, name)]}
        nbgrader = tmp_path / "submitted" / "alice" / name / f"{name}.ipynb"
        nbgrader.parent.mkdir(parents=True)
        shutil.copy(_solved(kit, name), nbgrader)
        assert infer.for_paths([nbgrader], kit) == {name: [nbgrader]}
    # a class folder of nbgrader's layout holding every assignment: each graded on its own
    assert infer.for_paths([tmp_path / "submitted"], kit) == {
        name: [tmp_path / "submitted"] for name in NAMES
    }
    assert infer.for_paths([tmp_path], kit) == {name: [tmp_path] for name in NAMES}


def test_the_notebooks_cells_name_it_when_the_path_does_not(kit, tmp_path):
    for name in NAMES:
        folder = tmp_path / f"class_{NAMES.index(name)}"
        folder.mkdir()
        for student in ("ann", "ben"):
            shutil.copy(_solved(kit, name), folder / f"{student}.ipynb")
        (folder / "notes.ipynb").write_text("not json")  # says nothing, costs nothing
        assert list(infer.for_paths([folder], kit)) == [name]
        archive = tmp_path / f"download_{NAMES.index(name)}.zip"
        with zipfile.ZipFile(archive, "w") as zf:
            zf.write(_solved(kit, name), "x_12345_67890_mine.ipynb")
        assert list(infer.for_paths([archive], kit)) == [name]


def test_notebooks_of_several_assignments_ask_by_name(kit, tmp_path):
    for i, name in enumerate(NAMES):
        shutil.copy(_solved(kit, name), tmp_path / f"student{i}.ipynb")
    with pytest.raises(course.CourseError) as raised:
        infer.for_paths([tmp_path], kit)
    text = str(raised.value)
    assert "--assignment NAME" in text and all(f"1 {n}" in text for n in NAMES), text
    empty = tmp_path / "empty.ipynb"
    empty.write_text(json.dumps({"cells": [], "metadata": {}, "nbformat": 4}))
    with pytest.raises(course.CourseError, match="nothing given tells which"):
        infer.for_paths([empty], kit)


# --------------------------------------------------------------------------- the commands


def test_check_needs_no_assignment(kit, tmp_path):
    for name in NAMES:
        loose = tmp_path / f"{NAMES.index(name)}.ipynb"  # a name that says nothing
        shutil.copy(_solved(kit, name), loose)
        for notebook in (_solved(kit, name), loose):
            done = run_engine(kit, "check", str(notebook))
            assert done.returncode == 0, done.stdout[-1500:] + done.stderr[-1500:]
            assert "name one with --assignment" not in done.stderr


@pytest.mark.slow
def test_grade_and_report_a_class_of_two_assignments(kit, tmp_path):
    """nbgrader's submitted/ holding both assignments: each graded into --out/<name>/,
    a student who did not submit one gets its row with the reason, and `report` of the
    whole --out writes each assignment's report."""
    submitted = tmp_path / "submitted"
    for name in NAMES:
        alice = submitted / "alice" / name / f"{name}.ipynb"
        alice.parent.mkdir(parents=True)
        shutil.copy(_solved(kit, name), alice)
    (submitted / "bob" / NAMES[0]).mkdir(parents=True)
    shutil.copy(_solved(kit, NAMES[0]), submitted / "bob" / NAMES[0] / f"{NAMES[0]}.ipynb")
    out = tmp_path / "graded"
    done = run_engine(kit, "grade", str(submitted), "--out", str(out), "--quiet")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    for name in NAMES:
        rows = {r["student"]: r for r in _rows(out / name / "grades.csv")}
        assert set(rows) == {"alice", "bob"}, rows
        assert float(rows["alice"]["score"]) == float(rows["alice"]["max_score"]) > 0
        results = json.loads((out / name / "alice" / "results.json").read_text())
        assert results["assignment"] == name
    bob_missing = {r["student"]: r for r in _rows(out / NAMES[1] / "grades.csv")}["bob"]
    assert float(bob_missing["score"]) == 0
    done = run_engine(kit, "report", str(out))
    assert done.returncode == 0, done.stderr[-2000:]
    for name in NAMES:
        assert (out / name / "report.html").is_file()
    done = run_engine(kit, "report", str(out / NAMES[0]))  # one assignment's folder
    assert done.returncode == 0, done.stderr[-2000:]


def test_a_notebook_of_another_assignment_is_named_so(kit, tmp_path):
    other, named = NAMES[1], NAMES[0]
    out = tmp_path / "graded"
    done = run_engine(
        kit,
        "grade",
        str(_solved(kit, other)),
        "--out",
        str(out),
        "--quiet",
        "--assignment",
        named,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    (results,) = out.glob("*/results.json")
    data = json.loads(results.read_text())
    assert data["score"] == 0
    assert f"this is {other}'s notebook, not {named}'s" in data["output"], data["output"]
    # one reason, not a message per check blaming cells it was never meant to have
    assert not any("no cell with grade_id" in t["output"] for t in data["tests"])


def test_gradescope_writes_a_zip_per_assignment(kit, tmp_path):
    done = run_engine(kit, "gradescope", "--out", str(tmp_path / "autograder.zip"))
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    for name in NAMES:
        with zipfile.ZipFile(tmp_path / f"autograder-{name}.zip") as zf:
            assert f"source/{name}/checks.toml" in zf.namelist()


def test_a_missing_path_or_folder_is_one_line(kit, tmp_path):
    done = run_engine(kit, "grade", str(tmp_path / "nope"), "--out", str(tmp_path / "o"))
    assert done.returncode == 2 and "does not exist" in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    done = run_engine(kit, "report", str(tmp_path / "nope"))
    assert done.returncode == 2 and "does not exist" in done.stderr, done.stderr


@pytest.mark.slow
def test_release_without_an_assignment_releases_each(kit):
    done = run_engine(kit, "release")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for name in NAMES:
        assert f"== {name}: " in done.stdout
        assert (kit / "release" / name / f"{name}.ipynb").is_file()

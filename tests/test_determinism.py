"""The same submissions get identical results on every run and for every --jobs value."""

from __future__ import annotations

import json

import pytest
from corpus_tools import entries, materialize
from course_paths import ASSIGNMENT, ROOT

from autograder.batch import grade_paths
from autograder.pool import Limits

pytestmark = pytest.mark.slow


def _strip_times(data):
    """``data`` without its timings (``execution_time`` in results.json, ``seconds`` in reports)
    and the fresh draw a report names (each grading draws its own)."""
    if isinstance(data, dict):
        return {
            k: _strip_times(v)
            for k, v in data.items()
            if k not in ("execution_time", "seconds", "draw")
        }
    if isinstance(data, list):
        return [_strip_times(v) for v in data]
    return data


def test_scores_do_not_depend_on_jobs_or_runs(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    chosen = {e.name: e for e in entries("mistakes")}
    # split_shuffles draws from NumPy's global generator while training.
    names = ("relu_on_output", "loss_sum_not_mean", "split_shuffles")
    paths = [materialize(chosen[n], subs) for n in names]
    solved = subs / "solved.ipynb"
    solved.write_bytes((ROOT / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_bytes())
    junk = subs / "junk.ipynb"
    junk.write_text("{not json")
    paths += [solved, junk]
    runs = []
    for k, jobs in enumerate((1, 2, 2)):
        out = tmp_path / f"run{k}"
        grade_paths(paths, out, Limits(), jobs=jobs, progress=False)
        runs.append(
            {
                p.stem: _strip_times(json.loads((out / p.stem / "results.json").read_text()))
                for p in paths
            }
            | {"grades.csv": (out / "grades.csv").read_text()}
        )
    assert runs[0] == runs[1] == runs[2]


def test_training_check_gives_the_same_result_beside_the_others_or_after_them(tmp_path):
    """The final-accuracy check runs in a worker of its own, in parallel or not."""
    from autograder import key as answer_key
    from autograder.judge import grade_notebook
    from autograder.notebook import read_notebook, reference_sources, source_path

    chosen = {e.name: e for e in entries("mistakes")}
    paths = [materialize(chosen[n], tmp_path) for n in ("split_shuffles", "step_rebinds_globals")]
    paths.append(ROOT / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    key, source, refs = answer_key.load(), read_notebook(source_path()), reference_sources()
    for path in paths:
        side = grade_notebook(path, key, source, refs, parallel=True).as_dict()
        after = grade_notebook(path, key, source, refs, parallel=False).as_dict()
        assert _strip_times(side) == _strip_times(after), path.name


def test_resume_skips_unchanged_submissions_and_regrades_changed_ones(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    solved = subs / "solved.ipynb"
    solved.write_bytes((ROOT / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_bytes())
    junk = subs / "junk.ipynb"
    junk.write_text("{not json")
    out = tmp_path / "out"
    first = grade_paths([solved, junk], out, Limits(), jobs=1, progress=False)
    before = (out / "solved" / "results.json").read_text()
    feedback = (out / "solved" / "feedback.html").read_text()
    assert "data:image/png;base64," in feedback  # the decision-boundary picture
    junk.write_bytes(solved.read_bytes())  # the student resubmits a good notebook
    again = grade_paths([solved, junk], out, Limits(), jobs=1, progress=False, resume=True)
    assert (out / "solved" / "results.json").read_text() == before  # not graded again
    assert (out / "solved" / "feedback.html").read_text() == feedback  # picture kept
    assert [r.score for r in first] == [again[0].score, 0.0]
    assert again[0] == first[0]  # every field read back, hints included
    assert again[1].score == again[1].max_score  # the changed file was graded anew

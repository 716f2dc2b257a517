"""What student code may have planted around the results cannot redirect or stop them.

A link planted at a result's path (or at its folder) must be replaced, never
written through; a folder planted where a file goes must not crash the write; a
submission that is a link is refused, not followed; and an answer key changed
on disk after ``release`` is refused before anything is graded against it.
"""

from __future__ import annotations

import csv
import json
import shutil

import pytest
from corpus_tools import SOLVED

from autograder import files
from autograder import key as answer_key
from autograder.notebook import NotANotebook, read_notebook


def test_a_planted_link_at_the_file_is_replaced_not_followed(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("kept")
    out = tmp_path / "out"
    out.mkdir()
    (out / "results.json").symlink_to(victim)
    files.write_file(out / "results.json", "{}", clear=True)
    assert victim.read_text() == "kept"
    assert not (out / "results.json").is_symlink()
    assert (out / "results.json").read_text() == "{}"


def test_a_link_is_refused_without_clear(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("kept")
    (tmp_path / "f").symlink_to(victim)
    with pytest.raises(files.UnsafePath):
        files.write_file(tmp_path / "f", "x")
    assert victim.read_text() == "kept"


def test_a_planted_folder_at_the_file_is_cleared(tmp_path):
    planted = tmp_path / "results.json"
    (planted / "inner").mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "precious").write_text("kept")
    (planted / "inner" / "link").symlink_to(outside)  # removing the folder must not follow it
    files.write_file(planted, '{"score": 1}', clear=True)
    assert json.loads(planted.read_text()) == {"score": 1}
    assert (outside / "precious").read_text() == "kept"


def test_a_linked_results_folder_is_replaced_by_a_real_one(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "results").symlink_to(elsewhere)
    files.write_file(tmp_path / "results" / "results.json", "{}", clear=True)
    assert not (tmp_path / "results").is_symlink()
    assert (tmp_path / "results" / "results.json").is_file()
    assert not list(elsewhere.iterdir())
    (tmp_path / "other").symlink_to(elsewhere)
    with pytest.raises(files.UnsafePath):
        files.write_file(tmp_path / "other" / "results.json", "{}")
    assert not list(elsewhere.iterdir())


def test_a_submission_that_is_a_link_is_not_followed(tmp_path):
    link = tmp_path / "three_layer_classifier.ipynb"
    link.symlink_to(SOLVED)
    with pytest.raises(NotANotebook, match="is a link"):
        read_notebook(link)
    assert read_notebook(SOLVED)  # the file itself reads


def test_a_changed_answer_key_is_refused(tmp_path):
    key = tmp_path / "answer_key.json"
    shutil.copy(answer_key.key_path(), key)
    shutil.copy(answer_key.digest_path(answer_key.key_path()), answer_key.digest_path(key))
    assert answer_key.load(key).answers  # an intact copy loads
    data = json.loads(key.read_text())
    digest, answer = next(iter(data["answers"].items()))
    data["answers"][digest] = {**answer, "error": None, "value": None}
    key.write_text(json.dumps(data, sort_keys=True, indent=0) + "\n")
    with pytest.raises(answer_key.TamperedKey, match="does not match its digest"):
        answer_key.load(key)
    answer_key.digest_path(key).unlink()
    with pytest.raises(answer_key.TamperedKey):
        answer_key.load(key)


@pytest.mark.slow
def test_planted_paths_in_out_cost_no_row(tmp_path):
    """A folder at OUT/grades.csv and a link at a submission's results folder, as
    student code running as the grader's user could plant them during grading."""
    from autograder.batch import grade_paths
    from autograder.pool import Limits

    subs = tmp_path / "subs"
    subs.mkdir()
    for name in ("alice", "bob"):
        shutil.copy(SOLVED, subs / f"{name}.ipynb")
    out = tmp_path / "graded"
    (out / "grades.csv" / "x").mkdir(parents=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (out / "alice").symlink_to(elsewhere)
    reports = grade_paths(sorted(subs.iterdir()), out, Limits(), jobs=1, progress=False)
    assert [r.score for r in reports] == [r.max_score for r in reports]
    with open(out / "grades.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["submission"] for r in rows] == ["alice.ipynb", "bob.ipynb"]
    assert not (out / "alice").is_symlink() and (out / "alice" / "results.json").is_file()
    assert not list(elsewhere.iterdir())

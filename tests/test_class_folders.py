"""A class as it arrives: nbgrader's submitted/ folder, a flat folder, an LMS zip and names.

The graded tests run ``python -m autograder grade`` as a process of its own, as an
instructor does, with real workers, and read what it wrote and printed.  One
grading of a class in nbgrader's layout serves several tests; the same class,
killed part way and resumed, must end with the same grades.csv.  The naming and
zip-safety tests need no grading.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from corpus_tools import RELEASED, ROOT, SOLVED, run_grade
from course_paths import ASSIGNMENT

from autograder.checks import points_by_grade_id
from autograder.demo import make_mistake
from autograder.submissions import (
    MAX_NOTEBOOK_BYTES,
    Submission,
    assign_folders,
    extract_notebooks,
    find_submissions,
    lms_student,
    safe_folder,
)

FULL = sum(points_by_grade_id().values())
NOTEBOOK = f"{ASSIGNMENT}.ipynb"

# --------------------------------------------------------------------------- helpers


def _rows(out: Path) -> dict[str, dict]:
    with open(out / "grades.csv", newline="") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames[:4] == ["student", "submission", "score", "max_score"]
        rows = list(reader)
    by_student = {r["student"]: r for r in rows}
    assert len(by_student) == len(rows), "one row per student"
    return by_student


def _no_traceback(done: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in done.stdout + done.stderr, done.stderr


def _submit(submitted: Path, student: str, notebook: Path, name: str = NOTEBOOK) -> None:
    folder = submitted / student / ASSIGNMENT
    folder.mkdir(parents=True)
    shutil.copy(notebook, folder / name)


# --------------------------------------------------------------------------- nbgrader's layout

#: Students of the class and what they handed in (every file named like the assignment).
WITH_NOTEBOOK = {
    "alice": "solved",
    "bob": "release",
    "carol": "mistake",
    "eve": "solved",
    "frank": "release",
    "grace": "solved",
    "heidi": "mistake",
    "mallory": "peeks",
}

#: mallory's my_accuracy goes wrong when her code can read a classmate's notebook.
PEEK = """

try:
    with open({path!r}, "rb") as _fh:
        _peeked = bool(_fh.read(1))
except OSError:
    _peeked = False
if _peeked:

    def my_accuracy(y_true, y_pred):
        return -1.0
"""


def _peeking(base: Path, classmate: Path) -> Path:
    """The solved notebook whose my_accuracy cell tries to read ``classmate``."""
    notebook = nbformat.read(SOLVED, as_version=4)
    (cell,) = [
        c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "my_accuracy"
    ]
    cell.source += PEEK.format(path=str(classmate))
    path = base / "peeks.ipynb"
    nbformat.write(notebook, str(path))
    return path


@dataclass
class Course:
    root: Path
    full: Path  # graded in one run
    done: subprocess.CompletedProcess


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Course:
    root = tmp_path_factory.mktemp("course")
    submitted = root / "course" / "submitted"
    mistake = make_mistake(SOLVED, root / "mistake.ipynb")
    alice = submitted / "alice" / ASSIGNMENT / NOTEBOOK
    peeks = _peeking(root, alice)
    notebooks = {"solved": SOLVED, "release": RELEASED, "mistake": mistake, "peeks": peeks}
    for student, kind in WITH_NOTEBOOK.items():
        _submit(submitted, student, notebooks[kind])
    # dave handed in another assignment only; ivan's folder holds a Jupyter checkpoint only.
    (submitted / "dave" / "hw0").mkdir(parents=True)
    (submitted / "dave" / "hw0" / "hw0.ipynb").write_text("{}")
    checkpoints = submitted / "ivan" / ASSIGNMENT / ".ipynb_checkpoints"
    checkpoints.mkdir(parents=True)
    shutil.copy(SOLVED, checkpoints / f"{ASSIGNMENT}-checkpoint.ipynb")
    # A checkpoint beside alice's notebook would be graded instead of hers if it counted.
    shutil.copytree(checkpoints, submitted / "alice" / ASSIGNMENT / ".ipynb_checkpoints")
    done = run_grade(root / "course", "--out", root / "full", "--jobs", "2", "--quiet")
    return Course(root, root / "full", done)


@pytest.mark.slow
def test_nbgrader_layout_gives_one_row_per_student_named_by_folder(course):
    assert course.done.returncode == 0, course.done.stderr
    _no_traceback(course.done)
    rows = _rows(course.full)
    assert set(rows) == set(WITH_NOTEBOOK) | {"dave", "ivan"}
    for student, kind in WITH_NOTEBOOK.items():
        score = float(rows[student]["score"])
        assert rows[student]["submission"] == NOTEBOOK
        assert float(rows[student]["max_score"]) == FULL
        if kind == "solved":
            assert score == FULL, student
        elif kind == "release":
            assert score == 0, student
        elif kind == "mistake":
            assert 0 < score < FULL, student
    # As root (README: Trust model) each worker runs with submitted/ covered: mallory
    # cannot read alice's notebook, so her my_accuracy stays right.  As an ordinary
    # user student code runs as you and can: it then shows the peek works.
    peeked = float(rows["mallory"]["score"]) < FULL
    assert peeked == (os.geteuid() != 0), rows["mallory"]
    for student in ("dave", "ivan"):  # a row, 0, and the reason in their results
        assert float(rows[student]["score"]) == 0
    results = json.loads((course.full / "dave" / "results.json").read_text())
    assert f"no {ASSIGNMENT}/ folder was submitted" in results["output"]
    assert "hw0" in results["output"]
    results = json.loads((course.full / "ivan" / "results.json").read_text())
    assert "No .ipynb file was found" in results["output"]


@pytest.mark.slow
def test_results_go_to_the_students_folder_and_name_the_student(course):
    for student in WITH_NOTEBOOK:
        folder = course.full / student
        data = json.loads((folder / "results.json").read_text())
        assert data["report"]["student"] == student
        assert (folder / "feedback.html").is_file() and (folder / "feedback.md").is_file()
        assert (folder / ".fingerprint").is_file()
    assert "alice" in course.done.stdout  # the table names students, not notebooks
    log = (course.full / "grader.log").read_text()
    assert len(re.findall(r" INFO graded ", log)) == len(WITH_NOTEBOOK)


@pytest.mark.slow
def test_a_killed_batch_resumed_grades_only_what_is_left(course):
    """SIGKILL part way, then --resume: the graded ones are read back, not graded
    again, and grades.csv is byte for byte the uninterrupted run's."""
    out = course.root / "killed"
    given = course.root / "course" / "submitted"
    args = [sys.executable, "-m", "autograder", "grade", str(given), "--out", str(out)]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    batch = subprocess.Popen(
        [*args, "--jobs", "1", "--quiet"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    deadline = time.monotonic() + 240
    while len(_finished(out)) < 2 and batch.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(batch.pid, signal.SIGKILL)
    batch.wait()
    assert batch.returncode == -signal.SIGKILL, "the batch ended before it could be killed"
    first = _finished(out)
    assert 2 <= len(first) < len(WITH_NOTEBOOK), first
    kept = {s: (out / s / "feedback.html").stat().st_mtime_ns for s in first}

    done = run_grade(given, "--out", out, "--jobs", "2", "--quiet", "--resume")
    assert done.returncode == 0, done.stderr
    _no_traceback(done)
    assert f"({len(first)} read back from an earlier run)" in done.stdout
    run = (out / "grader.log").read_text().rsplit(" INFO grade ", 1)[1]
    graded = set(re.findall(r" INFO graded \S+/(\w+)/" + ASSIGNMENT + "/", run))
    resumed = set(re.findall(r" INFO resumed \S+/(\w+)/" + ASSIGNMENT + "/", run))
    assert graded == set(WITH_NOTEBOOK) - first
    assert resumed == first
    assert kept == {s: (out / s / "feedback.html").stat().st_mtime_ns for s in first}
    assert (out / "grades.csv").read_bytes() == (course.full / "grades.csv").read_bytes()


def _finished(out: Path) -> set[str]:
    """Students whose grading was saved whole (the fingerprint is written last)."""
    return {s for s in WITH_NOTEBOOK if (out / s / ".fingerprint").is_file()}


# --------------------------------------------------------------------------- flat, zip, LMS


@pytest.fixture(scope="module")
def downloads(tmp_path_factory):
    """A flat folder (two notebooks named alike in subfolders), a Canvas zip and a
    folder of Canvas, Moodle and Blackboard names, graded in one run."""
    root = tmp_path_factory.mktemp("downloads")
    flat = root / "flat"
    (flat / "a").mkdir(parents=True)
    (flat / "b").mkdir()
    (flat / ".ipynb_checkpoints").mkdir()
    shutil.copy(SOLVED, flat / "kim.ipynb")
    shutil.copy(RELEASED, flat / "a" / "x.ipynb")
    shutil.copy(SOLVED, flat / "b" / "x.ipynb")
    shutil.copy(RELEASED, flat / ".ipynb_checkpoints" / "kim-checkpoint.ipynb")
    (flat / "notes.txt").write_text("not a notebook: skipped in a folder")
    with zipfile.ZipFile(root / "canvas.zip", "w") as zf:
        zf.write(SOLVED, f"smith_john_12345_67890_{NOTEBOOK}")
        zf.write(RELEASED, f"doe_jane_LATE_23456_78901_{NOTEBOOK}")
        zf.write(SOLVED, f"__MACOSX/._smith_john_12345_67890_{NOTEBOOK}")
    lms = root / "lms"
    moodle = lms / "Kim Min-jun_555123_assignsubmission_file_"
    moodle.mkdir(parents=True)
    shutil.copy(SOLVED, moodle / NOTEBOOK)
    shutil.copy(RELEASED, lms / f"HW3_jlee_attempt_2026-11-02-10-04-05_{NOTEBOOK}")
    done = run_grade(flat, root / "canvas.zip", lms, "--out", root / "out", "--quiet")
    return root / "out", done


@pytest.mark.slow
def test_flat_folder_zip_and_lms_names(downloads):
    out, done = downloads
    assert done.returncode == 0, done.stderr
    _no_traceback(done)
    rows = _rows(out)
    solved = {"kim", "b", "smith_john", "Kim Min-jun"}
    untouched = {"a", "doe_jane", "jlee"}
    assert set(rows) == solved | untouched
    assert all(float(rows[s]["score"]) == FULL for s in solved)
    assert all(float(rows[s]["score"]) == 0 for s in untouched)
    assert "skipped 1 file(s) that are not .ipynb (notes.txt)" in done.stderr
    for folder in ("kim", "a", "b", "smith_john", "doe_jane", "Kim_Min-jun", "jlee"):
        assert (out / folder / "results.json").is_file(), folder
    report = json.loads((out / "Kim_Min-jun" / "results.json").read_text())["report"]
    assert report["student"] == "Kim Min-jun"


# --------------------------------------------------------------------------- naming, no grading


@pytest.mark.parametrize(
    "path, student",
    [
        (f"c/submitted/alice/{ASSIGNMENT}/{NOTEBOOK}", "alice"),
        (f"smith_john_12345_67890_{NOTEBOOK}", "smith_john"),
        ("smith_john_LATE_12345_67890_hw.ipynb", "smith_john"),
        ("smithjohn_123456_notebook.ipynb", "smithjohn"),
        ("HW3_jlee_attempt_2026-11-02-10-04-05_x.ipynb", "jlee"),
        ("Kim Min-jun_555_assignsubmission_file_/x.ipynb", "Kim Min-jun"),
        ("hw_2_alice.ipynb", None),  # short numbers are not LMS ids
        ("x.ipynb", None),
    ],
)
def test_lms_and_nbgrader_names(path, student):
    assert lms_student(Path("/data") / path) == student


def test_files_sharing_a_name_are_told_apart_by_their_folders(tmp_path):
    for sub in ("a", "b", "c/x", "d/x"):
        (tmp_path / sub).mkdir(parents=True)
    paths = [tmp_path / "a" / NOTEBOOK, tmp_path / "b" / NOTEBOOK]
    paths += [tmp_path / "c/x/hw.ipynb", tmp_path / "d/x/hw.ipynb", tmp_path / "solo.ipynb"]
    for p in paths:
        p.write_text("{}")
    found = find_submissions(paths)
    assert [s.student for s in found.submissions] == ["a", "b", "c", "d", "solo"]
    assert len({s.folder for s in found.submissions}) == 5
    assert not found.missing


def test_clashing_names_get_distinct_folders_whatever_the_order():
    rows = [
        Submission(Path("/x/1.ipynb"), "Bob", "/x/1.ipynb"),
        Submission(Path("/x/2.ipynb"), "bob", "/x/2.ipynb"),
        Submission(Path("/x/3.ipynb"), "bob-2", "/x/3.ipynb"),
        Submission(Path("/x/4.ipynb"), "grades.csv", "/x/4.ipynb"),
        Submission(Path("/x/5.ipynb"), "../../etc", "/x/5.ipynb"),
    ]
    folders = [s.folder for s in assign_folders(rows)]
    assert [s.folder for s in assign_folders(rows[::-1])] == folders[::-1]
    assert len({f.casefold() for f in folders}) == 5  # distinct on a case-blind disk too
    assert folders[3] == "_grades.csv"
    assert all("/" not in f and not f.startswith(".") for f in folders)
    assert safe_folder("김민준") == "김민준"


def test_missing_paths_and_empty_folders_are_named_not_graded(tmp_path):
    good = tmp_path / "good.ipynb"
    good.write_text("{}")
    (tmp_path / "empty").mkdir()
    found = find_submissions([good, tmp_path / "nope.ipynb", tmp_path / "empty"])
    assert [s.student for s in found.submissions] == ["good"]
    assert found.missing == [
        f"{tmp_path / 'nope.ipynb'}: no such file or folder",
        f"{tmp_path / 'empty'}: no .ipynb file in this folder",
    ]


def test_a_zip_is_extracted_safely(tmp_path):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("ok/good.ipynb", "{}")
        zf.writestr("../escape.ipynb", "{}")
        zf.writestr("/etc/absolute.ipynb", "{}")
        zf.writestr("C:/windows.ipynb", "{}")
        link = zipfile.ZipInfo("link.ipynb")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(link, "/etc/passwd")
        zf.writestr("huge.ipynb", b"0" * (MAX_NOTEBOOK_BYTES + 1), zipfile.ZIP_DEFLATED)
        zf.writestr("other.txt", "not extracted")
    target = tmp_path / "x"
    target.mkdir()
    refused = extract_notebooks(archive, target)
    assert [p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()] == [
        "ok/good.ipynb"
    ]
    assert len(refused) == 5, refused
    assert not (tmp_path / "escape.ipynb").exists()
    found = find_submissions([archive])
    with found:
        assert [s.origin for s in found.submissions] == [f"{archive}:ok/good.ipynb"]
        extracted = found.submissions[0].path
        assert extracted.is_file()
        assert len(found.missing) == 5
    assert not extracted.exists()  # the temporary folder is gone with the Found

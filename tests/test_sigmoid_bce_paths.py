"""The second assignment through every front end the first one has: ``grade`` (the command,
in a process of its own), Gradescope (the zip's own ``run_autograder``) and nbgrader (real
``generate_assignment``, ``autograde`` and ``export``), each from a course that holds
sigmoid_bce_classifier's folder; the engine is the same, unchanged.
"""

from __future__ import annotations

import csv
import os
import shutil
import tomllib
import zipfile

import nbformat
import pytest
from corpus_tools import entries, materialize, run_grade
from course_paths import ROOT
from test_gradescope import run_autograder

from autograder import course
from autograder.gradescope import build_zip, ensure_student_user
from autograder.notebook import master_hand_graded
from autograder.release import run_nbgrader
from autograder.sandbox import let_students_reach_python

pytestmark = pytest.mark.slow
NAME = "sigmoid_bce_classifier"
SOLVED = ROOT / "solutions" / NAME / f"{NAME}.ipynb"
RELEASED = ROOT / "release" / NAME / f"{NAME}.ipynb"
#: sigmoid 4, bce_loss 4, training_step 7 (checks.toml); a test below sums them again.
MAX = 15
#: One Gradescope test per check: 3 of sigmoid, 3 of bce_loss, 7 of training_step.
N_CHECKS = 13
#: A mistake of sigmoid's: 1 / (1 + e^z). Its shape and dtype are right (1 point kept); its
#: values cost sigmoid's other 3 points, and nothing else.
WRONG_SIGN = next(e for e in entries("mistakes", NAME) if e.name == "sigmoid_wrong_sign")


@pytest.fixture
def selected(monkeypatch):
    """This assignment is the current one (conftest names the first for every test)."""
    monkeypatch.setenv(course.ASSIGNMENT_ENV, NAME)
    return course.find(NAME)


def test_points_are_the_checks(selected):
    from autograder.checks import points_by_grade_id

    assert points_by_grade_id() == {"sigmoid": 4.0, "bce_loss": 4.0, "training_step": 7.0}
    assert sum(points_by_grade_id().values()) == MAX
    assert len(tomllib.loads(selected.checks_path.read_text())["check"]) == N_CHECKS


def test_grade_command(tmp_path):
    mistake = materialize(WRONG_SIGN, tmp_path)
    solved, released = tmp_path / "solved.ipynb", tmp_path / "released.ipynb"
    shutil.copy(SOLVED, solved)
    shutil.copy(RELEASED, released)
    done = run_grade("--assignment", NAME, solved, mistake, released, "--out", tmp_path / "g")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr and "Warning" not in done.stderr, done.stderr
    with open(tmp_path / "g" / "grades.csv") as fh:
        rows = {row["submission"]: row for row in csv.DictReader(fh)}
    assert float(rows[solved.name]["score"]) == MAX
    assert float(rows[released.name]["score"]) == 0
    wrong = rows[mistake.name]
    lost = {k.split(":")[0] for k, v in wrong.items() if ":" in k and float(v) == 0}
    assert lost == {"sigmoid"} and float(wrong["score"]) == MAX - 3
    feedback = (tmp_path / "g" / mistake.stem / "feedback.md").read_text()
    assert "the exponent is -z" in feedback


@pytest.fixture(scope="module")
def gradescope_root(tmp_path_factory):
    saved = os.environ.get(course.ASSIGNMENT_ENV)
    os.environ[course.ASSIGNMENT_ENV] = NAME
    try:
        tmp = tmp_path_factory.mktemp("gradescope_second")
        archive = build_zip(tmp / "autograder.zip")
    finally:
        os.environ[course.ASSIGNMENT_ENV] = saved or ""
        if saved is None:
            del os.environ[course.ASSIGNMENT_ENV]
    with zipfile.ZipFile(archive) as zf:
        names = zf.namelist()
        zf.extractall(tmp / "root" / "source")
    assert f"source/{NAME}/grading.py" in names and f"solutions/{NAME}/reference.py" in names
    assert not any(n.startswith("source/three_layer_classifier/") for n in names)
    source = tmp / "root" / "source"
    for script in ("setup.sh", "run_autograder"):
        os.chmod(source / script, 0o755)
    shutil.copy2(source / "run_autograder", tmp / "root" / "run_autograder")
    if os.geteuid() == 0:
        os.chmod(source, 0o700)
        let_students_reach_python()
        ensure_student_user()
    return tmp / "root"


def test_gradescope_zip_grades_the_solved_notebook_and_a_mistake(gradescope_root, monkeypatch):
    # The zip's course holds one assignment: run_autograder finds it without being told.
    monkeypatch.delenv(course.ASSIGNMENT_ENV, raising=False)
    solved = run_autograder(gradescope_root, {f"{NAME}.ipynb": SOLVED.read_bytes()})
    assert solved["score"] == MAX
    assert len(solved["tests"]) == N_CHECKS and all(
        t["status"] == "passed" for t in solved["tests"]
    )
    notebook = materialize(WRONG_SIGN, gradescope_root.parent)
    wrong = run_autograder(gradescope_root, {"mine.ipynb": notebook.read_bytes()})
    failed = [t for t in wrong["tests"] if t["status"] == "failed"]
    assert failed and {t["name"].split(":")[0] for t in failed} == {"sigmoid"}
    assert wrong["score"] == MAX - 3
    assert any("the exponent is -z" in t["output"] for t in failed)


def test_nbgrader_autograde_gives_the_solved_notebook_full_marks(tmp_path, selected):
    """A course folder with this assignment alone: nbgrader generates it, autogrades the
    solved notebook (hidden cells scored by the judge outside the kernel) and exports it."""
    shutil.copytree(
        ROOT / "source" / NAME,
        tmp_path / "source" / NAME,
        ignore=shutil.ignore_patterns("__pycache__", "public_checks"),
    )
    (tmp_path / "solutions").mkdir()
    shutil.copytree(ROOT / "solutions" / NAME, tmp_path / "solutions" / NAME)
    shutil.copy(ROOT / "nbgrader_config.py", tmp_path / "nbgrader_config.py")
    students = {"alice": SOLVED, "bob": RELEASED}
    for student, notebook in students.items():
        folder = tmp_path / "submitted" / student / NAME
        folder.mkdir(parents=True)
        shutil.copy(notebook, folder / f"{NAME}.ipynb")
    os.environ[course.COURSE_ENV] = str(tmp_path)  # conftest puts it back
    run_nbgrader("generate_assignment", NAME, "--force", cwd=tmp_path)
    run_nbgrader("autograde", NAME, "--create", cwd=tmp_path)
    run_nbgrader("export", "--to", str(tmp_path / "export.csv"), cwd=tmp_path)
    with open(tmp_path / "export.csv") as fh:
        rows = {row["student_id"]: row for row in csv.DictReader(fh)}
    # every autograded point; the master's hand-graded answers are for a person to mark
    hand = sum(h.points for h in master_hand_graded())
    assert hand > 0 and float(rows["alice"]["max_score"]) == MAX + hand
    assert float(rows["alice"]["score"]) == MAX
    assert float(rows["bob"]["score"]) == 0
    graded = tmp_path / "autograded" / "alice" / NAME / f"{NAME}.ipynb"
    cells = nbformat.read(str(graded), as_version=4).cells
    hidden = [
        c for c in cells if c.metadata.get("nbgrader", {}).get("grade_id", "").startswith("test_")
    ]
    assert len(hidden) == 3
    for cell in hidden:
        assert not any(o.get("name") == "stderr" for o in cell.get("outputs", [])), cell.source

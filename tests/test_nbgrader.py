"""The nbgrader path: real generate_assignment and autograde give the grading command's totals.

A course folder is laid out as an instructor's (source/, nbgrader_config.py,
submitted/<student>/<assignment>/<assignment>.ipynb) in a temporary folder;
nbgrader executes every notebook in a real kernel, and the points of its hidden
test cells come from the judge outside that kernel (autograder.nbgrader_judge),
so a submission that patches what runs in the kernel earns nothing by it.  Its
exported totals must equal the grading command's, and no test cell may show
stderr output (nbgrader would score it 0 whatever the verdict).
"""

from __future__ import annotations

import csv
import shutil
import tempfile
from pathlib import Path

import nbformat
import pytest
from corpus_tools import entries, materialize
from course_paths import ASSIGNMENT, ROOT

from autograder.batch import grade_paths
from autograder.pool import Limits
from autograder.release import run_nbgrader

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def course():
    # Below /var/tmp, not pytest's /tmp: write_the_kit_from_the_kernel leaves folders
    # under /tmp alone (its own scratch there is allowed), so only a course outside /tmp
    # shows the course folder out of the kernel's reach.
    root = Path(tempfile.mkdtemp(prefix="autograder-nbgrader-course-", dir="/var/tmp"))
    try:
        yield _graded_course(root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _graded_course(root: Path):
    shutil.copytree(ROOT / "source", root / "source", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    # the course's reference solutions: the judge grades against them (answer key) and
    # reads them (reference functions stand in for earlier ones)
    shutil.copytree(ROOT / "solutions", root / "solutions")
    mistake = next(e for e in entries("mistakes") if e.name == "relu_on_output")
    patched = next(e for e in entries("broken") if e.name == "patch_nbgrader_grade")
    writer = next(e for e in entries("broken") if e.name == "write_the_kit_from_the_kernel")
    students = {
        "alice": ROOT / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb",
        "bob": ROOT / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb",
        "carol": materialize(mistake, root),
        # a wrong model, and a cell that replaces the kernel's grade() and display hook
        "mallory": materialize(patched, root),
        # a kernel that tries to write the kit, the course folder and the home
        "trudy": materialize(writer, root),
    }
    for student, notebook in students.items():
        folder = root / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        shutil.copy(notebook, folder / f"{ASSIGNMENT}.ipynb")
    judge_before = (ROOT / "autograder" / "judge.py").read_bytes()
    run_nbgrader("generate_assignment", ASSIGNMENT, "--force", cwd=root)
    done = run_nbgrader("autograde", ASSIGNMENT, "--create", cwd=root)
    (root / "autograde.log").write_text(done.stdout + done.stderr)
    run_nbgrader("generate_feedback", ASSIGNMENT, cwd=root)
    run_nbgrader("export", "--to", str(root / "export.csv"), cwd=root)
    with open(root / "export.csv") as fh:
        totals = {row["student_id"]: float(row["score"]) for row in csv.DictReader(fh)}
    flat = root / "flat"
    flat.mkdir()
    for s in students:  # the grading command wants distinct file names
        shutil.copy(
            root / "submitted" / s / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", flat / f"{s}.ipynb"
        )
    ours = grade_paths(
        [flat / f"{s}.ipynb" for s in students],
        root / "ours",
        Limits(),
        jobs=2,
        progress=False,
    )
    assert (ROOT / "autograder" / "judge.py").read_bytes() == judge_before
    return root, totals, ours, list(students)


def test_nbgrader_totals_equal_the_grading_command(course):
    root, totals, ours, students = course
    assert set(totals) == set(students)
    for student, report in zip(students, ours):
        assert totals[student] == report.score, student
    assert totals["alice"] == ours[0].max_score
    assert totals["bob"] == 0
    assert 0 < totals["carol"] < ours[0].max_score
    # Patching what runs in the kernel earns nothing: the judge outside it sets the points.
    # (its patched grade() would have reported full points in every hidden cell)
    assert totals["mallory"] < ours[0].max_score


def test_autograde_prints_no_traceback(course):
    """jupyter_client interrupts each kernel (SIGINT to its process group) before shutting it
    down; the confined kernel's wrapper and process 1 (autograder/view.py) ignore it, and no
    KeyboardInterrupt traceback reaches nbgrader's output for each notebook."""
    root, *_ = course
    output = (root / "autograde.log").read_text()
    assert "Traceback" not in output and "KeyboardInterrupt" not in output, output[-3000:]


def test_no_test_cell_has_stderr_output(course):
    root, _, _, students = course
    for student in students:
        path = root / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        notebook = nbformat.read(str(path), as_version=4)
        for cell in notebook.cells:
            if cell.metadata.get("nbgrader", {}).get("grade") and cell.cell_type == "code":
                names = [o.get("name") for o in cell.outputs if o.output_type == "stream"]
                assert "stderr" not in names, (student, cell.metadata["nbgrader"]["grade_id"])


def test_hidden_cells_report_each_check(course):
    root, *_ = course
    path = root / "autograded" / "carol" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    notebook = nbformat.read(str(path), as_version=4)
    model_cell = next(
        c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_model"
    )
    text = "".join(o.get("text", "") for o in model_cell.outputs if o.output_type == "stream")
    assert "the last layer applies ReLU" in text
    assert "FAILED (0/1)" in text


def test_nbgrader_feedback_shows_the_hidden_verdicts(course):
    root, *_ = course
    pages = list((root / "feedback" / "carol" / ASSIGNMENT).glob("*.html"))
    assert pages, "nbgrader generate_feedback wrote no page"
    html = pages[0].read_text()
    assert "the last layer applies ReLU" in html


def test_nbgrader_feedback_html_hides_the_public_checks_blob(course):
    """generate_feedback (with the course's nbgrader_config.py) folds the loader cell."""
    from test_hide_loader import shows_blob

    root, _, _, students = course
    for student in students:
        graded = root / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        assert shows_blob(graded.read_text(), graded), "the graded notebook lost its loader"
        page = root / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html"
        html = page.read_text()
        assert "Public checks (carried inside this notebook" in html, student
        assert not shows_blob(html, graded), f"{student}'s feedback shows the packed public checks"


def test_the_students_kernel_wrote_nothing_outside_its_view(course):
    """write_the_kit_from_the_kernel.py ran in nbgrader's kernel (trudy's notebook) and
    tried to create files in the kit, the course folder and the home."""
    import os
    import pwd

    root, totals, ours, students = course
    homes = {os.path.expanduser("~"), pwd.getpwuid(os.geteuid()).pw_dir}
    folders = [ROOT, ROOT / "autograder", root, *(Path(h) for h in homes)]
    folders += [p.parent for p in (root / "autograded").rglob("*.ipynb")]
    folders += [p.parent for p in (root / "submitted").rglob("*.ipynb")]
    written = [p for f in folders for p in Path(f).glob("autograder-kernel-wrote-*")]
    for path in written:
        path.unlink()  # a failing run must not leave them for the next one
    assert not written, f"the kernel wrote {written}"
    assert totals["trudy"] == totals["alice"], "the kernel's writes changed its points"

"""The student's side: the release folder works on its own, and `check` works from a terminal.

The release notebook is copied alone into an empty temporary folder (as Colab opens
one notebook, without its folder) and executed in a
real Jupyter kernel that *cannot* import the kit (a stub package on PYTHONPATH
shadows it), as on a student's laptop or in Colab.
"""

from __future__ import annotations

import shutil
import subprocess
import sys

import nbformat
import pytest
from course_paths import ASSIGNMENT, ROOT
from nbclient import NotebookClient

from autograder.checks import FUNCTIONS, REGISTRY

RELEASE = ROOT / "release" / ASSIGNMENT
N_PUBLIC = sum(c.public for c in REGISTRY)


def _execute(notebook_path, folder, blocker, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(blocker))
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "3")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    notebook = nbformat.read(str(notebook_path), as_version=4)
    client = NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(folder)}},
    )
    client.execute()
    return notebook


def _outputs(cell) -> str:
    parts = []
    for o in cell.outputs:
        parts.append(o.get("text", "") if o.output_type == "stream" else str(o.get("evalue", "")))
    return "".join(parts)


@pytest.fixture
def student_folder(tmp_path):
    # The notebook alone, as Colab opens it: no public_checks folder beside it.
    folder = tmp_path / "student"
    folder.mkdir()
    shutil.copy(RELEASE / f"{ASSIGNMENT}.ipynb", folder)
    blocker = tmp_path / "blocker"
    for name in ("autograder", "solutions"):
        (blocker / name).mkdir(parents=True)
        (blocker / name / "__init__.py").write_text(
            f"raise ImportError('{name} is not installed on a student machine')\n"
        )
    return folder, blocker


def _check_cells(notebook) -> dict[str, str]:
    out = {}
    for cell in notebook.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        if gid.startswith("test_") and gid[5:] in FUNCTIONS:
            out[gid[5:]] = _outputs(cell)
    return out


@pytest.mark.slow
def test_untouched_release_runs_alone_and_says_not_implemented(student_folder, monkeypatch):
    folder, blocker = student_folder
    notebook = _execute(folder / f"{ASSIGNMENT}.ipynb", folder, blocker, monkeypatch)
    checks = _check_cells(notebook)
    assert set(checks) == set(FUNCTIONS)
    for name, text in checks.items():
        assert f"{name} is not implemented yet" in text, text
        assert "passed" in text and "FAILED" in text
    summary = next(
        c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "summary"
    )
    assert f"0 of {N_PUBLIC} public checks passed" in _outputs(summary)
    assert "is not installed on a student machine" not in "".join(
        _outputs(c) for c in notebook.cells if c.cell_type == "code"
    )


@pytest.mark.slow
def test_solved_notebook_passes_every_public_check_alone(solved_alone):
    """Executed alone without the kit importable (conftest.py, once for the run)."""
    notebook = solved_alone
    for name, text in _check_cells(notebook).items():
        assert "FAILED" not in text, text
        assert f"{name}: " in text and "public checks passed" in text
    errors = [
        o
        for c in notebook.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.output_type == "error"
    ]
    assert not errors, errors
    summary = next(
        c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "summary"
    )
    assert f"{N_PUBLIC} of {N_PUBLIC} public checks passed" in _outputs(summary)


def _check(path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "autograder", "check", str(path)],
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.slow
def test_check_command_exit_status(tmp_path):
    solved = _check(ROOT / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    assert solved.returncode == 0, solved.stdout
    assert f"{N_PUBLIC} of {N_PUBLIC} public checks passed" in solved.stdout
    untouched = _check(RELEASE / f"{ASSIGNMENT}.ipynb")
    assert untouched.returncode == 1
    assert "layer is not implemented yet" in untouched.stdout
    assert "expected" not in untouched.stdout or "hint:" in untouched.stdout
    junk = tmp_path / "junk.ipynb"
    junk.write_text("this is not a notebook")
    broken = _check(junk)
    assert broken.returncode == 2
    assert "not a Jupyter notebook" in broken.stdout

"""Python 3.10, the Python of Gradescope's image (Ubuntu 22.04), still grades.

A fresh virtual environment of Python 3.10 gets the kit with ``pip install .``,
constrained by the Gradescope zip's ``requirements.txt`` (what the image installs),
and grades the solved notebook with ``python -m autograder grade``: full marks.
The kit's code is the checkout's (run from it, as Gradescope runs it from its
folder); what this shows is that its code and its dependencies work on 3.10.
The install downloads TensorFlow unless pip's cache has it: minutes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from course_paths import ASSIGNMENT, ROOT

from autograder.checks import REGISTRY
from autograder.gradescope import pinned_requirements

pytestmark = pytest.mark.slow


def python310() -> Path | None:
    """pyenv's Python 3.10 (as on the kit's development machine), else one on PATH."""
    versions = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    found = sorted(versions.glob("3.10.*/bin/python3.10")) if versions.is_dir() else []
    if found:
        return found[-1]
    on_path = shutil.which("python3.10")
    return Path(on_path) if on_path else None


def run(command: list, timeout: float, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, **kwargs)
    assert done.returncode == 0, (
        f"{command[:4]} failed:\n{done.stdout[-2000:]}{done.stderr[-3000:]}"
    )
    return done


@pytest.mark.timeout(2400)
def test_the_kit_installs_and_grades_on_python_310(tmp_path):
    python = python310()
    if python is None:
        pytest.skip(
            "NO PYTHON 3.10 FOUND (looked in ~/.pyenv/versions/3.10.* and for python3.10 on "
            "PATH): grading on Python 3.10, Gradescope's, was NOT checked"
        )
    venv = tmp_path / "venv"
    started = time.monotonic()
    run([python, "-m", "venv", venv], 300)
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(pinned_requirements())
    pip = [venv / "bin" / "python", "-m", "pip", "install", "--quiet"]
    run([*pip, "-c", requirements, ROOT], 1800)
    installed = time.monotonic()
    versions = run(
        [
            venv / "bin" / "python",
            "-c",
            "import sys, tensorflow as tf, numpy as np;"
            "print(*sys.version_info[:2], tf.__version__, np.__version__)",
        ],
        300,
    ).stdout.split()
    assert versions[:2] == ["3", "10"], versions

    out = tmp_path / "out"
    solved = ROOT / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    command = [venv / "bin" / "python", "-m", "autograder", "grade", solved, "--out", out]
    run([*command, "--quiet"], 900, cwd=ROOT)
    graded = time.monotonic()
    (results,) = out.rglob("results.json")
    data = json.loads(results.read_text())
    assert data["score"] == sum(c.points for c in REGISTRY), data.get("output")
    assert all(t["status"] == "passed" for t in data["tests"])
    assert (out / "grades.csv").is_file()
    print(
        f"Python 3.10: TensorFlow {versions[2]}, NumPy {versions[3]}; install "
        f"{installed - started:.0f} s, grading {graded - installed:.0f} s"
    )

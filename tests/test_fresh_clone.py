"""A fresh clone stays clean under the README's commands, and ``release`` is reproducible.

The repository is cloned (``git clone`` of this checkout's committed HEAD) into a
temporary folder, and the README's commands run there, from the course folder, as an
instructor types them (the clone's own kit: ``PYTHONPATH`` is the clone):

* for each assignment, ``python -m autograder release``, the nbgrader recipe's
  ``nbgrader generate_assignment A --force`` (which once deleted the committed
  ``release/A/public_checks/``), ``grade submitted/ --out graded/``, ``report graded/``,
  ``gradescope --out autograder.zip``, ``hand-grades graded/ --from gradebook.db``; and for
  the first one nbgrader's ``autograde``, ``generate_feedback`` and ``export``, whose log
  must hold no "Attribute 'checksum' ... has changed!" warning for the untouched test
  cells.  After every command ``git status --porcelain`` is empty.
* ``release`` keeps the key when a machine computes its answers with float noise: the
  clone's key is nudged by one float32 ulp in every number (as another machine's would
  differ), ``release`` run with other thread counts keeps it byte for byte, and run again
  it writes the same bytes in every file.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from course_paths import ROOT

ASSIGNMENTS = sorted(p.parent.name for p in (ROOT / "source").glob("*/checks.toml"))
#: Other thread counts than this machine's: what another machine's TensorFlow may use.
OTHER_MACHINE = {
    "OMP_NUM_THREADS": "1",
    "TF_NUM_INTEROP_THREADS": "1",
    "TF_NUM_INTRAOP_THREADS": "1",
}


def _run(clone: Path, *command: str, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = dict(os.environ, PYTHONPATH=str(clone), TF_CPP_MIN_LOG_LEVEL="3", **(env or {}))
    environment["PATH"] = str(Path(sys.executable).parent) + os.pathsep + environment["PATH"]
    done = subprocess.run(
        list(command), cwd=clone, env=environment, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, (command, done.stdout[-2000:], done.stderr[-3000:])
    return done


def kit(clone: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return _run(clone, sys.executable, "-m", "autograder", *args, env=env)


def nbgrader(clone: Path, *args: str) -> subprocess.CompletedProcess:
    return _run(clone, sys.executable, "-m", "nbgrader", *args)


def git_status(clone: Path) -> str:
    return subprocess.run(
        ["git", "status", "--porcelain"], cwd=clone, capture_output=True, text=True, check=True
    ).stdout


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("clone") / "course"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(target)], check=True)
    assert git_status(target) == ""
    return target


@pytest.mark.slow  # releases both assignments, grades, runs nbgrader's autograde once
def test_every_readme_command_leaves_git_status_clean(clone):
    readme = (clone / "README.md").read_text()
    for command in (
        "python -m autograder release",
        "nbgrader generate_assignment three_layer_classifier --force",
        "python -m autograder grade submitted/ --out graded/",
        "python -m autograder report graded/",
        "python -m autograder gradescope --out autograder.zip",
        "python -m autograder hand-grades graded/ --from gradebook.db",
        "nbgrader autograde three_layer_classifier --create",
        "nbgrader export",
    ):
        assert command in readme, f"the README no longer gives {command!r}"
    for assignment in ASSIGNMENTS:
        where = ("--assignment", assignment)
        for step in (
            ("release", *where),
            ("nbgrader", "generate_assignment", assignment, "--force"),
        ):
            _step(clone, step, assignment)
        for name in ("public_checks", f"{assignment}.ipynb"):
            assert (clone / "release" / assignment / name).exists()
        student = clone / "submitted" / "ada" / assignment
        student.mkdir(parents=True)
        solved = clone / "solutions" / assignment / f"{assignment}.ipynb"
        (student / f"{assignment}.ipynb").write_bytes(solved.read_bytes())
        steps = [
            ("grade", "submitted/", "--out", "graded/", *where),
            ("report", "graded/", *where),
            ("gradescope", "--out", "autograder.zip", *where),
        ]
        if assignment == "three_layer_classifier":  # the course's nbgrader assignment
            steps += [
                ("nbgrader", "autograde", assignment, "--create"),
                ("nbgrader", "generate_feedback", assignment),
                ("nbgrader", "export"),
                ("hand-grades", "graded/", "--from", "gradebook.db", *where),
            ]
        logs = {step[1]: _step(clone, step, assignment) for step in steps}
        if assignment == "three_layer_classifier":
            log = logs["autograde"].stdout + logs["autograde"].stderr
            assert "ada" in log
            assert "has changed!" not in log, [x for x in log.splitlines() if "changed" in x]
            assert (clone / "grades.csv").is_file() and (clone / "gradebook.db").is_file()
        assert (clone / "graded" / "grades.csv").is_file() and (clone / "autograder.zip").is_file()
        subprocess.run(["rm", "-rf", str(clone / "submitted"), str(clone / "graded")], check=True)


def _step(clone: Path, step: tuple, assignment: str) -> subprocess.CompletedProcess:
    """One README command in the clone (``nbgrader ...`` or ``python -m autograder ...``),
    then the clone's git status, which must be empty."""
    done = nbgrader(clone, *step[1:]) if step[0] == "nbgrader" else kit(clone, *step)
    assert git_status(clone) == "", f"{assignment}: {' '.join(step)} left:\n{git_status(clone)}"
    return done


def _nudged(value):
    """An answer with every float one float32 ulp (or 1e-9 relative) away, as another
    machine's computation differs in the last bits."""
    if isinstance(value, dict) and "b64" in value and value.get("nd", "").startswith("float"):
        array = np.frombuffer(base64.b64decode(value["b64"]), dtype=value["nd"])
        moved = np.nextafter(array, np.array(np.inf, dtype=array.dtype))
        return {**value, "b64": base64.b64encode(moved.tobytes()).decode("ascii")}
    if isinstance(value, dict):
        return {k: _nudged(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_nudged(v) for v in value]
    if isinstance(value, float):
        return value * (1 + 1e-9)
    return value


@pytest.mark.slow  # four releases
def test_release_writes_the_same_bytes_after_float_noise_and_other_threads(clone):
    identity = ["-c", "user.name=test", "-c", "user.email=test@example.invalid"]
    for assignment in ASSIGNMENTS:
        path = clone / "source" / assignment / "answer_key.json"
        data = json.loads(path.read_bytes())
        data["answers"] = _nudged(data["answers"])
        raw = (json.dumps(data, sort_keys=True, indent=0) + "\n").encode()
        assert raw != path.read_bytes()
        path.write_bytes(raw)
        path.with_suffix(".sha256").write_text(hashlib.sha256(raw).hexdigest() + "\n")
        # another machine: its thread counts, and the nudged key its release wrote
        kit(clone, "release", "--assignment", assignment, env=OTHER_MACHINE)
        assert path.read_bytes() == raw, "release replaced answers equal up to float noise"
        subprocess.run(["git", *identity, "commit", "-qam", "nudged"], cwd=clone, check=True)
        kit(clone, "release", "--assignment", assignment)
        assert git_status(clone) == "", (
            f"{assignment}: a second release changed {git_status(clone)}"
        )

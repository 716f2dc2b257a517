"""The course as data: how the engine finds a course and an assignment, the settings file
as the one place a fact lives, and the assignment's module loaded by path.

The slow test is the instructor's recipe "change a setting" (README): the hidden width is
changed in a copy's assignment.toml, ``release`` runs, and the master notebook, the
answer key, the checks' probes and the student release all follow.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from course_paths import ASSIGNMENT, ROOT

from autograder import course
from autograder.stated import write_stated


def _tracked_course() -> list[str]:
    """The course's files: everything git tracks but the engine and the tests."""
    listed = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "-z"], capture_output=True, check=True
    ).stdout
    names = [n for n in listed.decode().split("\0") if n and (ROOT / n).is_file()]
    return [n for n in names if not n.startswith(("autograder/", "tests/", "benchmarks/"))]


def copy_course(target: Path) -> Path:
    for name in _tracked_course():
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target / name)
    return target


def run_engine(
    cwd: Path, *args: str, code: str | None = None, assignment: str | None = None
) -> subprocess.CompletedProcess:
    """This checkout's engine, run in ``cwd`` (no AUTOGRADER_* settings inherited; with
    ``assignment``, that one named, as a course of several needs)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOGRADER_")}
    if assignment:
        env[course.ASSIGNMENT_ENV] = assignment
    env.update(PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="3")
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    command = [sys.executable, "-c", code] if code else [sys.executable, "-m", "autograder"]
    return subprocess.run(
        [*command, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=900
    )


# --------------------------------------------------------------------------- finding


def test_the_course_is_found_from_a_folder_inside_it_and_names_its_assignment(monkeypatch):
    monkeypatch.delenv(course.COURSE_ENV, raising=False)
    monkeypatch.delenv(course.ASSIGNMENT_ENV, raising=False)
    monkeypatch.chdir(ROOT / "release" / ASSIGNMENT)
    found = course.find(ASSIGNMENT)
    assert found.course == ROOT.resolve() and found.master.is_file()
    assert ASSIGNMENT in course.assignment_names(ROOT)
    # nbgrader's kernels run in submitted/<student>/<assignment>/: the folder names it
    assert course.find().name == ASSIGNMENT


def test_no_course_and_no_such_assignment_are_one_line_errors(tmp_path):
    done = run_engine(tmp_path, "report", str(tmp_path))
    assert done.returncode == 2 and "no course here" in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    done = run_engine(ROOT, "report", str(tmp_path), "--assignment", "no_such_thing")
    assert done.returncode == 2 and "no assignment 'no_such_thing'" in done.stderr
    assert "Traceback" not in done.stderr


def test_two_assignments_need_a_name(tmp_path, monkeypatch):
    monkeypatch.delenv(course.ASSIGNMENT_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    kit = tmp_path / "c"
    (kit / "source" / "a").mkdir(parents=True)
    (kit / "source" / "b").mkdir(parents=True)
    (kit / "nbgrader_config.py").write_text("")
    for name in "ab":
        (kit / "source" / name / "assignment.toml").write_text("[graded]\nfunctions = []\n")
    with pytest.raises(course.CourseError, match="has 2 assignments"):
        course.find(course=kit)
    assert course.find("b", kit).folder == (kit / "source" / "b").resolve()


def test_each_assignment_module_imports_only_the_toolkit_from_the_engine():
    """Arrows one way: the engine loads source/<a>/grading.py by path; the module may
    import autograder.toolkit and nothing else of the engine (no import circle)."""
    modules = sorted((ROOT / "source").glob("*/grading.py"))
    assert modules
    for path in modules:
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                if name.split(".")[0] == "autograder":
                    assert name == "autograder.toolkit", (path, name)


def test_release_writes_the_settings_the_master_states(tmp_path):
    """write_stated: each [notebook] states entry rewrites its cell's `name = ...` line."""
    kit = copy_course(tmp_path / "c")
    settings = kit / "source" / ASSIGNMENT / "assignment.toml"
    settings.write_text(settings.read_text().replace("learning_rate = 0.1", "learning_rate = 0.05"))
    chosen = course.Assignment(ASSIGNMENT, kit)
    assert write_stated(chosen) is True
    cells = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in _cells(chosen.master)}
    assert cells["setup_learning_rate"].source.strip() == "learning_rate = 0.05"
    assert "hidden_units = 8  # units per hidden layer" in cells["setup_variables"].source
    assert write_stated(chosen) is False  # nothing left to write


def _cells(path: Path) -> list:
    return nbformat.read(str(path), as_version=4).cells


# --------------------------------------------------------------------------- a setting

PROBES = """
import json
from autograder import checks, key, wire
r = checks.registry()
the_key = key.load()  # refused if stale: it must have been built from the new settings
shapes = {}
for c in r.checks:
    for p in c.probes:
        if "variables" in p and c.grade_id in ("model", "final_accuracy"):
            the_key.expected(p)
            shapes.setdefault(c.grade_id, []).append(wire.from_plain(p["variables"]["W1"]).shape)
print(json.dumps(shapes))
"""


def _cell(path: Path, grade_id: str) -> str:
    (cell,) = [
        c for c in _cells(path) if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id
    ]
    return cell.source


@pytest.mark.slow
def test_a_changed_hidden_width_reaches_master_key_checks_and_release(tmp_path):
    kit = copy_course(tmp_path / "c")
    folder = kit / "source" / ASSIGNMENT
    settings = folder / "assignment.toml"
    text = settings.read_text()
    assert "hidden_width = 8\n" in text
    settings.write_text(text.replace("hidden_width = 8\n", "hidden_width = 6\n"))
    old_key = (folder / "answer_key.json").read_bytes()

    stale = run_engine(
        kit,
        "check",
        str(kit / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"),
        assignment=ASSIGNMENT,
    )
    assert stale.returncode == 2 and "stale" in stale.stderr, stale.stderr[-2000:]

    done = run_engine(kit, "release", assignment=ASSIGNMENT)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    # the master states it, and so does the student release
    assert _cell(folder / f"{ASSIGNMENT}.ipynb", "setup_variables").startswith("hidden_units = 6")
    released = kit / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    assert _cell(released, "setup_variables").startswith("hidden_units = 6")
    # the checks' probes are made at the new width, and the new key answers them
    shapes = run_engine(kit, code=PROBES, assignment=ASSIGNMENT)
    assert shapes.returncode == 0, shapes.stderr[-3000:]
    made = json.loads(shapes.stdout)
    assert made["final_accuracy"] == [[2, 6]], made
    assert [2, 6] in made["model"], made  # (other model probes ask other widths on purpose)
    assert (folder / "answer_key.json").read_bytes() != old_key
    # the public checks the release carries publish the new width
    data = json.loads((kit / "release" / ASSIGNMENT / "public_checks" / "data.json").read_text())
    published = [
        tuple(p["variables"]["W1"]["shape"])
        for c in data["checks"]
        if c["grade_id"] == "model"
        for p in c["probes"]
    ]
    assert (2, 6) in published, published
    # and the solved notebook, released at the new width, still gets full marks
    graded = run_engine(
        kit,
        "check",
        str(kit / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"),
        assignment=ASSIGNMENT,
    )
    assert graded.returncode == 0, graded.stdout[-2000:] + graded.stderr[-2000:]

"""Installed, not cloned: the engine is a program, a course is data it reads.

The project is built as a wheel and installed (not editable) into a fresh virtual
environment; that engine grades, from a copy of the course that holds no engine code
(no ``autograder/``), every solved notebook under ``solutions/`` to full marks.  And the
installed engine names no assignment, none of its graded functions and none of its
variables: each assignment's ``assignment.toml`` says them, and a grep of the installed
package finds none.

The fresh environment reuses the shared one's third-party packages (TensorFlow is 600 MB)
through a ``.pth`` line naming its site-packages: a line of a ``.pth`` file adds a path,
and the ``.pth`` files inside that path (the shared environment's editable install of
this checkout among them) are not run, so ``autograder`` can only come from the fresh
environment's own site-packages (the test asserts where it was imported from).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest
from course_paths import ROOT

pytestmark = pytest.mark.slow


def _tracked(prefix: str = "") -> list[str]:
    listed = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "-z", "--", prefix or "."],
        capture_output=True,
        check=True,
    ).stdout
    return [n for n in listed.decode().split("\0") if n and (ROOT / n).is_file()]


def _copy(names: list[str], target: Path) -> Path:
    for name in names:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target / name)
    return target


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh venv with this checkout's project installed from a wheel; its python."""
    work = tmp_path_factory.mktemp("installed")
    project = _copy(_tracked(), work / "project")
    wheels = work / "wheels"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
        + ["-w", str(wheels), str(project)],
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = wheels.glob("*.whl")
    venv = work / "venv"
    base = Path(sys.base_prefix) / "bin" / "python3"
    subprocess.run([str(base), "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    shared = sysconfig.get_paths()["purelib"]
    (Path(site) / "shared_packages.pth").write_text(shared + "\n")
    done = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index"]
        + ["--ignore-installed", str(wheel)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return python


def _clean_env() -> dict:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "AUTOGRADER_"))}
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    return env


def _engine_folder(python: Path, cwd: Path) -> Path:
    where = subprocess.run(
        [str(python), "-c", "import autograder; print(autograder.__file__)"],
        cwd=cwd,
        env=_clean_env(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return Path(where).parent


def assignments() -> dict[str, dict]:
    """Every assignment of the course, by name: its assignment.toml."""
    found = {}
    for path in sorted((ROOT / "source").glob("*/assignment.toml")):
        found[path.parent.name] = tomllib.loads(path.read_text())
    return found


def test_the_installed_engine_grades_every_solved_notebook_from_a_course_without_it(
    installed, tmp_path
):
    course = _copy([n for n in _tracked() if not n.startswith("autograder/")], tmp_path / "c")
    assert not (course / "autograder").exists()
    engine = _engine_folder(installed, course)
    venv = installed.parent.parent
    assert engine.is_relative_to(venv) and "site-packages" in engine.parts, engine
    solved = sorted((course / "solutions").glob("*/*.ipynb"))
    assert {p.parent.name for p in solved} == set(assignments()), solved
    for notebook in solved:
        name = notebook.parent.name
        out = tmp_path / "graded" / notebook.stem  # an assignment may have editions
        done = subprocess.run(
            [str(installed), "-m", "autograder", "grade", str(notebook)]
            + ["--assignment", name, "--out", str(out), "--quiet"],
            cwd=course,
            env=_clean_env(),
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
        (result,) = out.glob("*/results.json")
        data = json.loads(result.read_text())
        assert data["tests"] and data["score"] == sum(t["max_score"] for t in data["tests"]), (
            name,
            [t["name"] for t in data["tests"] if t["status"] != "passed"],
        )
        if notebook.suffixes == [".ko", ".ipynb"]:
            _speaks_korean(result.parent, course / "source" / name / "locale" / "checks.ko.po")


def _speaks_korean(graded: Path, words: Path) -> None:
    """A Korean edition's feedback: the installed engine's labels and the course's own
    check titles (its checks.ko.po), both in Korean."""
    from autograder.translate import read_catalog

    feedback = (graded / "feedback.md").read_text(encoding="utf-8")
    titles = [e.msgstr for e in read_catalog(words) if e.msgctxt.endswith(":title")]
    assert "피드백" in feedback and titles and titles[0] in feedback, feedback[:2000]


def _names(settings: dict, name: str) -> set[str]:
    graded = settings["graded"]
    return {name, *graded["functions"], *graded.get("variables", ()), *graded.get("whole", ())}


def _mentions(engine: Path, files: list[Path]) -> list[str]:
    found = []
    for name, settings in assignments().items():
        for word in sorted(_names(settings, name)):
            # whole words in ASCII terms: \b would miss "b3" before Hangul ("b3을")
            pattern = re.compile(rf"(?<![A-Za-z0-9_]){re.escape(word)}(?![A-Za-z0-9_])")
            for path in files:
                for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
                    if pattern.search(line):
                        found.append(f"{path.relative_to(engine)}:{number}: {word}")
    return found


def _engine_files(installed: Path) -> tuple[Path, list[Path]]:
    engine = _engine_folder(installed, ROOT)
    files = [p for p in engine.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    assert any(p.name == "judge.py" for p in files) and any(p.suffix == ".j2" for p in files)
    return engine, files


def test_the_installed_engine_names_no_assignment_function_or_variable(installed):
    """Every file of the installed package: code, TOML, JSON, templates and catalogues
    (whole words: an assignment's names, functions and variables)."""
    engine, files = _engine_files(installed)
    found = _mentions(engine, files)
    assert not found, f"{len(found)} mentions, e.g.\n" + "\n".join(found[:40])


def test_the_kits_translations_name_no_function_either(installed):
    """The engine's catalogues ship (package-data) and hold its labels only: an
    assignment's check titles, hints and mistakes are in its source/<a>/locale/."""
    engine, files = _engine_files(installed)
    catalogues = [p for p in files if p.suffix == ".po"]
    assert "locale/ko.po" in [p.relative_to(engine).as_posix() for p in catalogues]
    for path in catalogues:
        contexts = re.findall(r'^msgctxt "([a-z]+):', path.read_text(encoding="utf-8"), re.M)
        assert len(contexts) > 30 and set(contexts) == {"ui"}, path
    found = _mentions(engine, catalogues)
    assert not found, f"{len(found)} mentions, e.g.\n" + "\n".join(found[:40])

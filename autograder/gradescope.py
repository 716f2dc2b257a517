"""Gradescope: build the autograder zip, and grade one submission inside its container.

``python -m autograder gradescope --out autograder.zip`` writes a zip with, at
its root, what Gradescope needs (``setup.sh``, ``run_autograder``), the engine
(``autograder/``) and the course's assignment (``nbgrader_config.py``,
``source/<assignment>/`` without its public checks, ``solutions/<assignment>/reference.py``), so
every submission is graded in its own container by the same code as the
grading command.

``run_autograder`` calls :func:`run`, which always writes
``$AUTOGRADER_ROOT/results/results.json`` (``AUTOGRADER_ROOT`` defaults to
``/autograder``; tests point it at a temporary folder), also when the
notebook is missing, misnamed or crashes the worker.  When it runs as root,
the worker drops to the unprivileged user ``setup.sh`` creates, and the kit's
folder and the results folder are made unreadable to it.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import stat
import subprocess
import sys
import time
import traceback
import zipfile
from pathlib import Path

from . import course, files
from .submissions import choose_notebook, shown

#: The engine's package, and the checkout it came from (pyproject.toml's folder).
PACKAGE = Path(__file__).resolve().parent
ENGINE_ROOT = PACKAGE.parent

#: The unprivileged user student code runs as on Gradescope.
STUDENT_USER = "autograder-student"
VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")

SETUP_SH = """\
#!/usr/bin/env bash
# Gradescope runs this once when it builds the image (Ubuntu 22.04).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends python3 python3-venv python3-pip
python3 -m venv /autograder/venv
/autograder/venv/bin/pip install --upgrade pip
/autograder/venv/bin/pip install -r /autograder/source/requirements.txt
id -u {user} >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin {user}
# The kit (reference solution, answer key, hidden checks) is for root only.
chmod -R go-rwx /autograder/source
"""

RUN_AUTOGRADER = """\
#!/usr/bin/env bash
# Gradescope runs this for every submission. It unzips the autograder into
# /autograder/source, then COPIES this script to /autograder/run_autograder and runs
# it from /autograder: the kit is found from ROOT, never from where this script lies.
# AUTOGRADER_ROOT replaces /autograder (for tests).
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
KIT="$ROOT/source"
PY="$ROOT/venv/bin/python"
[ -x "$PY" ] || PY="${{AUTOGRADER_PYTHON:-python3}}"
cd "$KIT"
export PYTHONPATH="$KIT"
exec "$PY" -m autograder gradescope-run --root "$ROOT" --hidden-visibility {visibility}
"""


def core_requirements(pyproject: Path = ENGINE_ROOT / "pyproject.toml") -> list[str]:
    """The kit's core dependencies as ``pyproject.toml`` states them (markers included).

    One list of what grading needs: the container installs the core, not the course
    extra (nbgrader, Jupyter), which only releasing and notebook execution use.
    """
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10: tomli, a core dependency there (as in checks.py)
        import tomli as tomllib

    return tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["dependencies"]


def requirement_name(spec: str) -> str:
    import re

    return re.match(r"[A-Za-z0-9_.-]+", spec).group()


#: Gradescope's image is Ubuntu 22.04, whose ``python3`` is 3.10.12.
IMAGE_PYTHON = "3.10.12"


def pinned_requirement(spec: str) -> str:
    """One line of Gradescope's ``requirements.txt`` for one core requirement.

    ``name==version`` as installed here (the tested version), the marker kept: pip on
    the image evaluates it there, on the machine it is about.  Written as stated instead
    when it is not installed here (its marker excludes this machine: ``tensorflow`` beside
    ``tensorflow-cpu``) or when the version here does not install on the image's Python
    (its Requires-Python excludes 3.10, as numpy's, matplotlib's and pillow's newest do):
    the image's pip then takes the newest in the stated range that installs there
    (tests/test_platforms.py resolves this file for the image).
    """
    from importlib.metadata import PackageNotFoundError, metadata

    from packaging.specifiers import SpecifierSet

    name, marker = requirement_name(spec), spec.partition(";")[2].strip()
    try:
        installed = metadata(name)
    except PackageNotFoundError:
        return spec
    if IMAGE_PYTHON not in SpecifierSet(installed.get("Requires-Python") or ""):
        return spec
    return f"{name}=={installed['Version']}" + (f"; {marker}" if marker else "")


def pinned_requirements() -> str:
    """Gradescope's ``requirements.txt``: each core requirement, pinned where it can be."""
    return "\n".join(pinned_requirement(spec) for spec in core_requirements()) + "\n"


def build_zip(out: Path, hidden_visibility: str = "after_published") -> Path:
    """Write the Gradescope autograder zip; return its path.

    Raises :class:`autograder.key.StaleKey` (or ``TamperedKey``), and writes nothing,
    when the answer key does not fit the kit: a zip built from it would give every
    submission the points of other questions' answers.
    """
    from . import key

    if hidden_visibility not in VISIBILITIES:
        raise ValueError(f"hidden visibility must be one of {', '.join(VISIBILITIES)}")
    key.load()  # its digest and what it was built from, before anything is written
    files: dict[str, bytes] = {
        "setup.sh": SETUP_SH.format(user=STUDENT_USER).encode(),
        "run_autograder": RUN_AUTOGRADER.format(visibility=hidden_visibility).encode(),
        "requirements.txt": pinned_requirements().encode(),
    }
    for path in sorted(PACKAGE.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            files[f"autograder/{path.relative_to(PACKAGE).as_posix()}"] = path.read_bytes()
    files.update(course_files(course.current()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            executable = name in ("setup.sh", "run_autograder")
            info.external_attr = ((0o755 if executable else 0o644) | stat.S_IFREG) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    try:  # built in memory first: a path that cannot be written leaves no half zip
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(buffer.getvalue())
    except OSError as exc:
        raise Unwritable(f"cannot be written ({exc.strerror or exc})") from None
    return out


class Unwritable(OSError):
    """The zip's path cannot be written (a missing or read-only folder, /proc): the
    person's mistake, said in one line, not an error of the kit."""


def course_files(assignment: course.Assignment) -> dict[str, bytes]:
    """The course as the zip carries it: its nbgrader_config.py (what marks a course), the
    assignment's folder under source/ (master notebook, settings, checks, its module, the
    answer key; not the public checks, a build product) and its reference solution."""
    top = assignment.course
    chosen = [top / course.MARKER, assignment.reference]
    chosen += [
        p
        for p in sorted(assignment.folder.rglob("*"))
        if p.is_file() and not {"__pycache__", "public_checks", ".ipynb_checkpoints"} & set(p.parts)
    ]
    return {p.relative_to(top).as_posix(): p.read_bytes() for p in chosen}


def _failure(message: str) -> dict:
    """A results.json of 0 that says why (a file name in it shown escaped)."""
    output = shown(message, keep="\n\t")
    return {"score": 0.0, "output": output, "tests": [], "execution_time": 0.0}


def run(root: Path, hidden_visibility: str = "after_published") -> int:
    """Grade ``root/submission`` into ``root/results/results.json``; always write it."""
    started = time.monotonic()
    results_path = root / "results" / "results.json"
    status = 0
    try:
        data = _grade(root, hidden_visibility)
    except KeyUnusable as exc:  # the zip's key does not fit its kit (build_zip refuses that)
        print(f"error: {exc}", file=sys.stderr)
        data, status = _failure(NOT_GRADED), 1
    except Exception:  # noqa: BLE001 - the container must always produce results.json
        data = _failure(
            "The autograder itself failed on this submission; your instructor has been told "
            "(the error is in the autograder's log).\n" + traceback.format_exc(limit=3)
        )
        # the log shows a file name's controls escaped, as everything the kit prints
        print(shown(traceback.format_exc(), keep="\n"), file=sys.stderr)
    data.setdefault("execution_time", round(time.monotonic() - started, 3))
    text = json.dumps(data, indent=2) + "\n"
    try:
        # Through a descriptor of the folder, replacing (never following) a planted
        # link, and clearing a folder planted at the file's path.  autograder.files
        # imports nothing of the kit: this must work when importing the judge failed.
        files.write_file(results_path, text, clear=True)
        if os.geteuid() == 0:
            fd = os.open(results_path.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
            os.fchmod(fd, 0o700)
            os.close(fd)
    except OSError:
        traceback.print_exc()
        print(text)  # the log, at least, has the results
        return 1
    print(f"score {data.get('score')} written to {results_path} (kit: {root / 'source'})")
    return status


class KeyUnusable(RuntimeError):
    """The zip's answer key is stale or altered: nothing is graded against it."""


#: What the student reads when the zip's answer key does not fit its checks.
NOT_GRADED = (
    "Not graded: the autograder's answer key does not match its checks, so no score was "
    "computed. Your instructor must rebuild the autograder (the log says why); resubmitting "
    "will not help until then."
)


def _grade(root: Path, hidden_visibility: str) -> dict:
    from . import key as answer_key
    from .judge import grade_notebook
    from .notebook import read_notebook, reference_sources, source_path
    from .pool import judge_memory, judge_memory_mb, warm_up
    from .processes import usable_cores
    from .results import gradescope_json

    # The zip's course (its only assignment) where it was unzipped; else the current one.
    kit = root / "source"
    course.select(None, kit if (kit / course.MARKER).is_file() else None)
    warm_up()  # TensorFlow loads in the fork server while the notebook is read
    source = read_notebook(source_path())
    try:  # before any student code runs
        the_key = answer_key.load(source=source)
    except (answer_key.StaleKey, answer_key.TamperedKey) as exc:
        raise KeyUnusable(str(exc)) from None

    notebook, note = choose_notebook(root / "submission")
    if notebook is None:
        return _failure(note)
    with judge_memory(judge_memory_mb()):
        report = grade_notebook(
            notebook,
            the_key,
            source,
            reference_sources(),
            _limits(notebook),
            parallel=usable_cores() > 1,
        )
    if note:
        report.notes.insert(0, note)
    from .i18n import speaking

    data = gradescope_json(report, speaking(report.lang))
    for test in data["tests"]:
        if test["visibility"] != "visible":
            test["visibility"] = hidden_visibility
    return data


def _limits(notebook: Path):
    """Each worker in its view, with a uid of its own (as root); where the container
    allows no namespaces, the workers still run as the unprivileged user (the log says
    so): Gradescope must always get a results.json."""
    from .batch import confined
    from .pool import Limits

    run_as = STUDENT_USER if os.geteuid() == 0 and _user_exists(STUDENT_USER) else None
    return confined([notebook], Limits(), {}, 1, unconfined_ok=True).get(
        notebook, Limits(run_as=run_as)
    )


def _user_exists(name: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def ensure_student_user() -> bool:
    """Create the unprivileged user when running as root (as setup.sh does); True if it exists."""
    if _user_exists(STUDENT_USER):
        return True
    if os.geteuid() != 0 or not shutil.which("useradd"):
        return False
    subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", STUDENT_USER],
        check=False,
        capture_output=True,
    )
    return _user_exists(STUDENT_USER)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run(Path(os.environ.get("AUTOGRADER_ROOT", "/autograder"))))

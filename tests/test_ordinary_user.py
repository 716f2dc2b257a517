"""The grader run by an ordinary user contains student code as it does run by root.

CI runs as root, so these tests create an ordinary user (``useradd``) and run the
grader as that user (``runuser``): ``python -m autograder grade`` on the second
round of attacks (issue 19) beside an honest twin, and the whole hostile corpus
of ``tests/corpus/<assignment>/broken/`` through :func:`autograder.batch.grade_paths` (its
entries carry their own limits); and real ``nbgrader autograde`` with the
kernel's attack (``write_the_kit_from_the_kernel``) beside an honest notebook.
Each is checked as ``test_bad_input.py`` checks it, and: the grader's secret
reaches no file, the honest twin keeps full marks, no process of that user
survives, nothing is left in /tmp, /var/tmp or /dev/shm.
"""

from __future__ import annotations

import csv
import json
import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from corpus_tools import SOLVED, broken_problems, entries, materialize
from course_paths import ASSIGNMENT, ROOT
from run_scope import owned_by, temporary_user

from autograder.judge import Report

pytestmark = pytest.mark.slow

SECRET = f"secret-{os.getpid()}-of-the-ordinary-grader"
#: The second round of attacks (issue 19), graded by the command line.
SECOND_ROUND = ("sibling_worker_channel", "read_the_checkout", "grader_environment", "cpu_flood")
#: What an ordinary user cannot contain: a whole tree's memory needs a cgroup.
AS_USER = [e for e in entries("broken") if e.needs != "root"]


@pytest.fixture(scope="module")
def user() -> pwd.struct_passwd:
    """A user of this run's own (run_scope), removed after the module's tests."""
    if os.geteuid() != 0:
        pytest.skip("creates an ordinary user: run as root (CI does)")
    if not shutil.which("useradd") or not shutil.which("runuser"):
        pytest.skip("needs useradd and runuser")
    # The ordinary user must reach the interpreter (pyenv keeps it in /root, 0700).
    for folder in Path(sys.base_prefix).resolve().parents:
        mode = folder.stat().st_mode
        if not mode & stat.S_IXOTH:
            os.chmod(folder, stat.S_IMODE(mode) | stat.S_IXOTH)
    with temporary_user() as made:
        yield made


def _folder_of(user: pwd.struct_passwd) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="autograder-as-user-"))
    os.chown(folder, user.pw_uid, user.pw_gid)
    folder.chmod(0o755)
    return folder


def _run_as(
    user: pwd.struct_passwd,
    folder: Path,
    argv: list[str],
    timeout: float,
    extra: dict[str, str] | None = None,
):
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "HOME": str(folder),
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(ROOT),
        # the course this checkout is (the grader runs from the user's folder)
        "AUTOGRADER_COURSE": str(ROOT),
        "AUTOGRADER_ASSIGNMENT": ASSIGNMENT,
        "AUTOGRADER_TEST_TOKEN": SECRET,
        **(extra or {}),
    }
    command = ["runuser", "-u", user.pw_name, "--", "env", "-i"]
    command += [f"{k}={v}" for k, v in env.items()] + [sys.executable, *argv]
    return subprocess.run(
        command, cwd=folder, capture_output=True, text=True, timeout=timeout, check=False
    )


def _chown_tree(folder: Path, user: pwd.struct_passwd) -> None:
    for path in [folder, *folder.rglob("*")]:
        os.chown(path, user.pw_uid, user.pw_gid)


def _reports(out: Path) -> dict[str, Report]:
    reports = {}
    for results in out.glob("*/results.json"):
        report = Report.from_dict(json.loads(results.read_text())["report"])
        reports[report.submission.removesuffix(".ipynb")] = report
    return reports


def _processes_of(uid: int) -> list[str]:
    """The user's processes, once those being killed are gone (the kernel ends a PID
    namespace's processes when its first one exits, but not in no time)."""
    deadline = time.monotonic() + 10
    while (found := _running_as(uid)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return found


def _running_as(uid: int) -> list[str]:
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and proc.stat().st_uid == uid:
                found.append(f"{proc.name}: {(proc / 'cmdline').read_bytes()[:60]!r}")
        except OSError:
            continue
    return found


def _left_behind(user: pwd.struct_passwd) -> list[Path]:
    """What the user's processes left in the machine's shared folders (another run's
    grading, beside this one, may have its own there for a moment)."""
    found = [
        p
        for d in ("/tmp", "/var/tmp", "/dev/shm")
        for pattern in ("autograder-sibling-*", "autograder-leftover-*", "autograder-pwned-*")
        for p in Path(d).glob(pattern)
    ]
    return owned_by(found, {user.pw_uid})


def _assert_contained(user, out: Path, reports: dict[str, Report], names) -> None:
    for entry in entries("broken"):
        if entry.name in names:
            problems = broken_problems(entry, reports[entry.name])
            assert not problems, f"{entry.name} as an ordinary user: {problems}"
    leaked = [str(p) for p in out.rglob("*") if p.is_file() and SECRET.encode() in p.read_bytes()]
    assert not leaked, f"the grader's environment reached {leaked}"
    assert not _processes_of(user.pw_uid), "a student process outlived grading"
    assert not _left_behind(user)


def test_second_round_contained_by_the_command_as_an_ordinary_user(user):
    folder = _folder_of(user)
    subs = folder / "submissions"
    subs.mkdir()
    (subs / "honest.ipynb").write_bytes(SOLVED.read_bytes())
    paths = [materialize(e, subs) for e in entries("broken") if e.name in SECOND_ROUND]
    _chown_tree(folder, user)
    argv = ["-m", "autograder", "grade", "--out", "out", "--quiet", "--jobs", "2"]
    argv += ["--submission-timeout", "60", "submissions/honest.ipynb"]
    done = _run_as(user, folder, argv + [str(p.relative_to(folder)) for p in paths], 900)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    reports = _reports(folder / "out")
    assert reports["honest"].score == reports["honest"].max_score, "the honest twin lost points"
    with open(folder / "out" / "grades.csv", newline="") as fh:
        assert len(list(csv.DictReader(fh))) == len(paths) + 1
    _assert_contained(user, folder / "out", reports, SECOND_ROUND)
    shutil.rmtree(folder, ignore_errors=True)


GRADE_CORPUS = """
import json, sys, tempfile
from pathlib import Path
from autograder.batch import grade_paths
from autograder.pool import Limits
spec = json.loads(Path(sys.argv[1]).read_text())
tempfile.tempdir = spec["tmp"]
limits_for = {Path(p): Limits(**lim) for p, lim in spec["limits"].items()}
paths = [Path(p) for p in spec["paths"]]
grade_paths(paths, Path(spec["out"]), Limits(), jobs=2, progress=False, limits_for=limits_for)
"""


def test_whole_corpus_contained_as_an_ordinary_user(user):
    folder = _folder_of(user)
    subs = folder / "submissions"
    subs.mkdir()
    (folder / "tmp").mkdir()
    paths = [materialize(e, subs) for e in AS_USER]
    spec = {
        "tmp": str(folder / "tmp"),
        "out": str(folder / "out"),
        "paths": [str(p) for p in paths],
        "limits": {str(p): e.limits for p, e in zip(paths, AS_USER) if e.limits},
    }
    (folder / "spec.json").write_text(json.dumps(spec))
    _chown_tree(folder, user)
    done = _run_as(user, folder, ["-c", GRADE_CORPUS, str(folder / "spec.json")], 1200)
    assert done.returncode == 0, done.stderr[-2000:]
    reports = _reports(folder / "out")
    assert set(reports) == {e.name for e in AS_USER}, "a row is missing"
    _assert_contained(user, folder / "out", reports, {e.name for e in AS_USER})
    assert not (folder / "tmp" / "grades.csv").exists(), "fake_results.py wrote outside its view"
    shutil.rmtree(folder, ignore_errors=True)


def _nbgrader_course(user: pwd.struct_passwd) -> tuple[Path, Path, dict[str, str]]:
    """A course copy (not below /tmp, where the kernel's own scratch is and the attack
    does not write) with the kernel's attack (a solved notebook and its cell) submitted,
    its assignment generated as root, then handed to ``user``."""
    from autograder.release import run_nbgrader

    folder = Path(tempfile.mkdtemp(prefix="autograder-as-user-", dir="/var/tmp"))
    root = folder / "course"
    root.mkdir()
    shutil.copytree(ROOT / "source", root / "source", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    shutil.copytree(ROOT / "solutions", root / "solutions")
    writer = next(e for e in entries("broken") if e.name == "write_the_kit_from_the_kernel")
    # The attack is the solved notebook plus its cell: full marks are its honest twin's
    # (the root test, tests/test_nbgrader.py, grades the honest notebook beside it).
    students = {"trudy": materialize(writer, folder)}
    for student, notebook in students.items():
        target = root / "submitted" / student / ASSIGNMENT
        target.mkdir(parents=True)
        shutil.copy(notebook, target / f"{ASSIGNMENT}.ipynb")
    run_nbgrader("generate_assignment", ASSIGNMENT, "--force", cwd=root)
    _chown_tree(folder, user)
    folder.chmod(0o755)
    env = {
        "AUTOGRADER_COURSE": str(root),
        "HOME": str(folder),
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
    }
    return folder, root, env


def _digests(root: Path) -> dict[str, bytes]:
    """Every file of the course copy that nbgrader's autograde has no reason to change
    (the byte code the judge's own process compiles from source/ aside)."""
    kept = [root / "nbgrader_config.py", *(root / d for d in ("source", "solutions", "submitted"))]
    files = [p for k in kept for p in ([k] if k.is_file() else k.rglob("*")) if p.is_file()]
    files = [p for p in files if "__pycache__" not in p.parts]
    return {str(p): p.read_bytes() for p in files}


def _autograded_points(root: Path) -> dict[str, dict[str, tuple[float, float]]]:
    """Each student's autograded cells in the course's gradebook: (points, of how many).
    Cells a person grades (the written answer) have no autograded points and are left out."""
    from nbgrader.api import Gradebook

    points: dict[str, dict[str, tuple[float, float]]] = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        for student in gradebook.students:
            submitted = gradebook.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, student.id)
            points[student.id] = {
                g.name: (g.auto_score, g.max_score)
                for g in submitted.grades
                if g.auto_score is not None
            }
    return points


def test_nbgrader_kernel_contained_as_an_ordinary_user(user):
    """Real ``nbgrader autograde`` run by an ordinary user: write_the_kit_from_the_kernel
    (trudy: the solved notebook and the attack's cell) runs in the confined kernel, gets
    the solved notebook's points, and writes nothing in the course copy, the kit, or the
    user's home."""
    folder, root, env = _nbgrader_course(user)
    before = _digests(root)
    nbgrader = ["-m", "nbgrader"]
    done = _run_as(user, root, [*nbgrader, "autograde", ASSIGNMENT, "--create"], 900, env)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    # (no KeyboardInterrupt from the confined kernel's wrapper when nbgrader interrupts it)
    assert "Traceback" not in done.stdout + done.stderr, (done.stdout + done.stderr)[-3000:]
    autograded = _autograded_points(root)
    assert set(autograded) == {"trudy"}, "the student is missing from the gradebook"
    got = {cell: score for cell, (score, _) in autograded["trudy"].items()}
    best = {cell: most for cell, (_, most) in autograded["trudy"].items()}
    # the solved notebook's points: the attack gained nothing, and the confined kernel ran
    # every honest cell of it
    assert got and got == best and sum(best.values()) > 0, "the attack's points are not its twin's"
    for student in autograded:
        graded = root / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        assert graded.is_file(), f"no autograded notebook for {student}"
    # the course copy and the user's home (both below folder), the kit, /tmp
    written = list(folder.rglob("autograder-kernel-wrote-*"))
    for place in (ROOT, ROOT / "autograder", Path("/tmp"), Path("/var/tmp")):
        written += place.glob("autograder-kernel-wrote-*")
    assert not written, f"the kernel wrote {written}"
    after = _digests(root)
    assert after == before, [
        k for k in before.keys() | after.keys() if before.get(k) != after.get(k)
    ]
    assert not _processes_of(user.pw_uid), "a process of the user outlived nbgrader"
    assert not _left_behind(user)
    # the judge's copy is the user's: another run's judge may be working in its own
    stayed = owned_by(Path("/tmp").glob("autograder-nbgrader-*"), {user.pw_uid})
    assert not stayed, f"the judge's copy stayed: {stayed}"
    shutil.rmtree(folder, ignore_errors=True)

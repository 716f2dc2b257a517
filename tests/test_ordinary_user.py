"""The grader run by an ordinary user contains student code as it does run by root.

CI runs as root, so these tests create an ordinary user (``useradd``) and run the
grader as that user (``runuser``): ``python -m autograder grade`` on the second
round of attacks (issue 19) beside an honest twin, and the whole hostile corpus
of ``tests/corpus/<assignment>/broken/`` through :func:`autograder.batch.grade_paths` (its
entries carry their own limits).  Each is checked as ``test_bad_input.py``
checks it, and: the grader's secret reaches no file, the honest twin keeps full
marks, no process of that user survives, nothing is left in /tmp, /var/tmp or
/dev/shm.
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

from autograder.judge import Report

pytestmark = pytest.mark.slow

USER = "autograder-test-grader"
SECRET = f"secret-{os.getpid()}-of-the-ordinary-grader"
#: The second round of attacks (issue 19), graded by the command line.
SECOND_ROUND = ("sibling_worker_channel", "read_the_checkout", "grader_environment", "cpu_flood")
#: What an ordinary user cannot contain: a whole tree's memory needs a cgroup.
AS_USER = [e for e in entries("broken") if e.needs != "root"]


@pytest.fixture(scope="module")
def user() -> pwd.struct_passwd:
    if os.geteuid() != 0:
        pytest.skip("creates an ordinary user: run as root (CI does)")
    if not shutil.which("useradd") or not shutil.which("runuser"):
        pytest.skip("needs useradd and runuser")
    try:
        return pwd.getpwnam(USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", USER], check=True
        )
    # The ordinary user must reach the interpreter (pyenv keeps it in /root, 0700).
    for folder in Path(sys.base_prefix).resolve().parents:
        mode = folder.stat().st_mode
        if not mode & stat.S_IXOTH:
            os.chmod(folder, stat.S_IMODE(mode) | stat.S_IXOTH)
    return pwd.getpwnam(USER)


def _folder_of(user: pwd.struct_passwd) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="autograder-as-user-"))
    os.chown(folder, user.pw_uid, user.pw_gid)
    folder.chmod(0o755)
    return folder


def _run_as(user: pwd.struct_passwd, folder: Path, argv: list[str], timeout: float):
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "HOME": str(folder),
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(ROOT),
        # the course this checkout is (the grader runs from the user's folder)
        "AUTOGRADER_COURSE": str(ROOT),
        "AUTOGRADER_ASSIGNMENT": ASSIGNMENT,
        "AUTOGRADER_TEST_TOKEN": SECRET,
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


def _left_behind() -> list[Path]:
    return [
        p
        for d in ("/tmp", "/var/tmp", "/dev/shm")
        for pattern in ("autograder-sibling-*", "autograder-leftover-*", "autograder-pwned-*")
        for p in Path(d).glob(pattern)
    ]


def _assert_contained(user, out: Path, reports: dict[str, Report], names) -> None:
    for entry in entries("broken"):
        if entry.name in names:
            problems = broken_problems(entry, reports[entry.name])
            assert not problems, f"{entry.name} as an ordinary user: {problems}"
    leaked = [str(p) for p in out.rglob("*") if p.is_file() and SECRET.encode() in p.read_bytes()]
    assert not leaked, f"the grader's environment reached {leaked}"
    assert not _processes_of(user.pw_uid), "a student process outlived grading"
    assert not _left_behind()


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

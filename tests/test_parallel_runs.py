"""The suite runs in parallel (``make test``: pytest-xdist, tests/xdist_groups.py) and its
tests share nothing with another run: a small suite of its own, run by a real pytest with
two real workers, builds each shared fixture once and keeps its users in one worker; the
same suite runs in one process with ``-p no:xdist``; and a run's system user is its own.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from course_paths import ROOT
from run_scope import processes_of, temporary_user

CONFTEST = """
import xdist_groups

def pytest_configure(config):
    xdist_groups.register(config)
"""
#: A module fixture, and a session fixture of conftest used by two modules: each records
#: every time it is built (in the file ``BUILT``), and its tests sleep so that both
#: workers are busy.
SHARED = """
import os, time
import pytest

@pytest.fixture(scope="session")
def notebook_run():
    with open(os.environ["BUILT"], "a") as fh:
        fh.write("notebook_run\\n")
    return 1
"""
FIRST = """
import os, time
import pytest

@pytest.fixture(scope="module")
def graded():
    with open(os.environ["BUILT"], "a") as fh:
        fh.write("graded\\n")
    return 1

@pytest.mark.parametrize("n", range(4))
def test_uses_graded(graded, n):
    time.sleep(0.3)

@pytest.mark.parametrize("n", range(4))
def test_alone(n):
    time.sleep(0.3)

def test_reads_the_notebook(notebook_run):
    time.sleep(0.3)
"""
SECOND = """
import time

def test_reads_the_notebook_too(notebook_run):
    time.sleep(0.3)
"""


def _suite(folder: Path) -> Path:
    (folder / "conftest.py").write_text(CONFTEST + SHARED)
    (folder / "test_first.py").write_text(FIRST)
    (folder / "test_second.py").write_text(SECOND)
    return folder


def _pytest(folder: Path, *args: str) -> tuple[subprocess.CompletedProcess, list[str]]:
    built = folder / "built.txt"
    built.write_text("")
    (folder / "tmp").mkdir(exist_ok=True)  # its TMPDIR: where the groups' folder is made
    env = dict(os.environ, BUILT=str(built), PYTHONPATH=str(ROOT / "tests"))
    env["TMPDIR"] = str(folder / "tmp")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider", *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return done, built.read_text().split()


def test_two_workers_build_each_shared_fixture_once_and_keep_its_tests_together(tmp_path):
    done, built = _pytest(_suite(tmp_path), "-n", "2", "--dist", "loadgroup")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    ran = re.findall(r"\[(gw\d)\] \[ *\d+%\] PASSED (\S+)", done.stdout)
    assert len(ran) == 10, done.stdout[-3000:]
    assert {worker for worker, _ in ran} == {"gw0", "gw1"}, "one worker ran everything"
    worker_of = {test: worker for worker, test in ran}
    graded = {w for t, w in worker_of.items() if "test_uses_graded" in t}
    notebook = {w for t, w in worker_of.items() if "reads_the_notebook" in t}
    assert len(graded) == 1 and len(notebook) == 1, worker_of
    assert sorted(built) == ["graded", "notebook_run"], built
    assert not list((tmp_path / "tmp").glob("pytest-xdist-groups-*")), "its folder stayed"


def test_without_xdist_the_same_suite_runs_in_one_process(tmp_path):
    done, built = _pytest(_suite(tmp_path), "-p", "no:xdist")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "10 passed" in done.stdout
    assert "[gw" not in done.stdout
    assert sorted(built) == ["graded", "notebook_run"], built


def test_a_runs_user_is_its_own_and_is_removed_with_its_processes():
    if os.geteuid() != 0 or not shutil.which("useradd") or not shutil.which("runuser"):
        pytest.skip("creates a user: run as root (CI does)")
    with temporary_user() as user:
        assert user.pw_name == f"agtest_{os.getpid()}"
        assert user.pw_uid != 0 and pwd.getpwnam(user.pw_name).pw_uid == user.pw_uid
        sleeper = subprocess.Popen(["runuser", "-u", user.pw_name, "--", "sleep", "600"])
        try:
            deadline = time.monotonic() + 10
            while not processes_of(user.pw_uid) and time.monotonic() < deadline:
                time.sleep(0.1)
            assert processes_of(user.pw_uid), "the user's process did not start"
        except BaseException:
            sleeper.kill()
            raise
    assert sleeper.wait(10) != 0, "the user's process outlived its user"
    with pytest.raises(KeyError):
        pwd.getpwnam(user.pw_name)
    assert not processes_of(user.pw_uid)

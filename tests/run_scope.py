"""What one test run owns on the machine, so that runs side by side never take each other's
users, files or processes for their own.

A run is one pytest process: the sequential suite, or one pytest-xdist worker of ``make
test`` (``-n``); other checkouts' suites may run on the same machine too.  So a test that
creates a system user names it after its run (:func:`temporary_user`) and removes it; a
test that looks for what its run left behind in /tmp or in /proc asks who owns it (the
run's user, or the uids its grading run gave its workers, ``sandbox.worker_uids``);
and a test that writes into a course writes into a copy (:func:`course_copy`), never
into the checkout, which other workers read meanwhile.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from course_paths import ROOT

from autograder import sandbox
from autograder.course import COURSE_ENV

#: useradd and userdel exit with 10 when another process holds /etc/passwd's lock (another
#: run creating its user at the same moment): they are tried again for this long.
LOCK_PATIENCE = 30.0


def _account(command: list[str]) -> None:
    """Run useradd or userdel, again while another run holds the password file's lock."""
    deadline = time.monotonic() + LOCK_PATIENCE
    while True:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode == 0:
            return
        if done.returncode != 10 or time.monotonic() > deadline:
            raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}): {done.stderr}")
        time.sleep(0.2)


def processes_of(uid: int) -> list[int]:
    """The pids of ``uid``'s processes."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and proc.stat().st_uid == uid:
                found.append(int(proc.name))
        except OSError:
            continue
    return found


@contextmanager
def temporary_user(stem: str = "agtest") -> Iterator[pwd.struct_passwd]:
    """An ordinary user of this run's own (``<stem>_<pid>``: no other run, xdist worker
    or checkout, has it), without a home or a shell; removed afterwards, with whatever
    of its processes a failing test left running.  Needs root and useradd."""
    name = f"{stem}_{os.getpid()}"
    try:
        pwd.getpwnam(name)  # left by a run of this pid that was killed: start afresh
        _account(["userdel", "-f", name])
    except KeyError:
        pass
    _account(["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", name])
    user = pwd.getpwnam(name)
    try:
        yield user
    finally:
        for pid in processes_of(user.pw_uid):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        _account(["userdel", "-f", name])


def grading_uids() -> set[int]:
    """Who runs what a grading run in this process starts: this process's user, and the
    uids it gives its workers as root (``sandbox.worker_uids``, a block per process)."""
    return {os.geteuid(), *sandbox.worker_uids()}


def owned_by(paths: Iterable[Path], uids: Iterable[int] | range) -> list[Path]:
    """Those of ``paths`` whose owner is one of ``uids`` (a path gone meanwhile is left out):
    what a run left, told from what another run has there at the moment."""
    uids = uids if isinstance(uids, range) else set(uids)
    mine = []
    for path in paths:
        try:
            if path.lstat().st_uid in uids:
                mine.append(path)
        except OSError:
            continue
    return mine


def course_copy(target: Path) -> Path:
    """The checkout's course as nbgrader and ``release`` read it (source/ without its build
    products, solutions/, nbgrader_config.py), copied into ``target``: for a test that
    generates a release, which writes into its course's source folder while other tests
    copy the checkout's."""
    skip = shutil.ignore_patterns("__pycache__", "public_checks")
    shutil.copytree(ROOT / "source", target / "source", ignore=skip)
    shutil.copytree(ROOT / "solutions", target / "solutions", ignore=skip)
    shutil.copy(ROOT / "nbgrader_config.py", target / "nbgrader_config.py")
    return target


@contextmanager
def course_selected(root: Path) -> Iterator[Path]:
    """``root`` is this process's course (``AUTOGRADER_COURSE``) inside the ``with``."""
    saved = os.environ.get(COURSE_ENV)
    os.environ[COURSE_ENV] = str(root)
    try:
        yield root
    finally:
        if saved is None:
            os.environ.pop(COURSE_ENV, None)
        else:
            os.environ[COURSE_ENV] = saved

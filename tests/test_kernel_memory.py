"""nbgrader's confined kernel (``python -m autograder.view KERNEL...``) has a memory limit
for all its processes together, as a grading worker has: a runaway allocation ends the
kernel instead of the instructor's machine.  The "kernel" here is a plain Python command
line in the same confinement (the real kernel under real nbgrader: tests/test_nbgrader.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from autograder import ENGINE_ROOT, view

pytestmark = pytest.mark.skipif(
    view.available(str(ENGINE_ROOT)) is not None, reason="this machine has no namespaces"
)

ALLOCATE = """
import os, numpy as np
children = []
for _ in range({children}):
    pid = os.fork()
    if pid == 0:
        block = np.ones({mb} * 1024 * 1024 // 8)  # every page written
        import time; time.sleep(1.5)
        os._exit(0)
    children.append(pid)
ok = all(os.waitpid(pid, 0)[1] == 0 for pid in children)
print("survived" if ok else "a child died")
"""


@pytest.fixture
def folder():
    """The kernel's working folder, which its fresh uid (as root) must be able to enter, as
    nbgrader's autograded folder is: pytest's own folders are its user's only."""
    made = Path(tempfile.mkdtemp(prefix="autograder-kernel-memory-", dir="/var/tmp"))
    made.chmod(0o755)
    yield made
    shutil.rmtree(made, ignore_errors=True)


def _kernel(tmp_path, code: str, limit_mb: int | str) -> subprocess.CompletedProcess:
    """``code`` run as nbgrader's kernel is, with ``limit_mb`` as the kernel's memory."""
    connection = tmp_path / "connection.json"
    connection.write_text("{}")
    env = dict(os.environ, **{view.KERNEL_MEMORY_VARIABLE: str(limit_mb)})
    return subprocess.run(
        [sys.executable, "-m", "autograder.view", sys.executable, "-c", code,
         "-f", str(connection)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_a_kernel_within_its_memory_runs_on(folder):
    done = _kernel(folder, ALLOCATE.format(children=2, mb=200), limit_mb=1024)
    assert done.returncode == 0, done.stderr
    assert "survived" in done.stdout


def test_a_kernel_whose_processes_take_more_together_is_ended(folder):
    """Three children of 600 MB each: each under the limit, 1.8 GB together over it."""
    done = _kernel(folder, ALLOCATE.format(children=3, mb=600), limit_mb=1024)
    assert done.returncode == -9, (done.returncode, done.stdout, done.stderr)
    assert "survived" not in done.stdout


def test_a_limit_that_is_not_a_number_is_refused_in_one_line(folder):
    done = _kernel(folder, "print(1)", limit_mb="lots")
    assert done.returncode != 0
    assert done.stderr.strip().splitlines() == [
        f"{view.KERNEL_MEMORY_VARIABLE}='lots': give a whole number of MB (0 for none)"
    ]

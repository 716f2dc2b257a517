"""What autograder.processes reads from Linux: the cores this process may use (CPU
affinity capped by a container's CPU quota), and the processes below a worker."""

from __future__ import annotations

import os
import subprocess
import time

import pytest

from autograder.processes import (
    cpu_quota,
    descendants,
    kill_tree,
    proc_stat,
    running,
    usable_cores,
)


@pytest.mark.parametrize(
    ("cpu_max", "cores"),
    [
        ("max 100000\n", None),  # cgroup v2 without a quota
        ("150000 100000\n", 2),  # 1.5 CPUs: two workers may run, the second at half speed
        ("100000 100000\n", 1),
        ("50000 100000\n", 1),  # half a CPU still runs one worker
        ("400000 100000\n", 4),
        ("garbage\n", None),
    ],
)
def test_cgroup_v2_quota(cpu_max, cores):
    assert cpu_quota(cpu_max) == cores


@pytest.mark.parametrize(
    ("quota", "period", "cores"),
    [("-1\n", "100000\n", None), ("200000\n", "100000\n", 2), ("25000", "100000", 1)],
)
def test_cgroup_v1_quota(quota, period, cores):
    assert cpu_quota(cfs_quota=quota, cfs_period=period) == cores


def test_usable_cores_is_between_one_and_the_affinity():
    assert 1 <= usable_cores() <= len(os.sched_getaffinity(0))


def _wait_until(condition, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)


def test_kill_tree_ends_a_session_leader_what_is_below_it_and_its_orphans(tmp_path):
    """As a worker's end: its children, the leader, and (by its process group) a
    process that left the tree by a double fork."""
    orphan_pid = tmp_path / "orphan.pid"
    leader = subprocess.Popen(
        ["sh", "-c", f"(sleep 60 & echo $! > {orphan_pid}); sleep 60 & sleep 60"],
        start_new_session=True,
    )
    try:
        _wait_until(lambda: orphan_pid.is_file() and len(descendants(leader.pid)) >= 2)
        below = descendants(leader.pid)
        orphan = int(orphan_pid.read_text())
        assert len(below) >= 2 and orphan not in below and running(orphan)
        kill_tree(leader.pid)
        leader.wait(5)
        _wait_until(lambda: not any(running(p) for p in [*below, orphan]))
        assert not any(running(p) for p in [*below, orphan])
    finally:
        if leader.poll() is None:
            leader.kill()
            leader.wait()


def test_nothing_is_below_a_process_that_does_not_exist():
    assert descendants(2**22 + 1) == [] and not running(2**22 + 1)
    assert proc_stat(os.getpid())[0] in "RS"

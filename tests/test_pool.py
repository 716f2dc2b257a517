"""How many workers the machine allows: CPU affinity capped by a container's CPU quota."""

from __future__ import annotations

import os

import pytest

from autograder.pool import cpu_quota, usable_cores


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

"""The machine's processes, as Linux shows them in /proc and /sys: what runs below a
worker, how to end all of it, how much memory a process has mapped, how many cores
this one may use.

Plain functions over pids and files, with no state: :mod:`autograder.pool` calls
them around its workers (and in a worker, before student code runs), the
benchmarks to sum a process tree's memory.  The cgroups the grader creates for
its workers are :mod:`autograder.sandbox`'s business.
"""

from __future__ import annotations

import os
import signal


def _read(path: str) -> str | None:
    try:
        with open(path) as fh:
            return fh.read()
    except OSError:
        return None


def vm_size_bytes() -> int:
    """This process's address space (VmSize), 0 where /proc does not say.

    A worker's memory limit is counted above it: TensorFlow, imported before the
    fork, has already mapped far more than it uses.
    """
    for line in (_read("/proc/self/status") or "").splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    return 0


def cpu_quota(
    cpu_max: str | None = None, cfs_quota: str | None = None, cfs_period: str | None = None
) -> int | None:
    """Whole cores a cgroup CPU quota allows (rounded up), or None without a quota.

    ``cpu_max`` is cgroup v2's ``cpu.max`` ("max 100000" or "150000 100000");
    ``cfs_quota`` and ``cfs_period`` are cgroup v1's ``cpu.cfs_quota_us`` (-1: none)
    and ``cpu.cfs_period_us``.
    """
    try:
        if cpu_max is not None:
            fields = cpu_max.split()
            if len(fields) != 2 or fields[0] == "max":
                return None
            quota, period = int(fields[0]), int(fields[1])
        elif cfs_quota is not None and cfs_period is not None:
            quota, period = int(cfs_quota), int(cfs_period)
        else:
            return None
    except ValueError:
        return None
    return max(1, -(-quota // period)) if quota > 0 and period > 0 else None


def usable_cores() -> int:
    """Cores this process may use: its CPU affinity, capped by a cgroup CPU quota.

    ``os.cpu_count()`` is the host's count; a container (Gradescope's, a CI
    runner's) may be allowed far fewer, and a second worker would then only
    compete with the first.
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    quota = cpu_quota(_read("/sys/fs/cgroup/cpu.max")) or cpu_quota(
        cfs_quota=_read("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"),
        cfs_period=_read("/sys/fs/cgroup/cpu/cpu.cfs_period_us"),
    )
    return max(1, min(cores, quota or cores))


def _read_proc(proc: str | int, relative: str) -> str | None:
    """``proc/relative`` as text, or None when it is gone or unreadable.  ``proc`` is a
    /proc path, or an open descriptor of one: the outer worker keeps the machine's /proc
    open once its mount namespace has pivoted onto a worker's view."""
    try:
        if isinstance(proc, int):
            fd = os.open(relative, os.O_RDONLY | os.O_CLOEXEC, dir_fd=proc)
        else:
            fd = os.open(f"{proc}/{relative}", os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        return os.read(fd, 1 << 16).decode("ascii", "replace")
    except OSError:
        return None
    finally:
        os.close(fd)


def proc_stat(pid: int, proc: str | int = "/proc") -> list[str] | None:
    """Fields of /proc/<pid>/stat after the command name (state first), or None.

    The command name is skipped up to its last ")": a student may name a process
    anything, spaces and parentheses included.
    """
    text = _read_proc(proc, f"{pid}/stat")
    return None if text is None else text.rsplit(")", 1)[-1].split()


def running(pid: int) -> bool:
    """Whether ``pid`` exists and is neither a zombie nor dead."""
    fields = proc_stat(pid)
    return fields is not None and fields[0] not in ("Z", "X")


def descendants(root: int, proc: str | int = "/proc") -> list[int]:
    """Every process below ``root`` (from /proc; empty where there is none)."""
    children: dict[int, list[int]] = {}
    try:
        names = os.listdir(proc)
    except OSError:
        return []
    for name in names:
        if name.isdigit():
            fields = proc_stat(int(name), proc)
            if fields is not None and len(fields) > 1:
                children.setdefault(int(fields[1]), []).append(int(name))
    found, todo = [], [root]
    while todo:
        for pid in children.get(todo.pop(), []):
            if pid not in found:
                found.append(pid)
                todo.append(pid)
    return found


def resident_bytes(pid: int, proc: str | int = "/proc") -> int:
    """A process's resident set (statm: cheap to read), 0 when it is gone."""
    fields = (_read_proc(proc, f"{pid}/statm") or "").split()
    return int(fields[1]) * os.sysconf("SC_PAGE_SIZE") if len(fields) > 1 else 0


def pss_bytes(pid: int, proc: str | int = "/proc") -> int:
    """A process's proportional set size (a page shared by n processes counts 1/n), 0 when
    it is gone.  ``smaps_rollup`` walks the process's page tables under its memory-map
    lock: milliseconds for a process with TensorFlow mapped."""
    for line in (_read_proc(proc, f"{pid}/smaps_rollup") or "").splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) * 1024
    return 0


def kill_tree(pid: int) -> None:
    """SIGKILL a worker's descendants (it adopts orphans), the worker, then its group."""
    fields = proc_stat(pid)
    # Still our worker (a session leader: it called setsid), not a reused pid?
    if fields is not None and len(fields) > 3 and fields[3] == str(pid):
        for _round in range(5):  # descendants may fork while we kill
            below = descendants(pid)
            for child in below:
                try:
                    os.kill(child, signal.SIGKILL)
                except OSError:
                    pass
            if not below:
                break
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    try:
        # The group outlives its leader while members remain in it (and while it
        # has members, its id is not reused).
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass

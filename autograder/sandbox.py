"""What confines a worker when the grader runs as root: its user and its cgroup.

Everything here is called by :mod:`autograder.pool`, in the worker process
between its fork and the first student cell, or by the judge around it.  Each
step is "best effort where the kernel allows" (a Docker container without
CAP_SYS_ADMIN refuses namespaces and cgroup writes), except the change of user,
which must succeed: a worker that cannot drop root does not run student code.

- **User.**  Student code runs as a user of its own: a bare numeric uid,
  different for each worker (:func:`next_uid`), so that no worker can signal,
  trace or read another's processes and files, even its own submission's
  (Gradescope's ``autograder-student`` where the container allows no view).
  The worker's folder is given to that user by descriptor, never by path:
  root never follows a path the student can write.
- **cgroup.**  One per worker (cgroup v2, or v1's memory, pids and cpu
  hierarchies), with a memory limit, a process limit and a CPU quota for the
  whole tree.  A process cannot leave its cgroup, so :func:`kill_cgroup` also
  finds a daemon that cleared its subreaper flag and double-forked away.
- **View.**  Namespaces and the allow-list root are :mod:`autograder.view`'s, the
  same for root and for an ordinary user.
"""

from __future__ import annotations

import ctypes
import itertools
import os
import signal
import time
from pathlib import Path

#: Processes and threads one worker's tree may have (TensorFlow starts a few dozen threads).
PIDS_MAX = 512
#: The CPU quota's period (cgroup v2 cpu.max, v1 cpu.cfs_period_us), in microseconds.
CPU_PERIOD_US = 100_000
#: ``Limits.run_as`` for "a fresh numeric uid for each worker" (see next_uid).
PER_WORKER = "per-worker"
#: First of the numeric uids given to submissions when the grader runs as root.
FIRST_UID = 1_500_000_000

_CGROUP_ROOT = Path("/sys/fs/cgroup")
#: Numbers the cgroups of this process (next() on it is atomic: sessions start in threads).
_counter = itertools.count(1)


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


# --------------------------------------------------------------------------- cgroups


def _own_cgroup(controller: str | None) -> str:
    """This process's cgroup path in ``controller``'s hierarchy (None: cgroup v2)."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return "/"
    for line in lines:
        _id, controllers, path = line.split(":", 2)
        if controller is None and _id == "0" and controllers == "":
            return path
        if controller is not None and controller in controllers.split(","):
            return path
    return "/"


def _hierarchies() -> list[tuple[Path, bool]]:
    """(folder to create cgroups under, is cgroup v2) for memory and pids."""
    if (_CGROUP_ROOT / "cgroup.controllers").exists():  # v2 mounted at the usual place
        return [(_CGROUP_ROOT / _own_cgroup(None).lstrip("/"), True)]
    found = []
    for controller in ("memory", "pids", "cpu"):
        mount = _CGROUP_ROOT / controller
        if (mount / "cgroup.procs").exists():
            found.append((mount / _own_cgroup(controller).lstrip("/"), False))
    return found


def _limits(memory_mb: int, cpu_cores: float, v2: bool) -> dict[str, str]:
    """The files to write in a new cgroup (a hierarchy ignores what it lacks)."""
    limits = {"pids.max": str(PIDS_MAX)}
    if memory_mb > 0:
        memory = str(memory_mb * 1024 * 1024)
        limits.update({"memory.max": memory, "memory.swap.max": "0"} if v2 else {})
        if not v2:
            limits["memory.limit_in_bytes"] = memory
    if cpu_cores > 0:
        quota = str(int(cpu_cores * CPU_PERIOD_US))
        if v2:
            limits["cpu.max"] = f"{quota} {CPU_PERIOD_US}"
        else:
            limits.update({"cpu.cfs_period_us": str(CPU_PERIOD_US), "cpu.cfs_quota_us": quota})
    return limits


def make_cgroup(memory_mb: int, cpu_cores: float = 0.0) -> list[str]:
    """Create this worker's cgroups with their limits; [] where that is not allowed.

    ``cpu_cores`` is a CPU quota (cores' worth of time per period): 120 busy processes
    in one worker then share its quota, and the other workers keep theirs.
    """
    name = f"autograder-{os.getpid()}-{next(_counter)}"
    made: list[str] = []
    for parent, v2 in _hierarchies():
        folder = parent / name
        try:
            folder.mkdir()
        except OSError:
            continue
        made.append(str(folder))
        limits = _limits(memory_mb, cpu_cores, v2)
        for file, value in limits.items():
            try:
                (folder / file).write_text(value)
            except OSError:
                pass  # that controller is not in this hierarchy (v1) or not enabled (v2)
    return made


def join_cgroup(folders: list[str]) -> None:
    """Move the calling process into ``folders`` (in the worker, before student code)."""
    for folder in folders:
        try:
            Path(folder, "cgroup.procs").write_text(str(os.getpid()))
        except OSError:
            pass


def _members(folder: str) -> list[int]:
    try:
        return [int(p) for p in Path(folder, "cgroup.procs").read_text().split()]
    except (OSError, ValueError):
        return []


def kill_cgroup(folders: list[str]) -> None:
    """SIGKILL every process in ``folders``, including any that forked meanwhile."""
    for folder in folders:
        kill = Path(folder, "cgroup.kill")
        if kill.exists():
            try:
                kill.write_text("1")
                continue
            except OSError:
                pass
        for _round in range(50):
            members = _members(folder)
            if not members:
                break
            for pid in members:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            time.sleep(0.01)


def remove_cgroup(folders: list[str]) -> None:
    """Remove emptied cgroups (a killed process leaves its cgroup a moment later)."""
    for folder in folders:
        for _try in range(100):
            try:
                os.rmdir(folder)
                break
            except FileNotFoundError:
                break
            except OSError:
                time.sleep(0.02)


# --------------------------------------------------------------------------- user


def close_other_fds(keep: set[int]) -> None:
    """Close every descriptor but ``keep`` (what the fork server left open in the child)."""
    try:
        fds = [int(n) for n in os.listdir("/proc/self/fd")]
    except OSError:
        fds = list(range(3, 1024))
    for fd in fds:
        if fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass


def drop_privileges(user: str | int, workdir: str) -> None:
    """Become ``user`` (a name, or a bare uid) for good, after giving it the working
    directory, ``workdir``.

    That folder was created by the judge inside its own 0700 folder, so nothing can
    have been planted there; it is still given away by descriptor, not by path.
    Everything the worker needs from the kit is already imported.
    """
    if isinstance(user, int):
        uid = gid = user
        name = f"student{user}"
    else:
        import pwd

        entry = pwd.getpwnam(user)
        uid, gid, name = entry.pw_uid, entry.pw_gid, user
    fd = os.open(".", os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)  # the worker chdir'ed there
    try:
        os.fchown(fd, uid, gid)
    finally:
        os.close(fd)
    os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)
    if os.getuid() != uid or os.geteuid() != uid:  # never run student code as root
        os._exit(70)
    os.environ["HOME"] = workdir
    os.environ["USER"] = name


def let_students_reach_python() -> list[str]:
    """Give other users traverse (not list) permission on the folders above Python.

    Where no view can be made (Gradescope's fallback to its named user), student
    code runs as another user on the machine's own files and imports modules after
    the switch (its own ``import gc``, Keras on first use): the interpreter's
    folders must be reachable.  (In a view they are bound below folders of its own.)
    Gradescope's image has Python in /autograder/venv; a machine
    whose Python lives under a private home (``/root/.pyenv``, mode 0700) does
    not.  Returns the folders changed, for a note to the instructor.
    """
    import stat
    import sys

    changed = []
    for base in dict.fromkeys((sys.base_prefix, sys.prefix)):
        for folder in [Path(base).resolve(), *Path(base).resolve().parents]:
            mode = folder.stat().st_mode
            if not mode & stat.S_IXOTH:
                os.chmod(folder, stat.S_IMODE(mode) | stat.S_IXOTH)
                changed.append(str(folder))
    return changed


_uids = itertools.count()


def worker_uids(pid: int | None = None) -> range:
    """The uids :func:`next_uid` gives the workers of the grading process ``pid`` (this
    one by default): a block of its own, so that two grading runs on one machine (two
    test workers, say) never share a uid, and a test can tell its run's processes and
    files from another run's."""
    first = FIRST_UID + ((os.getpid() if pid is None else pid) % 100_000) * 10_000
    return range(first, first + 10_000)


def next_uid() -> int:
    """A numeric uid for the next worker of this grading run (as root): one per worker,
    so that two workers (of one submission or of two) never share a user."""
    return worker_uids()[next(_uids) % 10_000]

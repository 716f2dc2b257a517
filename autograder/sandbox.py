"""What confines a worker when the grader runs as root: its user, cgroup, namespaces.

Everything here is called by :mod:`autograder.pool`, in the worker process
between its fork and the first student cell, or by the judge around it.  Each
step is "best effort where the kernel allows" (a Docker container without
CAP_SYS_ADMIN refuses namespaces and cgroup writes), except the change of user,
which must succeed: a worker that cannot drop root does not run student code.

- **User.**  Student code runs as a user of its own: a name (Gradescope's
  ``autograder-student``) or a bare numeric uid, different for each submission
  in a batch, so that one submission cannot signal, trace or read another's
  processes and files.  The worker's folder is given to that user by
  descriptor, never by path: root never follows a path the student can write.
- **cgroup.**  One per worker (cgroup v2, or v1's memory and pids hierarchies),
  with a memory limit and a process limit for the whole tree.  A process cannot
  leave its cgroup, so :func:`kill_cgroup` also finds a daemon that cleared its
  subreaper flag and double-forked away from the worker.
- **Namespaces.**  A network namespace (no network, and none of the grader's
  abstract sockets), an IPC namespace (no shared System V memory), and a mount
  namespace where ``/tmp`` and ``/dev/shm`` are fresh, size-limited tmpfs that
  vanish with the worker, and where the answer key, the reference solution,
  the master notebook, the other submissions and the results folder are
  covered by empty mounts.
"""

from __future__ import annotations

import ctypes
import itertools
import os
import signal
import time
from pathlib import Path

_CLONE_NEWNS = 0x00020000
_CLONE_NEWIPC = 0x08000000
_CLONE_NEWNET = 0x40000000
_MS_RDONLY = 1
_MS_NOSUID = 2
_MS_NODEV = 4
_MS_BIND = 4096
_MS_REC = 16384
_MS_PRIVATE = 1 << 18

#: Processes and threads one worker's tree may have (TensorFlow starts a few dozen threads).
PIDS_MAX = 512
#: Size of each private tmpfs (/tmp, /dev/shm); its pages count against the cgroup's memory.
TMPFS_SIZE = "256m"
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
    for controller in ("memory", "pids"):
        mount = _CGROUP_ROOT / controller
        if (mount / "cgroup.procs").exists():
            found.append((mount / _own_cgroup(controller).lstrip("/"), False))
    return found


def make_cgroup(memory_mb: int) -> list[str]:
    """Create this worker's cgroups with their limits; [] where that is not allowed."""
    name = f"autograder-{os.getpid()}-{next(_counter)}"
    made: list[str] = []
    for parent, v2 in _hierarchies():
        folder = parent / name
        try:
            folder.mkdir()
        except OSError:
            continue
        made.append(str(folder))
        limits = {"pids.max": str(PIDS_MAX)}
        if memory_mb > 0:
            memory = str(memory_mb * 1024 * 1024)
            limits.update({"memory.max": memory, "memory.swap.max": "0"} if v2 else {})
            if not v2:
                limits["memory.limit_in_bytes"] = memory
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


# --------------------------------------------------------------------------- namespaces


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str = "") -> None:
    result = _libc().mount(
        None if source is None else source.encode(),
        target.encode(),
        None if fstype is None else fstype.encode(),
        ctypes.c_ulong(flags),
        data.encode() if data else None,
    )
    _check(result, f"mount {target}")


def _kept_below(folders: tuple[str, ...]) -> list[str]:
    """What a fresh tmpfs over ``folders`` must not hide: the worker's folder, and
    Python's and the kit's folders when they live there (a checkout in /tmp, say)."""
    import sys
    from pathlib import Path

    wanted = [os.getcwd(), sys.prefix, sys.base_prefix, str(Path(__file__).resolve().parent.parent)]
    wanted += [p for p in sys.path if p and os.path.isabs(p)]
    real = []
    for path in wanted:
        path = os.path.realpath(path)
        if os.path.isdir(path) and any(
            path != f and os.path.commonpath([path, f]) == f for f in folders
        ):
            real.append(path)
    # The outermost of nested paths is enough.
    return sorted(
        {p for p in real if not any(q != p and os.path.commonpath([p, q]) == q for q in real)}
    )


def isolate(hide: tuple[str, ...] = ()) -> bool:
    """New network, IPC and mount namespaces; private /tmp and /dev/shm; ``hide`` covered.

    Returns False where the kernel refuses (no CAP_SYS_ADMIN): the worker then runs
    with its user and rlimits only.  Call it after ``chdir`` to the worker's folder.
    """
    try:
        _check(_libc().unshare(_CLONE_NEWNS | _CLONE_NEWNET | _CLONE_NEWIPC), "unshare")
        _mount(None, "/", None, _MS_REC | _MS_PRIVATE)
    except OSError:
        return False
    private = tuple(f for f in ("/tmp", "/dev/shm") if os.path.isdir(f) and not os.path.islink(f))
    workdir = os.getcwd()
    # Descriptors of what must stay visible, opened before the tmpfs covers it.
    kept = {path: os.open(path, os.O_RDONLY | os.O_DIRECTORY) for path in _kept_below(private)}
    try:
        for folder in private:
            try:
                _mount(
                    "tmpfs", folder, "tmpfs", _MS_NOSUID | _MS_NODEV, f"size={TMPFS_SIZE},mode=1777"
                )
            except OSError:
                pass
        # ... and put back at its own path, so that absolute paths keep working.
        for path, fd in kept.items():
            try:
                os.makedirs(path, mode=0o755, exist_ok=True)
                _mount(f"/proc/self/fd/{fd}", path, None, _MS_BIND | _MS_REC)
            except OSError:
                pass
        try:
            os.chdir(workdir)
        except OSError:
            pass  # the old working directory stays (by reference), unnamed
    finally:
        for fd in kept.values():
            os.close(fd)
    for path in hide:
        if not _safe_to_hide(path):
            continue
        try:
            if os.path.isdir(path) and not os.path.islink(path):
                _mount(
                    "tmpfs", path, "tmpfs", _MS_NOSUID | _MS_NODEV | _MS_RDONLY, "size=4k,mode=000"
                )
            elif os.path.isfile(path) and not os.path.islink(path):
                _mount("/dev/null", path, None, _MS_BIND)
        except OSError:
            pass
    return True


def _safe_to_hide(path: str) -> bool:
    """Not a folder the worker itself needs: "/", or one holding Python, the kit's
    code or the worker's own folder (a submission saved beside the kit, say)."""
    import sys

    target = os.path.realpath(path)
    needed = [sys.prefix, sys.base_prefix, os.path.dirname(__file__), os.getcwd()]
    return target != "/" and not any(
        os.path.commonpath([target, os.path.realpath(n)]) == target for n in needed
    )


def kit_secrets() -> tuple[str, ...]:
    """What student code must not read: the answer key, the check definitions (the hidden
    checks' probes and hints), the reference, the master notebook."""
    from . import course

    top = course.current().course
    # The answer key and the checks are in source/<assignment>/, beside the master.
    return (str(top / "solutions"), str(top / "source"))


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

    Student code runs as another user and imports modules after the switch (its
    own ``import gc``, Keras on first use): the interpreter's folders must be
    reachable.  Gradescope's image has Python in /autograder/venv; a machine
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


def uid_for(index: int) -> int:
    """A numeric uid for the ``index``-th submission of this grading run (as root)."""
    return FIRST_UID + (os.getpid() % 100_000) * 1000 + index % 1000

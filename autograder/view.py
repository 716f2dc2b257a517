"""The allow-list view a worker runs in: what student code can see of the machine.

Grant a view, don't hide a list.  Each worker gets a root of its own, a small
tmpfs that holds only read-only binds of what the worker needs (the Python
installation and its site-packages, ``/usr`` and the loader's cache, a few
devices), a private writable ``/tmp`` (also ``/var/tmp``, ``/dev/shm`` and the
home), its own ``/proc``, and nothing else: no kit checkout (so no ``.git``,
``solutions/``, ``tests/``, answer key or checks), no other submission, no
results folder.  The worker's own modules were imported by the fork server
before the fork, so it needs none of the kit's files.

It enters new mount, PID, network, IPC and UTS namespaces; run by an ordinary
user, also a new user namespace (unprivileged user namespaces), so that the
same view is built without root.  The process that :mod:`multiprocessing`
started (the *outer* worker) forks process 1 of the new PID namespace, which
mounts the view, ``pivot_root``\\ s onto it and forks process 2, the worker that
serves the judge; process 1 then only reaps orphans, and exits when the worker
does, whereupon the kernel kills everything left in the namespace: no daemon
outlives its worker.  The outer one only waits and ends as the worker ended.

Why not bubblewrap: ``bwrap`` executes a new program, and a fresh interpreter
per worker would import TensorFlow again (about 4 s), against the fork server's
preloaded one (the benchmark's 2 s cold start).  The same kernel calls that
bubblewrap makes (``unshare``, uid maps, ``pivot_root``, dropping capabilities,
``no_new_privs``) are made here with ctypes, in the forked worker, which is
single-threaded and so may enter a user namespace.

Inside a user namespace the worker holds every capability until it drops them
(:func:`drop_capabilities`), which it does before any student code, so student
code cannot remount the read-only binds or undo the view.  A seccomp filter
turns ``setsid`` into a no-op: each worker leads its own session, and with the scheduler's
autogroups (an ordinary user's only CPU share where no cgroup is delegated) a
process that started a session of its own would leave its worker's share
(``setsid`` "succeeds" doing nothing, so daemonising code still runs).
"""

from __future__ import annotations

import ctypes
import os
import select
import signal
import struct
import sys

from .processes import descendants, pss_bytes, resident_bytes
from .sandbox import _check, _libc

_CLONE_NEWNS = 0x00020000
_CLONE_NEWUTS = 0x04000000
_CLONE_NEWIPC = 0x08000000
_CLONE_NEWUSER = 0x10000000
_CLONE_NEWPID = 0x20000000
_CLONE_NEWNET = 0x40000000
_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC = 1, 2, 4, 8
_MS_REMOUNT, _MS_BIND, _MS_REC, _MS_PRIVATE = 32, 4096, 16384, 1 << 18
_MNT_DETACH = 2
_PR_SET_PDEATHSIG = 1
_PR_SET_NO_NEW_PRIVS = 38
_PR_CAPBSET_DROP = 24
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2
_SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41}
_SYS_CAPSET = {"x86_64": 126, "aarch64": 91}
_SYS_SETSID = {"x86_64": 112, "aarch64": 157}
_AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}

#: How often the outer worker sums its namespace's memory where no cgroup holds it (s).
WATCH_SECONDS = 0.1

#: Size of the worker's writable tmpfs (/tmp, /var/tmp, /dev/shm and the home).
SCRATCH_SIZE = "256m"
#: Where student code works, and its home.
HOME = "/tmp"
#: Devices student code gets (bound from the machine's /dev).
DEVICES = ("null", "zero", "full", "random", "urandom")
#: Files from /etc: the dynamic loader's cache, the time zone.
ETC = ("ld.so.cache", "localtime")


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str = "") -> None:
    _check(
        _libc().mount(
            None if source is None else source.encode(),
            target.encode(),
            None if fstype is None else fstype.encode(),
            ctypes.c_ulong(flags),
            data.encode() if data else None,
        ),
        f"mount {target}",
    )


def _syscall(table: dict[str, int], *args) -> int:
    machine = os.uname().machine
    if machine not in table:
        raise OSError(0, f"no system call number for {machine}")
    return _libc().syscall(table[machine], *args)


def worker_environment(user: str = "student") -> dict[str, str]:
    """The worker's whole environment, built from nothing: none of the grader's variables
    (a CI token, a cloud key) reaches student code."""
    return {
        "PATH": f"{os.path.dirname(sys.executable)}:/usr/local/bin:/usr/bin:/bin",
        "HOME": HOME,
        "TMPDIR": HOME,
        "USER": user,
        "LANG": "C.UTF-8",
        "MPLBACKEND": "Agg",
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "TF_ENABLE_ONEDNN_OPTS": "0",
        "CUDA_VISIBLE_DEVICES": "",
    }


# --------------------------------------------------------------------------- what is granted


def _outermost(paths: list[str]) -> list[str]:
    real = {os.path.realpath(p) for p in paths if p and os.path.isabs(p) and os.path.exists(p)}
    return sorted(p for p in real if not any(q != p and _below(p, q) for q in real))


def _below(path: str, folder: str) -> bool:
    return os.path.commonpath([path, folder]) == folder


def granted(kit_root: str) -> list[str]:
    """Folders bound read-only into the view: /usr (the system's libraries), Python's
    prefixes, and site-packages folders on ``sys.path`` outside them (a user site).

    Nothing else on ``sys.path``: not the kit's checkout (``PYTHONPATH=.``, an editable
    install; the worker imported the kit's modules before the fork), not a script's
    folder (which may be /tmp or a course folder).
    """
    kit = os.path.realpath(kit_root)
    prefixes = [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix]
    wanted = ["/usr", *prefixes]
    for entry in sys.path:
        real = os.path.realpath(entry) if entry and os.path.isabs(entry) else ""
        if os.path.basename(real) in ("site-packages", "dist-packages") and not _below(real, kit):
            wanted.append(real)
    private = ("/tmp", "/var", "/dev", "/proc", "/etc", "/")
    return [p for p in _outermost(wanted) if not any(_below(q, p) for q in private)]


# --------------------------------------------------------------------------- entering


def enter(kit_root: str, as_root: bool, nproc: int, memory_bytes: int = 0) -> None:
    """Enter the worker's namespaces and view; returns in process 2 of the new PID
    namespace (the caller's process only waits and never returns, nor does process 1).

    ``memory_bytes`` (0: none) limits the memory of every process in the namespace
    together, where no cgroup does (an ordinary user's grader): the outer worker sums
    their memory (:func:`_tree_memory`) every :data:`WATCH_SECONDS` and ends the
    namespace past it.  Raises OSError where the kernel refuses (checked beforehand by
    :func:`available`).
    """
    _unshare(as_root, network=False)
    import resource

    # In a user namespace of its own, this counts the worker's processes only.
    resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
    # Process 1 of the namespace: builds the view, then only reaps and waits.
    write = _fork_init(memory_bytes)
    build_view(granted(kit_root))
    worker = os.fork()
    if worker:
        _init(worker, write)
    os.close(write)
    # Process 2 is the worker: signals reach it as anywhere (process 1 ignores those it
    # has no handler for, SIGKILL from inside included).
    _check(_libc().prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "prctl")


def _fork_init(memory_bytes: int) -> int:
    """Fork process 1 of the new PID namespace and return, in it, the pipe on which it
    reports how the worker ended.  The calling process stays outside as the outer
    worker: it waits (watching ``memory_bytes``, 0 for none) and never returns."""
    read, write = os.pipe()
    # The machine's /proc, opened before process 1 pivots the mount namespace (the outer
    # worker's too) onto the view, whose /proc shows the new PID namespace only.
    proc = os.open("/proc", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC) if memory_bytes else -1
    init = os.fork()
    if init:
        os.close(write)
        _wait_and_pass_on(read, init, memory_bytes, proc)
    if proc >= 0:
        os.close(proc)  # never in the worker's reach
    os.close(read)
    _check(_libc().prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "prctl")
    return write


def _unshare(as_root: bool, network: bool) -> None:
    """New mount, PID, IPC, UTS (and, unless ``network``, network) namespaces; as an
    ordinary user also a user namespace, where the user's uid maps to itself."""
    flags = _CLONE_NEWNS | _CLONE_NEWPID | _CLONE_NEWIPC | _CLONE_NEWUTS
    flags |= 0 if network else _CLONE_NEWNET
    uid, gid = os.getuid(), os.getgid()
    _check(_libc().unshare(flags | (0 if as_root else _CLONE_NEWUSER)), "unshare")
    if not as_root:
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"{uid} {uid} 1")
        _write("/proc/self/gid_map", f"{gid} {gid} 1")


def _write(path: str, text: str) -> None:
    with open(path, "w") as fh:
        fh.write(text)


def _close_all_but(*keep: int) -> None:
    for fd in range(3, 1024):
        if fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass


def _init(worker: int, status_pipe: int) -> None:  # pragma: no cover - process 1
    """Reap orphans until the worker ends; tell the outer worker how it ended; exit
    (and the kernel ends every process left in the namespace)."""
    _close_all_but(status_pipe)
    while True:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            os._exit(1)
        except InterruptedError:
            continue
        if pid == worker:
            os.write(status_pipe, struct.pack("i", status))
            os._exit(0)


def _wait_and_pass_on(  # pragma: no cover - the outer worker
    status_pipe: int, init: int, memory_bytes: int, proc: int = -1
) -> None:
    """Hold nothing of the judge's, wait, and end as the worker (process 2) ended; with
    ``memory_bytes``, end the namespace (and this process, by SIGKILL, as an
    out-of-memory kill ends it under a cgroup) when its processes hold more together,
    as the machine's /proc (the descriptor ``proc``) shows them."""
    _close_all_but(status_pipe, proc)
    data = _read_status(status_pipe, init, memory_bytes, proc)
    # Process 1 is this process's child: reap it (it exits right after writing).
    try:
        os.wait()
    except ChildProcessError:
        pass
    if data is None:
        os.kill(os.getpid(), signal.SIGKILL)
    if len(data) < 4:
        os._exit(1)
    (status,) = struct.unpack("i", data)
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        if sig not in (signal.SIGKILL, signal.SIGSTOP):
            signal.signal(sig, signal.SIG_DFL)
        os.kill(os.getpid(), sig)
        os._exit(128 + sig)  # a signal whose default is to be ignored
    os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1)


def _read_status(status_pipe: int, init: int, memory_bytes: int, proc: int) -> bytes | None:
    """The worker's wait status as process 1 sends it (fewer bytes if it died first), or
    None when the namespace's processes went past ``memory_bytes`` and were ended.

    Student code cannot reach this process: it is outside the worker's PID namespace.
    """
    data = b""
    while len(data) < 4:
        if memory_bytes:
            ready, _, _ = select.select([status_pipe], [], [], WATCH_SECONDS)
            if not ready:
                if _tree_memory(proc, init, memory_bytes) > memory_bytes:
                    os.kill(init, signal.SIGKILL)  # the kernel ends the whole namespace
                    return None
                continue
        try:
            chunk = os.read(status_pipe, 4 - len(data))
        except InterruptedError:
            continue
        if not chunk:
            break
        data += chunk
    return data


def _tree_memory(proc: int, root: int, limit: int) -> int:
    """Bytes that ``root`` and every process below it hold, as far as ``limit`` needs.

    The sum of resident sets first: a cheap read, and never below the truth (it counts a
    page shared by several processes in each, TensorFlow's included), so at or under the
    limit it settles the question.  Past it, the sum of proportional set sizes (a shared
    page split among its sharers), dearer to read.
    """
    tree = [root, *descendants(root, proc)]
    resident = sum(resident_bytes(pid, proc) for pid in tree)
    return resident if resident <= limit else sum(pss_bytes(pid, proc) for pid in tree)


def _bind(source: str, target: str, readonly: bool = True) -> None:
    """Bind ``source`` (a path under /oldroot) at ``target``, read-only unless asked."""
    if os.path.isdir(source):
        os.makedirs(target, mode=0o755, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
        open(target, "a").close()  # noqa: SIM115 - a mount point
    _mount(source, target, None, _MS_BIND | _MS_REC)
    if readonly:
        # Flags the source mount has must be kept (a user namespace locks them).
        kept = os.statvfs(target).f_flag & (_MS_NOSUID | _MS_NODEV | _MS_NOEXEC)
        _mount(None, target, None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY | _MS_NOSUID | kept)


def build_view(folders: list[str], late: tuple[str, ...] = ()) -> None:
    """Make the root a tmpfs holding only ``folders`` (read-only), devices, /proc and a
    private /tmp, then ``late`` (read-only too, bound after /tmp: nbgrader's kernel
    gets its notebook's folder, which may be below /tmp); the machine's root is
    detached for good."""
    # A folder below /tmp (a venv or checkout there, as a CI job or a test may make) is
    # bound after the private /tmp is mounted, or the tmpfs would cover it.
    late = (*[f for f in folders if _below(f, "/tmp")], *late)
    folders = [f for f in folders if not _below(f, "/tmp")]
    _mount(None, "/", None, _MS_REC | _MS_PRIVATE)
    # A staging tmpfs over /tmp becomes the root for a moment, with the old root
    # below it at /oldroot, so that every source is named under /oldroot.
    _mount("tmpfs", "/tmp", "tmpfs", _MS_NOSUID | _MS_NODEV, "size=1m,mode=0755")
    os.mkdir("/tmp/oldroot")
    os.mkdir("/tmp/new")
    _pivot("/tmp", "/tmp/oldroot")
    new = "/new"
    _mount("tmpfs", new, "tmpfs", _MS_NOSUID | _MS_NODEV, "size=1m,mode=0755")
    for folder in folders:
        _bind("/oldroot" + folder, new + folder)
    for name in ("bin", "lib", "lib64", "sbin"):
        old = f"/oldroot/{name}"
        if os.path.islink(old):
            os.symlink(os.readlink(old), f"{new}/{name}")
        elif os.path.isdir(old) and not os.path.exists(new + "/" + name):
            _bind(old, f"{new}/{name}")
    os.makedirs(f"{new}/etc", mode=0o755)
    for name in ETC:
        if os.path.isfile(f"/oldroot/etc/{name}"):
            _bind(f"/oldroot/etc/{name}", f"{new}/etc/{name}")
    _devices(new)
    os.makedirs(f"{new}/tmp", mode=0o755, exist_ok=True)
    _mount("tmpfs", f"{new}/tmp", "tmpfs", _MS_NOSUID | _MS_NODEV, f"size={SCRATCH_SIZE},mode=1777")
    for folder in late:
        _bind("/oldroot" + folder, new + folder)
    os.makedirs(f"{new}/var", mode=0o755, exist_ok=True)
    if not os.path.lexists(f"{new}/var/tmp"):
        os.symlink("/tmp", f"{new}/var/tmp")
    # else a granted folder lies below /var/tmp (a course or a venv there): /var/tmp is
    # then the read-only path to it, and /tmp alone is scratch.
    os.makedirs(f"{new}/proc", mode=0o555)
    _mount("proc", f"{new}/proc", "proc", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC)
    os.chdir(new)
    _pivot(".", ".")
    _check(_libc().umount2(b".", _MNT_DETACH), "umount old root")
    os.chdir("/")
    _mount(None, "/", None, _MS_REMOUNT | _MS_RDONLY | _MS_NOSUID | _MS_NODEV)
    os.chdir(HOME)


def _devices(new: str) -> None:
    os.makedirs(f"{new}/dev", mode=0o755)
    for name in DEVICES:
        if os.path.exists(f"/oldroot/dev/{name}"):
            open(f"{new}/dev/{name}", "a").close()  # noqa: SIM115 - a mount point
            _mount(f"/oldroot/dev/{name}", f"{new}/dev/{name}", None, _MS_BIND)
    os.symlink("/tmp", f"{new}/dev/shm")
    os.symlink("/proc/self/fd", f"{new}/dev/fd")
    for number, name in enumerate(("stdin", "stdout", "stderr")):
        os.symlink(f"/proc/self/fd/{number}", f"{new}/dev/{name}")


def _pivot(new_root: str, put_old: str) -> None:
    _check(_syscall(_SYS_PIVOT_ROOT, new_root.encode(), put_old.encode()), "pivot_root")


# --------------------------------------------------------------------------- giving up power


def drop_capabilities() -> None:
    """Give up every capability (those a user namespace granted) for good, and refuse
    new privileges and new sessions.  In the view, before student code."""
    libc = _libc()
    for cap in range(64):
        if libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            break
    header = struct.pack("II", 0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this thread
    data = bytes(24)  # two cap_user_data_t: effective, permitted, inheritable all empty
    _check(_syscall(_SYS_CAPSET, header, data), "capset")
    refuse_new_sessions()


def refuse_new_sessions() -> None:
    """``no_new_privs``, then a seccomp filter under which ``setsid`` does nothing (and
    returns 0): every process stays in its worker's session."""
    libc = _libc()
    _check(libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    machine = os.uname().machine
    if machine not in _SYS_SETSID:
        return
    ld_w, jeq, ret = 0x20, 0x15, 0x06
    # "Succeeds" doing nothing (errno 0): daemonising code runs on, inside the session.
    allow, no_op = 0x7FFF0000, 0x00050000
    program = [
        (ld_w, 0, 0, 4),  # seccomp_data.arch
        (jeq, 1, 0, _AUDIT_ARCH[machine]),
        (ret, 0, 0, allow),  # another ABI: not ours to filter
        (ld_w, 0, 0, 0),  # seccomp_data.nr
        (jeq, 0, 1, _SYS_SETSID[machine]),
        (ret, 0, 0, no_op),
        (ret, 0, 0, allow),
    ]
    code = b"".join(struct.pack("HBBI", *insn) for insn in program)
    buffer = ctypes.create_string_buffer(code)
    fprog = struct.pack("HxxxxxxQ", len(program), ctypes.addressof(buffer))
    _check(libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, fprog, 0, 0), "seccomp")


# --------------------------------------------------------------------------- probing


_AVAILABLE: dict[bool, str | None] = {}


def available(kit_root: str) -> str | None:
    """None when a worker can enter its view here; otherwise why not, in one line.

    Tried once per process, in a child forked for it (the kernel may refuse user
    namespaces, or mounts in a container without CAP_SYS_ADMIN).
    """
    as_root = os.geteuid() == 0
    if as_root in _AVAILABLE:
        return _AVAILABLE[as_root]
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - in the child
        os.close(read)
        try:
            enter(kit_root, as_root, 4096)
            if not as_root:
                drop_capabilities()
            os.write(write, b"ok" if not os.path.exists("/oldroot") else b"old root still there")
        except BaseException as exc:  # noqa: BLE001
            os.write(write, str(exc).encode()[:500] or type(exc).__name__.encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as fh:
        said = fh.read().decode(errors="replace")
    os.waitpid(pid, 0)
    _AVAILABLE[as_root] = None if said == "ok" else said or "the test process died"
    return _AVAILABLE[as_root]


# --------------------------------------------------------------------------- nbgrader's kernel


#: Set to 1 to let nbgrader's kernel run unconfined where no view can be made.
UNCONFINED_VARIABLE = "AUTOGRADER_ACCEPT_UNCONFINED_STUDENT_CODE"
#: Where the memory of nbgrader's kernel and all it starts is set (MB; 0 for none).
KERNEL_MEMORY_VARIABLE = "AUTOGRADER_KERNEL_MEMORY_MB"
#: Its default: the solved notebook's kernel peaked at 455 MB (PSS, measured), and a
#: student's own experiments may need more; a runaway allocation stops here, not at the
#: machine's end.
KERNEL_MEMORY_MB = 4096


def kernel_memory_bytes() -> int:
    """The kernel's memory limit from :data:`KERNEL_MEMORY_VARIABLE`, in bytes (0: none)."""
    text = os.environ.get(KERNEL_MEMORY_VARIABLE, "").strip()
    try:
        mb = int(text) if text else KERNEL_MEMORY_MB
    except ValueError:
        sys.exit(f"{KERNEL_MEMORY_VARIABLE}={text!r}: give a whole number of MB (0 for none)")
    return max(0, mb) * 1024 * 1024


def confine_kernel(cmd: list[str]) -> None:  # pragma: no cover - replaces this process
    """Start nbgrader's kernel (``cmd``, with ``-f CONNECTION_FILE``) in a view of its own.

    The same view as a worker's, plus the notebook's folder (the working directory),
    read-only; as root, a fresh uid.  It keeps the network namespace: the kernel
    talks to nbgrader over TCP on the loopback interface.  So student code run by
    ``nbgrader autograde`` can write neither the kit, nor the course folder (the
    gradebook, other submissions, ``source/``), nor the instructor's home.  Its processes'
    memory together is limited as a worker's is (:func:`kernel_memory_bytes`): past it
    the kernel is killed, as by the machine's out-of-memory killer, and nbgrader says it died.
    """
    from . import ENGINE_ROOT, sandbox

    why = available(str(ENGINE_ROOT))
    if why is not None:
        line = f"this machine cannot confine nbgrader's kernel ({why.splitlines()[0]})"
        if os.environ.get(UNCONFINED_VARIABLE) != "1":
            sys.exit(f"{line}; to run student code unconfined anyway, set {UNCONFINED_VARIABLE}=1")
        print(
            f"warning: {line}; running it unconfined, as {UNCONFINED_VARIABLE} asks",
            file=sys.stderr,
        )
        os.execv(cmd[0], cmd)
    as_root = os.geteuid() == 0
    where = os.getcwd()
    at = cmd.index("-f") + 1
    with open(cmd[at]) as fh:
        connection = fh.read()
    memory = kernel_memory_bytes()
    # jupyter_client interrupts a kernel before it shuts it down: SIGINT to the kernel's
    # process group, which holds this process and process 1 too.  The interrupt is the
    # kernel's; these two only wait, and died of it (a KeyboardInterrupt traceback on
    # nbgrader's stderr for every notebook, the kernel killed before it was asked to stop).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _unshare(as_root, network=True)
    write = _fork_init(memory)
    build_view(granted(str(ENGINE_ROOT)), late=(where,))
    kernel = os.fork()
    if kernel:
        _init(kernel, write)
    os.close(write)
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # the kernel's, as jupyter_client leaves it
    cmd[at] = f"{HOME}/kernel-connection.json"
    fd = os.open(cmd[at], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, connection.encode())
    if as_root:
        uid = sandbox.next_uid()
        os.fchown(fd, uid, uid)
        sandbox.drop_privileges(uid, HOME)
    os.close(fd)
    drop_capabilities()
    os.chdir(where)
    os.execve(cmd[0], cmd, worker_environment())


if __name__ == "__main__":  # pragma: no cover - python -m autograder.view KERNEL COMMAND
    confine_kernel(sys.argv[1:])

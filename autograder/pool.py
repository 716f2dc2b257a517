"""Worker processes for the grading command: start, limit, time out, restart.

Student code never runs in the judge's process.  Each submission gets a worker
process, forked from a *fork server* that imported TensorFlow once (importing
it costs about 4 s, so paying it per submission would dominate grading), and
the judge talks to it over a pipe with plain data only (:mod:`autograder.wire`).

Limits, per worker: memory (address space above what TensorFlow already
mapped), bytes of printed output (a file-size limit on every file it writes,
the capture file included, which is emptied after each answer), time per probe
and per cell at load, and time for the whole submission.  A worker that times
out, runs out of memory or exits is replaced by a fresh one for the next check;
a cell that kills the worker while loading is skipped in the next one, and
reported.

Confinement, always: each worker leads its own session and process group
(``os.kill(0, ...)`` in student code reaches the worker and its children, not
the grader) and is a child subreaper (a process it starts that double-forks
into the background is adopted by the worker, not by init), and when the
worker is done with, every process below it and in its group is killed.  It
keeps only its pipe and its capture file of the descriptors the fork server
left it.  A cell that kills the fork server (the worker's parent) costs a
fork-server restart, not the workers of other submissions.  The worker's
working directory is a fresh folder inside the judge's own (mode 0700), whose
other files the worker reaches only through descriptors it was given.

When grading (``grade``, Gradescope, nbgrader's preprocessor), each worker also
enters its own view before any student code runs (:mod:`autograder.view`: an
allow-list root, its own PID, network, IPC and, as an ordinary user, user
namespaces, an environment built from nothing), and as root gets what
:mod:`autograder.sandbox` sets up: a uid of its own and a cgroup (memory,
processes, a CPU quota, and a kill that no escaped daemon avoids).  The fork
server itself is started with the workers' environment, not the grader's.

Two layers: a :class:`Worker` is one process and its pipe (start it, exchange
bytes under a deadline, kill it and all it started, say why it died); a
:class:`Session` is one submission's worker over its life (the cells loaded,
restarts, probes asked).  What Linux says about processes (/proc) is read in
:mod:`autograder.processes`.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import resource
import select
import signal
import struct
import sys
import tempfile
import threading
import time
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, replace

from . import ENGINE_ROOT, processes, sandbox, view, wire
from .answers import clean_error

#: Largest reply accepted from a worker, refused from its frame's header before a byte of
#: it is read (:func:`read_reply`).  The largest honest reply, measured over every check of
#: the solved notebooks of both assignments and over the reference answers of ``release``,
#: is 800,078 bytes (the first assignment's; the second's largest is 937 bytes): the cap
#: is ten times that, rounded up.  A worker runs student code, which can
#: write to its connection; a 60 MB frame once made the judge's peak memory 3.0 GB.
MAX_REPLY_BYTES = 8 * 1024 * 1024
#: Most ``[``, ``{`` and ``,`` a reply may hold.  Decoding JSON makes about one Python
#: object per value, each 30 to 70 bytes where its text took 2 or 3 (``[[],[],...]``), so a
#: reply under the byte cap could still take twenty times its size in the judge; this many
#: values keep that under 10 MB.  Honest replies hold at most 356 (their arrays travel as
#: base64 text), and the 2,000 characters of printed output a reply carries at most 2,000.
MAX_REPLY_VALUES = 100_000


@dataclass(frozen=True)
class Limits:
    """Per-submission limits; the defaults are documented in the README."""

    check_seconds: float = 60.0
    load_seconds: float = 60.0
    submission_seconds: float = 600.0
    memory_mb: int = 2048
    output_bytes: int = 1_000_000
    #: When the grader runs as root: the unprivileged user student code runs as, a
    #: name (Gradescope's where no view can be made), a bare uid, or sandbox.PER_WORKER
    #: (a fresh uid for each worker, what grading as root uses).  None: the grader's user.
    run_as: str | int | None = None
    #: Run the worker in its allow-list view (autograder.view): its own root, PID,
    #: network, IPC and (as an ordinary user) user namespaces, an environment built
    #: from nothing.  The grading commands set it after view.available() said yes.
    view: bool = False
    #: Cores of CPU time each worker may use (a cgroup quota, as root); 0: no quota.
    cpu_cores: float = 0.0


class WorkerLost(Exception):
    """The worker did not answer: it timed out, crashed or exited.  ``str`` is for students."""


def quiet_tensorflow_env() -> None:
    """TensorFlow logs to stderr on import and first use; nbgrader zeroes such cells."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")


_CONTEXT = None
#: Held while a process is started (its environment and the judge's memory limit are
#: swapped around the start) and while the judge's memory limit is set or lifted.
_ENVIRON_LOCK = threading.Lock()


def _start_clean(spawn):
    """``spawn`` (multiprocessing's way to start its fork server) with the environment
    the workers get, not the grader's: a CI token or cloud key set where the grader
    runs never enters the fork server's memory, so no worker can find it there
    (``/proc/self/environ`` shows the environment a process was started with)."""

    def spawnv_passfds(path, args, passfds):
        with _ENVIRON_LOCK:
            saved = dict(os.environ)
            os.environ.clear()
            os.environ.update(view.worker_environment())
            # The course and assignment chosen (no secret: names a student knows) stay, so
            # that a thread of the judge reading them in this moment still finds them.
            kept = ("LD_LIBRARY_PATH", "AUTOGRADER_COURSE", "AUTOGRADER_ASSIGNMENT")
            os.environ.update({k: saved[k] for k in kept if k in saved})
            # Python 3.11's fork server imports its preload before it applies the judge's
            # sys.path: it must find this very kit, not another install of it.
            os.environ["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
            # Started without the judge's own memory limit (judge_memory): the fork server
            # holds TensorFlow, and its workers get limits of their own.
            data = resource.getrlimit(resource.RLIMIT_DATA)
            resource.setrlimit(resource.RLIMIT_DATA, (data[1], data[1]))
            try:
                return spawn(path, args, passfds)
            finally:
                resource.setrlimit(resource.RLIMIT_DATA, data)
                os.environ.clear()
                os.environ.update(saved)

    spawnv_passfds.clean = True
    return spawnv_passfds


#: Where the judge's own memory limit is set (MB; 0 for none) for nbgrader's
#: JudgeOutsideKernel and Gradescope; ``grade --judge-memory-mb`` sets it for a batch.
JUDGE_MEMORY_VARIABLE = "AUTOGRADER_JUDGE_MEMORY_MB"
#: Its default.  Measured (VmData of the grade command on solved notebooks): one at a time
#: the judge held at most 180 MB of data (heap, anonymous memory, 8 MB of stack per
#: thread), four at once 225 MB, 91 MB of it resident; each submission graded at once adds
#: about 15 MB, so this leaves room for two hundred at once.  A worker's reply costs the
#: judge at most a few times MAX_REPLY_BYTES, so only a fault of the judge itself reaches
#: the limit: it then fails with MemoryError (``grade``'s exit status 3) instead of taking
#: the machine's memory from everything else on it.
JUDGE_MEMORY_MB = 4096


def judge_memory_mb(given: int | None = None) -> int:
    """The judge's memory limit in MB: ``given`` (an option), else
    :data:`JUDGE_MEMORY_VARIABLE`, else :data:`JUDGE_MEMORY_MB`; 0 for none.  ValueError
    (one line) for a variable that is not a number: Gradescope's run still writes its
    results, and nbgrader records the notebook's failure."""
    if given is not None:
        return max(0, given)
    text = os.environ.get(JUDGE_MEMORY_VARIABLE, "").strip()
    try:
        return max(0, int(text)) if text else JUDGE_MEMORY_MB
    except ValueError:
        raise ValueError(
            f"{JUDGE_MEMORY_VARIABLE}={text!r}: give a whole number of MB (0 for none)"
        ) from None


@contextlib.contextmanager
def judge_memory(mb: int) -> Iterator[None]:
    """Hold this process (the judge) under ``mb`` MB of data while it grades; 0: no limit.

    The judge runs as root in ``grade``, Gradescope and nbgrader, and no cgroup holds it
    (an ordinary user's grader cannot make one), so the limit is ``RLIMIT_DATA``: the
    heap, anonymous mappings and thread stacks, where everything a reply is decoded into
    lives (an address-space limit would also count the reservations of each thread's
    allocator arena, which grow with the cores).  The soft limit only, restored on
    leaving; the processes the judge starts meanwhile start without it (the fork server
    in :func:`_start_clean`; nbgrader starts no kernel while its judge grades).  Past
    it, an allocation of the judge raises MemoryError.
    """
    if mb <= 0:
        yield
        return
    with _ENVIRON_LOCK:
        saved = resource.getrlimit(resource.RLIMIT_DATA)
        hard = saved[1]
        cap = mb * 1024 * 1024
        if hard != resource.RLIM_INFINITY:
            cap = min(cap, hard)
        resource.setrlimit(resource.RLIMIT_DATA, (cap, hard))
    try:
        yield
    finally:
        with _ENVIRON_LOCK:
            resource.setrlimit(resource.RLIMIT_DATA, saved)


def context():
    """The fork-server context, preloading TensorFlow once for all workers."""
    global _CONTEXT
    if _CONTEXT is None:
        quiet_tensorflow_env()
        from multiprocessing import util

        if not getattr(util.spawnv_passfds, "clean", False):
            util.spawnv_passfds = _start_clean(util.spawnv_passfds)
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["autograder._preload"])
        _CONTEXT = ctx
    return _CONTEXT


def warm_up() -> None:
    """Start the fork server now: TensorFlow loads in it while the judge reads its inputs."""
    context()
    from multiprocessing import forkserver

    forkserver.ensure_running()


_PR_SET_CHILD_SUBREAPER = 36


def _child(
    conn, capture_path: str, workdir: str, limits: Limits, cgroup: list[str]
) -> None:  # pragma: no cover
    """Runs in the worker process: confine it, then serve the judge."""
    # A process group of its own: a signal sent to "my group" (os.kill(0, ...),
    # os.killpg(os.getpgrp(), ...)) stays inside, and Worker.kill ends the group.
    os.setsid()
    # Orphans below the worker (a double fork into the background) are adopted by
    # it rather than by init, so Worker.kill still finds them among its descendants.
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass
    os.chdir(workdir)
    os.environ["MPLBACKEND"] = "Agg"  # student cells may plot; there is no screen
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    # The session's folder is the judge's, which no student process can write to, so
    # nothing can have been planted at this path; the flags say so again.  The worker
    # keeps this descriptor and never opens the path again.
    out = os.open(
        capture_path,
        os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_APPEND | os.O_NOFOLLOW | os.O_CLOEXEC,
        0o600,
    )
    os.dup2(out, 1)
    os.dup2(out, 2)
    if limits.run_as:
        sandbox.join_cgroup(cgroup)  # before any student code, and before the view
    if limits.view:
        # From here on this is process 1 of the worker's own PID namespace, in its view.
        # As root the worker's cgroup limits its processes' memory together; without
        # one, the outer worker watches their sum (view.enter).
        together = 0 if limits.run_as else max(0, limits.memory_mb) * 1024 * 1024
        view.enter(
            str(ENGINE_ROOT),
            as_root=limits.run_as is not None,
            nproc=sandbox.PIDS_MAX,
            memory_bytes=together,
        )
        os.environ.clear()
        os.environ.update(view.worker_environment())
    # Past the output limit, writes fail with "File too large" instead of a signal.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits.output_bytes, limits.output_bytes))
    if limits.memory_mb > 0:
        cap = processes.vm_size_bytes() + limits.memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    sys.stdout = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115
    from .worker import main_for_process

    # The fork server's descriptors (its liveness pipe, the resource tracker's pipe,
    # the pipe that carried this process's start-up data) are no business of student code.
    sandbox.close_other_fds({0, 1, 2, out, conn.fileno()})
    if limits.run_as:
        sandbox.drop_privileges(limits.run_as, view.HOME if limits.view else workdir)
    if limits.view:
        view.drop_capabilities()
    main_for_process(conn, out)
    os._exit(0)


STOPPED = "grading of this submission was stopped"

#: Every worker started and not yet killed, for :func:`stop_all`.
_LIVE: weakref.WeakSet = weakref.WeakSet()
#: Set by :func:`stop_all`: no worker starts after it.
_STOPPING = threading.Event()


def stop_all() -> None:
    """End every worker of this process now and start no other (a long-running grader
    told to stop): each grading in progress ends at once with :data:`STOPPED`, so the
    caller must not keep its reports.  Safe from any thread, and to call again."""
    _STOPPING.set()
    for worker in list(_LIVE):
        worker.kill()


def shut_down() -> None:
    """:func:`stop_all`, then the fork server and multiprocessing's resource tracker
    (both children of this process), then anything still below it: when it returns, this
    process has no child left, so a service stopped with SIGTERM leaves nothing running."""
    stop_all()
    from multiprocessing import forkserver, resource_tracker

    for helper in (forkserver._forkserver, resource_tracker._resource_tracker):
        stop = getattr(helper, "_stop", None)  # private, but the only way to end them
        if stop is not None:
            try:
                stop()
            except (OSError, ChildProcessError):
                pass
    for pid in processes.descendants(os.getpid()):
        processes.kill_tree(pid)
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (OSError, ChildProcessError):
            pass


class ReplyRefused(Exception):
    """A worker's reply over :data:`MAX_REPLY_BYTES` or :data:`MAX_REPLY_VALUES`.  ``str``
    is for students."""


_LENGTH = struct.Struct("!i")  # multiprocessing's frame header: the length, or -1 and
_LONG_LENGTH = struct.Struct("!Q")  # the length in 8 bytes (frames of 2 GiB and more)


def read_reply(
    conn, timeout: float, limit: int = MAX_REPLY_BYTES, values: int = MAX_REPLY_VALUES
) -> bytearray:
    """One frame a worker sent on ``conn`` (a multiprocessing connection), read in at most
    ``timeout`` seconds in all: the one place the judge reads what student code could write.

    Its header is read first, and a frame that claims more than ``limit`` bytes is refused
    (:class:`ReplyRefused`) before any of it is read or room is made for it; the frame is
    then read into a buffer of its claimed size, and refused again if it holds more than
    ``values`` JSON values, before anything decodes it.  TimeoutError when the frame is not
    whole by then (a worker that sends a header and stalls holds nothing up); EOFError or
    OSError when the connection ends.  The connection is not usable after a refusal.
    """
    fd = conn.fileno()
    deadline = time.monotonic() + timeout
    (size,) = _LENGTH.unpack(_read_exactly(fd, 4, deadline))
    if size == -1:
        (size,) = _LONG_LENGTH.unpack(_read_exactly(fd, 8, deadline))
    if not 0 <= size <= limit:
        raise ReplyRefused(
            f"the process running your code sent the grader a reply of {size:,} bytes, over "
            f"its limit of {limit:,} bytes per reply (does your code write to the grader's "
            "connection?)"
        )
    data = _read_exactly(fd, size, deadline)
    count = data.count(b"[") + data.count(b"{") + data.count(b",")
    if count > values:
        raise ReplyRefused(
            f"the process running your code sent the grader a reply of {count:,} values, "
            f"over its limit of {values:,} per reply (does your code write to the grader's "
            "connection?)"
        )
    return data


def _read_exactly(fd: int, size: int, deadline: float) -> bytearray:
    """``size`` bytes from ``fd`` before ``deadline`` (time.monotonic()), into one buffer."""
    buffer = bytearray(size)
    view = memoryview(buffer)
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    got = 0
    while got < size:
        left = deadline - time.monotonic()
        if left <= 0 or not poller.poll(left * 1000):
            raise TimeoutError
        n = os.readv(fd, [view[got:]])
        if n == 0:
            raise EOFError if got == 0 else OSError("the reply ended part way")
        got += n
    return buffer


def _time_left(deadline: float | None) -> float | None:
    return None if deadline is None else deadline - time.monotonic()


class Worker:
    """One worker process and its pipe: started, asked under a deadline, killed with
    everything it started, and able to say why it died.

    It knows nothing of cells or probes (:class:`Session` does): it sends bytes and
    waits for bytes.  :meth:`kill` may come from another thread (a session closed
    while a thread of its own waits on the worker); that wait then ends in
    :class:`WorkerLost`.
    """

    def __init__(self, limits: Limits, deadline: float | None = None):
        self.limits = limits
        #: time.monotonic() after which nothing more is asked (None: no deadline).
        self.deadline = deadline
        self.process = None
        self.conn = None
        #: The worker's cgroups, one per controller (none without root).
        self.cgroup: list[str] = []
        self._lock = threading.Lock()

    def start(self, folder: str, number: int) -> None:
        """Start the process, working in ``folder/run<number>``; WorkerLost if it cannot."""
        if _STOPPING.is_set():
            raise WorkerLost(STOPPED)
        ctx = context()
        parent, child = ctx.Pipe(duplex=True)
        workdir = os.path.join(folder, f"run{number}")
        os.makedirs(workdir, exist_ok=True)
        limits = self.limits
        if limits.run_as == sandbox.PER_WORKER:
            # A uid of this worker's own: not even a sibling worker of the same
            # submission can signal, trace or read it.
            limits = replace(limits, run_as=sandbox.next_uid())
        if limits.run_as:
            self.cgroup = sandbox.make_cgroup(limits.memory_mb, limits.cpu_cores)
        try:
            # A second try when the fork server died under us (a student's cell may
            # kill it, being the worker's parent): the next start launches a new one.
            for attempt in (1, 2):
                capture = os.path.join(folder, f"output{number}-{attempt}.txt")
                self.process = ctx.Process(
                    target=_child,
                    args=(child, capture, workdir, limits, self.cgroup),
                    daemon=True,
                )
                try:
                    self.process.start()
                    break
                except (OSError, EOFError, ValueError) as exc:
                    if attempt == 2:
                        self.process = None
                        parent.close()
                        self.kill()  # removes the cgroup made for it
                        raise WorkerLost(f"could not start a worker ({exc})") from None
        finally:
            child.close()
        self.conn = parent
        _LIVE.add(self)
        if _STOPPING.is_set():  # stop_all ran while this one started
            self.kill()
            raise WorkerLost(STOPPED)

    def alive(self) -> bool:
        """Whether the worker runs.  When the fork server dies, multiprocessing reports
        all its workers dead, but they run on (orphans) and still answer: ask /proc."""
        process = self.process
        if process is None or process.pid is None:
            return False
        return process.is_alive() or processes.running(process.pid)

    def exchange(self, data: bytes, timeout: float) -> bytes:
        """Send ``data``; wait for the reply at most ``timeout`` seconds and never past
        the deadline.  A worker that does not answer in time is killed."""
        conn = self.conn
        if conn is None:  # killed by another thread
            raise WorkerLost(STOPPED)
        left = _time_left(self.deadline)
        if left is not None and left <= timeout:
            if left <= 0:
                self.kill()
                raise WorkerLost(self._out_of_time())
            timeout = left
        try:
            conn.send_bytes(data)
        except (BrokenPipeError, OSError):
            raise WorkerLost(self.death("before it could be asked")) from None
        try:
            return read_reply(conn, timeout)
        except ReplyRefused as refused:
            self.kill()
            raise WorkerLost(str(refused)) from None
        except TimeoutError:  # (an OSError: caught first)
            self.kill()
            if left is not None and left <= timeout:
                raise WorkerLost(self._out_of_time()) from None
            raise WorkerLost(
                f"did not finish within {timeout:g} s (an infinite loop, or far too slow?)"
            ) from None
        except (EOFError, OSError):
            raise WorkerLost(self.death("while running your code")) from None

    def _out_of_time(self) -> str:
        return (
            f"not graded: the submission's time limit ({self.limits.submission_seconds:g} s) "
            "was used up by earlier checks"
        )

    def death(self, when: str) -> str:
        """Why the worker stopped answering, in words for students; it is killed."""
        process = self.process
        code = None
        if process is not None:
            process.join(2)
            code = process.exitcode
        self.kill()
        if code is not None and code < 0:
            try:
                name: object = signal.Signals(-code).name
            except ValueError:  # a signal number Python has no name for
                name = code
            why = f"was killed by {name}"
            if -code in (signal.SIGKILL, signal.SIGSEGV, signal.SIGABRT):
                why += (
                    f" (out of memory, or a signal from your code? the memory limit is "
                    f"{self.limits.memory_mb} MB)"
                )
        elif code is not None:
            why = f"exited with code {code} (sys.exit or os._exit in your code?)"
        else:
            why = "stopped answering"
        return f"the process running your code {why} {when}"

    def kill(self) -> None:
        """End the worker and every process below it or in its group (what the
        student's code started, in the background or not).  Safe to call again,
        and from any thread: only the first call finds anything to end."""
        with self._lock:
            process, conn, cgroup = self.process, self.conn, self.cgroup
            self.process = None
            self.conn = None
            self.cgroup = []
        if process is not None:
            if process.pid is not None:
                processes.kill_tree(process.pid)
            if process.is_alive():
                process.kill()
        # Also what left the tree (a daemon that cleared its subreaper flag and
        # double-forked): no process can leave its cgroup.
        sandbox.kill_cgroup(cgroup)
        if process is not None:
            process.join(5)
        sandbox.remove_cgroup(cgroup)
        if conn is not None:
            conn.close()


class Session:
    """One submission's worker, restarted as needed, with the submission's cells loaded.

    ``cells`` are executed at start (see :func:`autograder.worker.load_cells`);
    ``references`` are the reference functions' sources; each probe carries only those
    it substitutes (see :func:`autograder.checks.for_worker`), so the worker never
    holds a reference function while the student's own version of it is graded.
    ``deadline`` (a time.monotonic() value, None for none) ends every wait of the
    submission: loading cells, restarts and probes alike.
    """

    def __init__(
        self,
        cells: list[dict],
        references: dict[str, str],
        limits: Limits,
        deadline: float | None = None,
    ):
        self.cells = cells
        self.references = references
        self.limits = limits
        self.deadline = deadline
        #: Cells that ended a worker while loading (by index, with why): skipped after.
        self.poisoned: dict[int, str] = {}
        #: The first worker's load reports (None until one loaded every cell).
        self.reports: list[dict] | None = None
        #: The current worker; None before the first start and after kill().
        self.worker: Worker | None = None
        self.tmp = tempfile.TemporaryDirectory(
            prefix="autograder-worker-", ignore_cleanup_errors=True
        )
        self.starts = 0
        #: Set by close(): no worker is started after it (another thread may be
        #: starting one at that moment; it is killed at once).
        self.closed = False
        self._lock = threading.Lock()

    # -- life cycle

    def _spawn(self) -> None:
        if self.closed:
            raise WorkerLost(STOPPED)
        self.starts += 1
        worker = Worker(self.limits, self.deadline)
        worker.start(self.tmp.name, self.starts)
        with self._lock:
            self.worker = worker
        if self.closed:  # close() ran in another thread meanwhile
            self.kill()
            raise WorkerLost(STOPPED)

    def alive(self) -> bool:
        worker = self.worker
        return worker is not None and worker.alive()

    def kill(self) -> None:
        """End the current worker and all it started (see :meth:`Worker.kill`)."""
        with self._lock:
            worker, self.worker = self.worker, None
        if worker is not None:
            worker.kill()

    def close(self) -> None:
        """Stop the worker for good and remove its folder; never raises."""
        self.closed = True
        self.kill()
        try:
            self.tmp.cleanup()
        except Exception:  # noqa: BLE001 - whatever the student left there
            pass

    def ensure(self) -> None:
        """A live worker with every cell loaded; cells that kill it are skipped.

        Each start either loads every cell or marks one more cell poisoned, so
        ``len(cells) + 2`` starts are enough (one spare for a fork server that died).
        """
        if self.alive():
            return
        self.kill()  # the remains of a dead worker: its group, its pipe
        for _attempt in range(len(self.cells) + 2):
            self._spawn()
            try:
                reports = self._load()
            except WorkerLost:
                left = _time_left(self.deadline)
                if left is not None and left <= 0:
                    raise
                continue
            if self.reports is None:
                self.reports = reports
            return
        raise WorkerLost("could not start a worker for this submission")

    def _load(self) -> list[dict]:
        """Load the cells into the new worker one at a time and return their reports.

        A poisoned cell is not run (its report says why); a cell that ends the
        worker becomes poisoned, and WorkerLost is raised.
        """
        reports = []
        for index, cell in enumerate(self.cells):
            if index in self.poisoned:
                reports.append(_poisoned_report(cell, self.poisoned[index]))
                continue
            try:
                reply = self._exchange({"op": "load", "cells": [cell]}, self.limits.load_seconds)
            except WorkerLost as lost:
                self.poisoned[index] = str(lost)
                raise
            reports.extend(clean_reports(reply.get("cells"), cell))
        return reports

    # -- asking

    def _exchange(self, message: dict, timeout: float) -> dict:
        worker = self.worker
        if worker is None:  # closed by another thread
            raise WorkerLost(STOPPED)
        data = worker.exchange(wire.dumps(message), timeout)
        try:
            return wire.loads(data)
        except (wire.WireError, ValueError, RecursionError) as exc:
            worker.kill()
            raise WorkerLost(f"sent a reply the grader cannot read ({exc})") from None

    def ask(self, probe: dict, timeout: float | None = None) -> dict:
        self.ensure()
        started = time.monotonic()
        # Imported here, in the judge: the fork server imports this module, and every
        # worker inherits what it holds; the check registry must not be among it.
        from .checks import for_worker

        reply = self._exchange(
            {"op": "probe", "probe": for_worker(probe, self.references)},
            timeout or self.limits.check_seconds,
        )
        reply["seconds"] = time.monotonic() - started
        return reply


# --------------------------------------------------------------------------- replies
# A worker runs student code, which can reach the pipe and send anything that
# parses as JSON.  Values are decoded and checked by the judge (answers.decode_answer,
# which also cleans each probe's error); a cell's load report is cleaned here.


def clean_reports(reports, cell: dict) -> list[dict]:
    """The load report of ``cell``, in the shape the judge expects."""
    if not isinstance(reports, list) or not reports or not isinstance(reports[0], dict):
        reports = [{}]
    report = reports[0]
    defines = report.get("defines")
    return [
        {
            "grade_id": cell.get("grade_id"),
            "kind": cell.get("kind"),
            "defines": [n for n in defines[:100] if isinstance(n, str)]
            if isinstance(defines, list)
            else [],
            "error": clean_error(report.get("error")),
        }
    ]


def _poisoned_report(cell: dict, why: str) -> dict:
    return {
        "grade_id": cell.get("grade_id"),
        "kind": cell.get("kind"),
        "defines": [],
        "error": wire.error_info("WorkerLost", why),
    }

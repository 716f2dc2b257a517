"""Worker processes for the grading command: start, limit, time out, restart.

Student code never runs in the judge's process.  Each submission gets a worker
process, forked from a *fork server* that imported TensorFlow once (importing
it costs about 4 s, so paying it per submission would dominate grading), and
the judge talks to it over a pipe with plain data only (:mod:`autograder.wire`).

Limits, per worker: memory (address space above what TensorFlow already
mapped), bytes of printed output (a file-size limit on the capture file), time
per probe and per cell at load.  A worker that times out, runs out of memory or
exits is replaced by a fresh one for the next check; a cell that kills the
worker while loading is skipped in the next one, and reported.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import signal
import sys
import tempfile
import time
from dataclasses import dataclass

from . import wire

#: Largest reply accepted from a worker.
MAX_REPLY_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Per-submission limits; the defaults are documented in the README."""

    check_seconds: float = 60.0
    load_seconds: float = 60.0
    submission_seconds: float = 600.0
    memory_mb: int = 2048
    output_bytes: int = 1_000_000


class WorkerLost(Exception):
    """The worker did not answer: it timed out, crashed or exited.  ``str`` is for students."""


def quiet_tensorflow_env() -> None:
    """TensorFlow logs to stderr on import and first use; nbgrader zeroes such cells."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    os.environ.setdefault("MPLBACKEND", "Agg")
    os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")


_CONTEXT = None


def context():
    """The fork-server context, preloading TensorFlow once for all workers."""
    global _CONTEXT
    if _CONTEXT is None:
        quiet_tensorflow_env()
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["autograder._preload"])
        _CONTEXT = ctx
    return _CONTEXT


def _vm_size_bytes() -> int:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _child(conn, capture_path: str, workdir: str, limits: Limits) -> None:  # pragma: no cover
    """Runs in the worker process: confine it, then serve the judge."""
    os.chdir(workdir)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    out = os.open(capture_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(out, 1)
    os.dup2(out, 2)
    # Past the output limit, writes fail with "File too large" instead of a signal.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits.output_bytes, limits.output_bytes))
    if limits.memory_mb > 0:
        cap = _vm_size_bytes() + limits.memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    sys.stdout = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115
    from .worker import main_for_process

    main_for_process(conn, capture_path)
    os._exit(0)


class Session:
    """One submission's worker, restarted as needed.

    ``cells`` are executed at start (see :func:`autograder.worker.load_cells`);
    ``references`` are the reference functions the probes may substitute.
    """

    def __init__(self, cells: list[dict], references: dict[str, str], limits: Limits):
        self.cells = cells
        self.references = references
        self.limits = limits
        self.poisoned: dict[int, str] = {}
        self.reports: list[dict] | None = None
        self.process = None
        self.conn = None
        self.tmp = tempfile.TemporaryDirectory(prefix="autograder-worker-")
        self.starts = 0

    # -- life cycle

    def _spawn(self) -> None:
        ctx = context()
        parent, child = ctx.Pipe(duplex=True)
        self.starts += 1
        workdir = os.path.join(self.tmp.name, f"run{self.starts}")
        os.makedirs(workdir, exist_ok=True)
        capture = os.path.join(self.tmp.name, f"output{self.starts}.txt")
        self.process = ctx.Process(
            target=_child, args=(child, capture, workdir, self.limits), daemon=True
        )
        self.process.start()
        child.close()
        self.conn = parent

    def _exchange(self, message: dict, timeout: float) -> dict:
        assert self.conn is not None
        try:
            self.conn.send_bytes(wire.dumps(message))
        except (BrokenPipeError, OSError):
            raise WorkerLost(self._death("before it could be asked")) from None
        if not self.conn.poll(timeout):
            self.kill()
            raise WorkerLost(
                f"did not finish within {timeout:g} s (an infinite loop, or far too slow?)"
            )
        try:
            data = self.conn.recv_bytes(MAX_REPLY_BYTES)
        except (EOFError, OSError):
            raise WorkerLost(self._death("while running your code")) from None
        try:
            return wire.loads(data)
        except wire.WireError as exc:
            self.kill()
            raise WorkerLost(f"sent a reply the grader cannot read ({exc})") from None

    def _death(self, when: str) -> str:
        process = self.process
        code = None
        if process is not None:
            process.join(2)
            code = process.exitcode
        self.kill()
        if code is not None and code < 0:
            name = (
                signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else code
            )
            why = f"was killed by {name}"
            if -code in (signal.SIGKILL, signal.SIGSEGV, signal.SIGABRT):
                why += f" (out of memory? the limit is {self.limits.memory_mb} MB)"
        elif code is not None:
            why = f"exited with code {code} (sys.exit or os._exit in your code?)"
        else:
            why = "stopped answering"
        return f"the process running your code {why} {when}"

    def kill(self) -> None:
        if self.process is not None and self.process.is_alive():
            self.process.kill()
            self.process.join(5)
        if self.conn is not None:
            self.conn.close()
        self.process = None
        self.conn = None

    def close(self) -> None:
        if self.conn is not None and self.process is not None and self.process.is_alive():
            try:
                self.conn.send_bytes(wire.dumps({"op": "exit"}))
                self.process.join(2)
            except OSError:
                pass
        self.kill()
        self.tmp.cleanup()

    def ensure(self) -> None:
        """A live worker with every cell loaded; cells that kill it are skipped."""
        if self.process is not None and self.process.is_alive():
            return
        for _attempt in range(len(self.cells) + 2):
            self._spawn()
            reports = []
            try:
                for index, cell in enumerate(self.cells):
                    if index in self.poisoned:
                        reports.append(_poisoned_report(cell, self.poisoned[index]))
                        continue
                    try:
                        reply = self._exchange(
                            {"op": "load", "cells": [cell]}, self.limits.load_seconds
                        )
                    except WorkerLost as lost:
                        self.poisoned[index] = str(lost)
                        raise
                    reports.extend(reply.get("cells", []))
                self._exchange(
                    {"op": "references", "references": self.references}, self.limits.load_seconds
                )
            except WorkerLost:
                continue
            if self.reports is None:
                self.reports = reports
            return
        raise WorkerLost("could not start a worker for this submission")

    def ask(self, probe: dict, timeout: float | None = None) -> dict:
        self.ensure()
        started = time.monotonic()
        reply = self._exchange(
            {"op": "probe", "probe": probe}, timeout or self.limits.check_seconds
        )
        reply["seconds"] = time.monotonic() - started
        return reply


def _poisoned_report(cell: dict, why: str) -> dict:
    return {
        "grade_id": cell.get("grade_id"),
        "kind": cell.get("kind"),
        "defines": [],
        "error": {"type": "WorkerLost", "message": why, "where": ""},
    }

"""nbgrader's hidden test cells: grade one function from inside the student's kernel.

A hidden test cell ends with ``grade("<function>")``.  Under ``nbgrader autograde``
the student's functions live in the kernel, so the kernel plays the worker:
it starts the judge in a separate process (``python -m autograder
judge-kernel``), answers its probes with plain numbers, and receives the
verdict.  The judge holds the answer key; the kernel never sees it.

The cell's value is the points earned, which nbgrader reads as partial credit,
so nbgrader's totals equal the grading command's.  Nothing may reach stderr
(nbgrader zeroes a test cell with any stderr output), so TensorFlow's C++ log
lines, Python warnings and the judge's own stderr are all captured.
"""

from __future__ import annotations

import contextlib
import inspect
import io
import os
import socket
import subprocess
import sys
import tempfile
import warnings
from multiprocessing.connection import Connection

from . import wire
from .verdicts import format_verdict
from .worker import serve


@contextlib.contextmanager
def _no_stderr():
    """Send fd 2, sys.stderr and warnings somewhere harmless for the duration."""
    sys.stderr.flush()
    saved_fd = os.dup(2)
    sink = tempfile.TemporaryFile()
    os.dup2(sink.fileno(), 2)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with contextlib.redirect_stderr(io.StringIO()):
                yield
    finally:
        os.dup2(saved_fd, 2)
        os.close(saved_fd)
        sink.close()


def _lang() -> str:
    """The notebook's language, as its public checks (loaded by the loader cell) carry it:
    the judge writes the verdict in it.  Only words: the points are the judge's either way."""
    data = getattr(sys.modules.get("public_checks"), "DATA", None)
    lang = data.get("lang") if isinstance(data, dict) else None
    return lang if isinstance(lang, str) and lang.isalpha() and len(lang) <= 3 else "en"


def grade(grade_id: str, namespace: dict | None = None) -> float:
    """Grade ``grade_id`` against the functions in the caller's namespace; return the points."""
    ns = namespace if namespace is not None else inspect.currentframe().f_back.f_globals
    ours, theirs = socket.socketpair()
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    with _no_stderr():
        judge = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "autograder",
                "judge-kernel",
                grade_id,
                "--fd",
                str(theirs.fileno()),
                "--lang",
                _lang(),
            ],
            pass_fds=[theirs.fileno()],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        theirs.close()
        conn = Connection(ours.detach())
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            report = serve(conn, ns)
        conn.close()
        out, err = judge.communicate(timeout=60)
    if not report:
        tail = (out + err).decode("utf-8", "replace")[-2000:]
        raise RuntimeError(f"the grader for {grade_id!r} failed:\n{tail}")
    results = report["results"]
    earned = 0.0
    for r in results:
        earned += float(r["score"])
        line = r.get("line")
        if not isinstance(line, str):
            line = format_verdict(r["name"], r["passed"], r["output"], (r["score"], r["max_score"]))
        print(line)
    return earned


def judge_main(grade_id: str, fd: int, lang: str = "en") -> int:
    """The judge's side (``python -m autograder judge-kernel``): probes out, verdict back
    (each check's line in ``lang``, the notebook's language)."""
    from .checks import checks_for, for_worker
    from .i18n import speaking
    from .judge import judge_checks
    from .key import load
    from .notebook import reference_sources
    from .pool import read_reply

    conn = Connection(fd)

    def exchange(message: dict) -> dict:
        conn.send_bytes(wire.dumps(message))
        try:
            return wire.loads(read_reply(conn, 120))
        except TimeoutError:
            raise TimeoutError("the kernel did not answer within 120 s") from None

    sources = reference_sources()
    results = judge_checks(
        checks_for([grade_id]),
        lambda probe: exchange({"op": "probe", "probe": for_worker(probe, sources)}),
        load(),
        reports=None,
    )
    say = speaking(lang)
    conn.send_bytes(
        wire.dumps(
            {
                "op": "report",
                "results": [
                    {
                        "name": r.name,
                        "passed": r.passed,
                        "score": r.score,
                        "max_score": r.max_score,
                        "output": r.output,
                        "line": say.verdict(r.name, r.passed, r.output, (r.score, r.max_score)),
                    }
                    for r in results
                ],
            }
        )
    )
    conn.close()
    return 0

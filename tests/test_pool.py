"""A worker handle's account of a death, and how the judge reads a worker's reply, without
starting a worker (that is slow)."""

from __future__ import annotations

import multiprocessing
import os
import struct
import threading
import time
import tracemalloc

import numpy as np
import pytest

from autograder import wire
from autograder.pool import (
    MAX_REPLY_BYTES,
    MAX_REPLY_VALUES,
    Limits,
    ReplyRefused,
    Worker,
    read_reply,
)


class _Ended:
    """What multiprocessing shows of a worker that ended with ``exitcode``."""

    pid = None

    def __init__(self, exitcode: int | None):
        self.exitcode = exitcode

    def join(self, timeout: float | None = None) -> None:
        pass

    def is_alive(self) -> bool:
        return False


def _death(exitcode: int | None) -> str:
    worker = Worker(Limits(memory_mb=512))
    worker.process = _Ended(exitcode)
    why = worker.death("while running your code")
    assert worker.process is None and not worker.alive()  # killed and forgotten
    return why


def test_a_signal_is_named_and_a_kill_may_be_the_memory_limit():
    assert _death(-9) == (
        "the process running your code was killed by SIGKILL (out of memory, or a signal "
        "from your code? the memory limit is 512 MB) while running your code"
    )
    assert _death(-15).endswith("was killed by SIGTERM while running your code")


def test_a_signal_python_has_no_name_for_is_given_by_number():
    assert "was killed by -200 while" in _death(-200)


def test_an_exit_and_a_silence_are_told_apart():
    assert "exited with code 3 (sys.exit" in _death(3)
    assert "stopped answering while running your code" in _death(None)


# --------------------------------------------------------------------------- replies
# read_reply is where the judge reads what a worker (student code) wrote on its connection.


def _pipe():
    """Both ends of a worker's connection: the judge's and the worker's (a socket pair)."""
    return multiprocessing.Pipe(duplex=True)


def test_an_honest_reply_is_read_whole():
    judge, worker = _pipe()
    message = wire.dumps({"value": wire.to_plain(np.arange(200_000, dtype=np.float32))})
    # (larger than a socket's buffer: the worker writes it while the judge reads)
    sender = threading.Thread(target=worker.send_bytes, args=(message,))
    sender.start()
    got = read_reply(judge, timeout=30)
    sender.join()
    assert bytes(got) == message
    assert wire.from_plain(wire.loads(got)["value"]).shape == (200_000,)


@pytest.mark.parametrize(
    "header",
    [
        struct.pack("!i", MAX_REPLY_BYTES + 1),  # just over the cap
        struct.pack("!i", 60 * 1024 * 1024),  # the 60 MB frame of issue 25
        struct.pack("!i", -1) + struct.pack("!Q", 1 << 40),  # a long header: a terabyte
        struct.pack("!i", -5),  # no length at all
    ],
)
def test_an_oversized_reply_is_refused_from_its_header_before_it_is_read(header):
    judge, worker = _pipe()
    body = b"[[]," * 4096  # what follows the header, as much as the socket holds at once
    os.write(worker.fileno(), header + body)
    tracemalloc.start()
    try:
        with pytest.raises(ReplyRefused, match="over its limit of 8,388,608 bytes per reply"):
            read_reply(judge, timeout=5)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 * 1024, f"{peak} bytes allocated to refuse it"
    # Not a byte of the body was read: it is all still waiting on the connection.
    left = b""
    while len(left) < len(body):
        left += os.read(judge.fileno(), len(body) - len(left))
    assert left == body


def test_a_reply_of_too_many_values_is_refused_before_it_is_decoded():
    judge, worker = _pipe()
    bomb = b'{"value":[' + b"[]," * (MAX_REPLY_VALUES // 2) + b"[]]}"  # 150 KB, 24 MB decoded
    sender = threading.Thread(target=worker.send_bytes, args=(bomb,))
    sender.start()
    with pytest.raises(ReplyRefused, match="over its limit of 100,000 per reply"):
        read_reply(judge, timeout=30)
    sender.join()
    # The honest replies' ceiling is far below it.
    honest = wire.dumps({"value": {"seq": [wire.to_plain(np.ones((3, 2)))] * 20}, "output": ","})
    assert honest.count(b"[") + honest.count(b"{") + honest.count(b",") < 1000


def test_a_reply_that_stalls_part_way_times_out():
    judge, worker = _pipe()
    os.write(worker.fileno(), struct.pack("!i", 1000) + b"{" * 10)  # and nothing more
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        read_reply(judge, timeout=0.5)
    assert time.monotonic() - started < 5


def test_a_connection_that_ends_is_an_end_of_file():
    judge, worker = _pipe()
    worker.close()
    with pytest.raises(EOFError):
        read_reply(judge, timeout=5)
    judge, worker = _pipe()
    os.write(worker.fileno(), struct.pack("!i", 1000) + b"{}")
    worker.close()
    with pytest.raises(OSError, match="part way"):
        read_reply(judge, timeout=5)

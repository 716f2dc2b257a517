"""A worker handle's account of a death, without starting a worker (that is slow)."""

from __future__ import annotations

from autograder.pool import Limits, Worker


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

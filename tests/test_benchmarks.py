"""The benchmark scripts still run: each one's imports and arguments (``--help``), and one
real, small run of the grading benchmark.  Their figures are not asserted (timings on a
shared machine are not verdicts); that the scripts print them at all is."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = sorted((ROOT / "benchmarks").glob("bench_*.py"))


def _run(script: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(script), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_there_are_benchmarks():
    assert len(SCRIPTS) >= 5, SCRIPTS


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_a_benchmark_imports_and_explains_itself(script: Path):
    done = _run(script, "--help", timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "usage:" in done.stdout


@pytest.mark.slow
def test_the_grading_benchmark_prints_its_figures():
    done = _run(ROOT / "benchmarks" / "bench_grading.py", "--n", "1", "--skip-nbgrader",
                "--repeat", "1", timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    for figure in ("grade (1 notebooks)", "cold command", "import tensorflow alone", "PSS"):
        assert figure in done.stdout, done.stdout


def test_the_similarity_benchmark_prints_its_time_and_memory():
    done = _run(ROOT / "benchmarks" / "bench_similar.py", "--n", "40", timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    for figure in ("similar, 40 students", "peak memory of the command", "pairs sharing"):
        assert figure in done.stdout, done.stdout
    seconds = float(done.stdout.split(": ", 1)[1].split(" s", 1)[0])
    megabytes = float(done.stdout.split("(largest RSS): ", 1)[1].split(" MB", 1)[0])
    assert seconds > 0 and megabytes > 0

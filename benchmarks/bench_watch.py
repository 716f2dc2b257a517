"""Grade on arrival: how soon feedback follows a submission, against a cold ``grade``.

    .venv/bin/python benchmarks/bench_watch.py [--repeat 3] [--n 20]

Starts ``python -m autograder watch`` on a temporary nbgrader exchange and lands the
solved notebook there as ``nbgrader submit`` leaves a submission (a folder
``<student>+<assignment>+<timestamp>+<random>`` holding the notebook, ``timestamp.txt``
and ``submission_secret.txt``), moved into ``inbound/`` at once.  A first submission
warms the watcher (its figure is not counted).  Prints:

* warm: seconds from a submission landing to its feedback file being written (the
  ``feedback/<hash>.html`` that ``nbgrader fetch_feedback`` reads), ``--repeat`` times;
* cold: seconds of ``python -m autograder grade`` on the same notebook, ``--repeat``
  times, and the ratio of the medians (aim: warm at most a quarter of cold);
* ``--n`` submissions landing at once: seconds until the last feedback is written, in all
  and per submission.

Timings are wall-clock on a shared machine: read them as figures, not verdicts.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT = "three_layer_classifier"
SOLVED = ROOT / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
COURSE_ID = "bench-watch"


def _env() -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="3")
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return env


def feedback_name(secret: str) -> str:
    """nbgrader.utils.notebook_hash(secret=..., notebook_id=...) (imported by the watcher;
    spelled out here so that the benchmark's clock does not wait on nbgrader's import)."""
    return hashlib.md5((secret + ASSIGNMENT).encode()).hexdigest() + ".html"


def land(exchange: Path, student: str) -> tuple[float, Path]:
    """A submission as ``nbgrader submit`` leaves it, moved into inbound at once; the
    time it landed and the feedback file the watcher must write."""
    stamp = time.strftime("%Y-%m-%d %H:%M:%S.000000 UTC", time.gmtime())
    name = f"{student}+{ASSIGNMENT}+{stamp}+{secrets.token_urlsafe(9)}"
    staging = exchange / "staging" / name
    staging.mkdir(parents=True)
    shutil.copy(SOLVED, staging / f"{ASSIGNMENT}.ipynb")
    (staging / "timestamp.txt").write_text(stamp)
    secret = secrets.token_hex(64)
    (staging / "submission_secret.txt").write_text(secret)
    landed = time.time()
    os.rename(staging, exchange / COURSE_ID / "inbound" / name)
    return landed, exchange / COURSE_ID / "feedback" / feedback_name(secret)


def written(paths: list[Path], watcher: subprocess.Popen, timeout: float = 1800) -> list[float]:
    """When each feedback file was written (its modification time), once all are."""
    deadline = time.monotonic() + timeout
    while not all(p.exists() for p in paths):
        if watcher.poll() is not None:
            raise SystemExit(f"the watcher exited with {watcher.returncode}")
        if time.monotonic() > deadline:
            raise SystemExit("timed out waiting for feedback")
        time.sleep(0.02)
    return [p.stat().st_mtime for p in paths]


def cold_grade(folder: Path) -> float:
    out = folder / f"cold-{time.monotonic_ns()}"
    started = time.time()
    done = subprocess.run(
        [sys.executable, "-m", "autograder", "grade", "--assignment", ASSIGNMENT,
         "--out", str(out), "--quiet", str(SOLVED)],
        cwd=ROOT, env=_env(), capture_output=True, text=True, check=False,
    )  # fmt: skip
    took = time.time() - started
    if done.returncode != 0:
        raise SystemExit(f"grade failed: {done.stderr[-2000:]}")
    return took


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="single submissions timed")
    parser.add_argument("--n", type=int, default=20, help="submissions landing at once")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-watch-") as tmp:
        folder = Path(tmp)
        exchange = folder / "exchange"
        (exchange / COURSE_ID / "inbound").mkdir(parents=True)
        out = folder / "out"
        watcher = subprocess.Popen(
            [sys.executable, "-m", "autograder", "watch", "--assignment", ASSIGNMENT,
             "--exchange", str(exchange), "--course-id", COURSE_ID, "--out", str(out)],
            cwd=ROOT, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            landed, path = land(exchange, "warmup")
            written([path], watcher)  # the first grading warms the watcher
            warm = []
            for k in range(args.repeat):
                landed, path = land(exchange, f"single{k}")
                warm.append(written([path], watcher)[0] - landed)
                print(f"warm watcher: landing to feedback {warm[-1]:.2f} s", flush=True)
            cold = []
            for _ in range(args.repeat):
                cold.append(cold_grade(folder))
                print(f"cold grade command: {cold[-1]:.2f} s", flush=True)
            hot, slow = statistics.median(warm), statistics.median(cold)
            print(
                f"median: warm {hot:.2f} s vs cold {slow:.2f} s: {hot / slow:.2f} of the cold "
                "command (aim: at most 0.25)"
            )
            started = time.time()
            paths = [land(exchange, f"class{k:02d}")[1] for k in range(args.n)]
            last = max(written(paths, watcher)) - started
            print(
                f"{args.n} submissions landing at once: the last feedback after {last:.1f} s, "
                f"{last / args.n:.2f} s per submission"
            )
        finally:
            watcher.terminate()
            watcher.wait(timeout=120)
    return 0


if __name__ == "__main__":
    sys.exit(main())

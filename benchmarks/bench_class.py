"""A class as it arrives: N notebooks in nbgrader's layout, graded, killed, resumed.

    .venv/bin/python benchmarks/bench_class.py            # 300 students
    .venv/bin/python benchmarks/bench_class.py --n 60     # a quicker look

Builds ``submitted/<student>/<assignment>/<assignment>.ipynb`` for N students
(every file with the same name, as nbgrader hands them over: solved notebooks,
untouched releases and corpus mistakes, in turn), then prints:

1. the wall time of ``python -m autograder grade submitted/`` and the seconds per
   notebook (aim on 2 cores: 0.3 s);
2. the same grading killed (SIGKILL to its whole process group) once a third of
   the students have their results, then run again with ``--resume``: the resumed
   run's time and its ratio to the uninterrupted one (aim: at most 3/4);
3. whether the two ``grades.csv`` files are identical, byte for byte.

Timings are wall-clock on a shared machine: read them as figures, not verdicts.
The script exits 1 when the two ``grades.csv`` differ or a run fails.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
# The course has more than one assignment: the benchmark grades the first.
os.environ.setdefault("AUTOGRADER_ASSIGNMENT", "three_layer_classifier")

from course_paths import ASSIGNMENT  # noqa: E402

from autograder.release import nbgrader_env  # noqa: E402

SOLVED = ROOT / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
RELEASED = ROOT / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"


def variants(folder: Path) -> list[Path]:
    """The notebooks students hand in, in turn: solved, untouched, a few mistakes."""
    from corpus_tools import entries, materialize

    folder.mkdir(parents=True, exist_ok=True)
    return [SOLVED, RELEASED, *(materialize(entry, folder) for entry in entries("mistakes")[:8])]


def build_class(course: Path, n: int) -> Path:
    """``course/submitted/<student>/<assignment>/<assignment>.ipynb`` for n students."""
    notebooks = variants(course / "variants")
    submitted = course / "submitted"
    for i in range(n):
        folder = submitted / f"student{i:03d}" / ASSIGNMENT
        folder.mkdir(parents=True)
        shutil.copyfile(notebooks[i % len(notebooks)], folder / f"{ASSIGNMENT}.ipynb")
    return submitted


def grade_command(submitted: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "autograder", "grade", str(submitted), "--out", str(out),
            "--quiet", *extra]  # fmt: skip


def run(command: list[str]) -> float:
    """Seconds to run ``command`` to its end; raises on a non-zero exit."""
    started = time.monotonic()
    done = subprocess.run(command, cwd=ROOT, env=nbgrader_env(), capture_output=True, text=True)
    seconds = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(
            f"{' '.join(command[3:5])} failed ({done.returncode}): {done.stderr[-800:]}"
        )
    return seconds


def graded_so_far(out: Path) -> int:
    return sum(1 for _ in out.glob("*/results.json")) if out.is_dir() else 0


def run_and_kill(command: list[str], out: Path, after: int) -> float:
    """Start ``command``; SIGKILL its process group once ``after`` results exist."""
    started = time.monotonic()
    proc = subprocess.Popen(
        command,
        cwd=ROOT,
        env=nbgrader_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    while proc.poll() is None and graded_so_far(out) < after:
        time.sleep(0.05)
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    return time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=300, help="students in the class (default 300)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-class-"))
    try:
        submitted = build_class(work / "course", args.n)
        print(f"class: {args.n} students in nbgrader's layout under {submitted}")

        whole = run(grade_command(submitted, work / "whole"))
        print(f"1. grade submitted/: {whole:.1f} s, {whole / args.n:.3f} s per notebook (aim 0.3)")

        third = args.n // 3
        killed = run_and_kill(grade_command(submitted, work / "resumed"), work / "resumed", third)
        left = graded_so_far(work / "resumed")
        resumed = run(grade_command(submitted, work / "resumed", "--resume"))
        print(
            f"2. killed after {killed:.1f} s with {left} of {args.n} results written; "
            f"--resume took {resumed:.1f} s = {resumed / whole:.2f} of the uninterrupted run "
            f"(aim at most 0.75)"
        )
        same = (work / "whole" / "grades.csv").read_bytes() == (
            work / "resumed" / "grades.csv"
        ).read_bytes()
        print(f"3. grades.csv of the two runs identical: {'yes' if same else 'NO'}")
        return 0 if same else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

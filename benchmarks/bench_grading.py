"""Grading speed and memory, measured: the kit against `nbgrader autograde`, in one run.

    .venv/bin/python benchmarks/bench_grading.py            # 6 solved notebooks
    .venv/bin/python benchmarks/bench_grading.py --n 10
    .venv/bin/python benchmarks/bench_grading.py --as-user NAME   # as root: NAME runs it all

Prints three figures with their goals (issue "Contain the second round of attacks"):

1. wall time to grade N solved notebooks with `nbgrader autograde` and with
   `python -m autograder grade`, and the ratio (goal: at least 20x faster);
2. wall time of one solved notebook from a cold command, several times
   (median and worst; goal: at most 2 s);
3. for comparison, the same number of cold ``import tensorflow`` runs as the fork server
   does it (``autograder._preload``): the floor under any cold grading command, since every
   command loads TensorFlow once before a worker can start;
4. peak memory of that one grading, all its processes together, as the sum
   of PSS (proportional set size: shared pages such as TensorFlow's, shared by
   the fork server and its workers, are counted once) and, for reference, the
   sum of RSS (goal: PSS at most 768 MB, Gradescope's default container).

Timings are wall-clock on a shared machine: read them as figures, not verdicts.
A command's time runs until its output pipes close, as a CI log or Gradescope's
harness sees it, not only until its main process exits.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from course_paths import ASSIGNMENT  # noqa: E402

# The course has more than one assignment: every command below grades this one.
os.environ["AUTOGRADER_ASSIGNMENT"] = ASSIGNMENT

from autograder.processes import descendants, pss_bytes, resident_bytes  # noqa: E402
from autograder.release import nbgrader_env, run_nbgrader  # noqa: E402

SOLVED = ROOT / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"


def run_measured(command: list[str], cwd: Path, memory: bool = False) -> tuple[float, int, int]:
    """Run a command; return (seconds, peak PSS kB, peak RSS kB) over its process tree.

    Memory is sampled only when asked (and the peaks are 0 otherwise): reading
    ``smaps_rollup`` takes each process's memory-map lock, which slows down the
    page faults of TensorFlow's import, so timed runs are not sampled.
    """
    peak = [0, 0]
    started = time.monotonic()
    proc = subprocess.Popen(
        command, cwd=cwd, env=nbgrader_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    done = threading.Event()

    def sample():
        while not done.is_set():
            pss = rss = 0
            for p in [proc.pid, *descendants(proc.pid)]:
                pss, rss = pss + pss_bytes(p) // 1024, rss + resident_bytes(p) // 1024
            peak[0], peak[1] = max(peak[0], pss), max(peak[1], rss)
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    if memory:
        sampler.start()
    _, err = proc.communicate()
    seconds = time.monotonic() - started
    done.set()
    if memory:
        sampler.join()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{err.decode()[-2000:]}")
    return seconds, peak[0], peak[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=6, help="solved notebooks to grade (default 6)")
    parser.add_argument("--skip-nbgrader", action="store_true", help="only measure the kit")
    parser.add_argument(
        "--repeat", type=int, default=5, help="cold single-notebook runs to time (default 5)"
    )
    parser.add_argument(
        "--as-user",
        metavar="NAME",
        help="run every timed command as this ordinary user (runuser; needs root): the "
        "figures of a grader without root, whose workers get a user namespace instead",
    )
    args = parser.parse_args()
    python = sys.executable
    wrap = ["runuser", "-u", args.as_user, "--"] if args.as_user else []

    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        course = Path(tmp)
        shutil.copytree(
            ROOT / "source", course / "source", ignore=shutil.ignore_patterns("__pycache__")
        )
        shutil.copytree(ROOT / "solutions" / ASSIGNMENT, course / "solutions" / ASSIGNMENT)
        shutil.copy(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
        paths = []
        for k in range(args.n):
            folder = course / "submitted" / f"student{k:03d}" / ASSIGNMENT
            folder.mkdir(parents=True)
            target = folder / f"{ASSIGNMENT}.ipynb"
            shutil.copy(SOLVED, target)
            flat = course / "flat" / f"student{k:03d}.ipynb"
            flat.parent.mkdir(exist_ok=True)
            shutil.copy(SOLVED, flat)
            paths.append(str(flat))

        if args.as_user:
            run_nbgrader("generate_assignment", ASSIGNMENT, "--force", cwd=course)
            subprocess.run(["chown", "-R", args.as_user, str(course)], check=True)
        who = f"as {args.as_user}" if args.as_user else f"as uid {os.geteuid()}"
        print(f"machine: {os.cpu_count()} cores; {args.n} solved notebooks; {who}\n")
        ours, _, _ = run_measured(
            [*wrap, python, "-m", "autograder", "grade", *paths, "--out", f"{course}/o", "--quiet"],
            course,
        )
        print(f"kit:      python -m autograder grade ({args.n} notebooks): {ours:7.1f} s")
        if not args.skip_nbgrader:
            if not args.as_user:
                run_nbgrader("generate_assignment", ASSIGNMENT, "--force", cwd=course)
            theirs, _, _ = run_measured(
                [*wrap, python, "-m", "nbgrader", "autograde", ASSIGNMENT, "--create"], course
            )
            print(f"nbgrader: nbgrader autograde ({args.n} notebooks):       {theirs:7.1f} s")
            print(f"ratio:    {theirs / ours:.1f}x faster (goal: at least 20x)\n")

        def one_notebook(k: int, memory: bool) -> tuple[float, int, int]:
            out = str(course / f"one{k}")
            command = [
                *wrap,
                python,
                "-m",
                "autograder",
                "grade",
                paths[0],
                "--out",
                out,
                "--quiet",
            ]
            return run_measured(command, course, memory=memory)

        colds = [one_notebook(k, memory=False)[0] for k in range(args.repeat)]
        colds_text = ", ".join(f"{c:.1f}" for c in colds)
        print(
            f"one solved notebook, cold command, {args.repeat} runs: median "
            f"{statistics.median(colds):.1f} s, worst {max(colds):.1f} s ({colds_text}) "
            "(goal: at most 2 s)"
        )
        floors = [
            run_measured([*wrap, python, "-c", "import autograder._preload"], course)[0]
            for _ in range(args.repeat)
        ]
        floor = statistics.median(floors)
        print(
            f"import tensorflow alone (the fork server's preload), {args.repeat} runs: median "
            f"{floor:.1f} s; the cold command's own share beyond it: "
            f"{statistics.median(colds) - floor:.1f} s"
        )
        _, pss, rss = one_notebook(args.repeat, memory=True)
        print(
            f"peak memory of one such grading (a separate, sampled run), all processes: "
            f"PSS {pss / 1024:.0f} MB (goal: at most 768 MB); RSS summed {rss / 1024:.0f} MB"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""A class compared by ``similar``: N notebooks, the time and the peak memory of one run.

    .venv/bin/python benchmarks/bench_similar.py            # 300 students
    .venv/bin/python benchmarks/bench_similar.py --n 60     # a quicker look

Builds N notebooks in nbgrader's layout (``submitted/<student>/<assignment>/``): every
correct alternative and mistake of the corpus in turn, the solved notebook and the
untouched release, each student's local variables renamed and a comment of their own
added so that no two files are the same bytes; then runs ``python -m autograder similar``
on it as an instructor does, a process of its own, and prints:

1. the wall time of that command (aim on 2 cores: at most 60 s for 300 students);
2. its CPU time and peak memory (the largest resident set of the command), read from the
   kernel's accounting of this script's children after it ended: the same run;
3. how many pairs it found sharing code of their own.

Timings are wall-clock on a shared machine: read them as figures, not verdicts.  The
script exits 1 when the command fails.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
ASSIGNMENT = os.environ.setdefault("AUTOGRADER_ASSIGNMENT", "three_layer_classifier")


def variants(folder: Path) -> list[Path]:
    """The notebooks students hand in, in turn: the corpus's, solved, untouched."""
    from corpus_tools import entries, materialize

    folder.mkdir(parents=True, exist_ok=True)
    solved = ROOT / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    released = ROOT / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    corpus = [
        materialize(e, folder) for k in ("correct", "mistakes") for e in entries(k, ASSIGNMENT)
    ]
    return [solved, released, *corpus]


def personal(notebook: dict, i: int) -> str:
    """A notebook made one student's: a comment of their own atop every code cell (the
    bytes differ; what is compared does not)."""
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            cell["source"] = f"# student {i}\n" + "".join(cell["source"])
    return json.dumps(notebook)


def build_class(course: Path, n: int) -> Path:
    notebooks = variants(course / "variants")
    submitted = course / "submitted"
    for i in range(n):
        folder = submitted / f"student{i:03d}" / ASSIGNMENT
        folder.mkdir(parents=True)
        notebook = json.loads(notebooks[i % len(notebooks)].read_text(encoding="utf-8"))
        (folder / f"{ASSIGNMENT}.ipynb").write_text(personal(notebook, i), encoding="utf-8")
    return submitted


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=300, help="students in the class (default 300)")
    parser.add_argument("--keep", action="store_true", help="keep the class and the output")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-similar-"))
    submitted = build_class(work, args.n)
    out = work / "out"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "autograder", "similar", str(submitted), "--out", str(out)]
        + ["--assignment", ASSIGNMENT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.monotonic() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak_mb, cpu = usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime
    if done.returncode != 0:
        print(done.stdout, done.stderr, file=sys.stderr)
        return 1
    pairs = sum(1 for _ in open(out / "similar.csv", encoding="utf-8")) - 1
    print(f"similar, {args.n} students of {ASSIGNMENT}: {seconds:.1f} s (aim: at most 60 s)")
    print(f"CPU time of the command: {cpu:.1f} s (wall time is more on a busy machine)")
    print(f"peak memory of the command (largest RSS): {peak_mb:.0f} MB")
    print(f"pairs sharing code of their own: {pairs}")
    print(f"class and output in {work}" if args.keep else "")
    if not args.keep:
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A CPU flood slows only its own submission: a two-submission batch, measured.

    .venv/bin/python benchmarks/bench_flood.py

Grades two batches of two notebooks each, two at a time (``grade_paths``, jobs=2):
a solved notebook beside another solved one, then the same solved notebook beside
``tests/corpus/broken/cpu_flood.py`` (120 processes that spin until killed).  Prints
how long the solved notebook's grading took in each batch (its report's seconds)
and the ratio (goal: at most 1.5), and both batches' wall times.  The
flood's own grading runs out of its own time (its submission limit here: 30 s),
so the batch with the flood takes at least that long: the victim's time is the
figure that says whether the flood reached beyond its own submission.

Timings are wall-clock on a shared machine: read them as figures, not verdicts.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
# The course has more than one assignment: the benchmark grades the first.
os.environ.setdefault("AUTOGRADER_ASSIGNMENT", "three_layer_classifier")

from corpus_tools import SOLVED, entries, materialize  # noqa: E402

from autograder.batch import grade_paths  # noqa: E402
from autograder.pool import Limits, warm_up  # noqa: E402


def _batch(folder: Path, neighbour: Path) -> tuple[float, float, float]:
    """(seconds the victim's grading took, the batch's seconds, the victim's score)."""
    victim = folder / "victim.ipynb"
    victim.write_bytes(SOLVED.read_bytes())
    out = folder / "out"
    limits = {neighbour: Limits(submission_seconds=30)}
    started = time.time()
    reports = grade_paths(
        [victim, neighbour], out, Limits(), jobs=2, progress=False, limits_for=limits
    )
    total = time.time() - started
    report = next(r for r in reports if r.submission == victim.name)
    return report.seconds, total, report.score


def main() -> int:
    argparse.ArgumentParser(description=__doc__.split("\n\n")[0]).parse_args()
    warm_up()
    flood = next(e for e in entries("broken") if e.name == "cpu_flood")
    with tempfile.TemporaryDirectory(prefix="bench-flood-") as tmp:
        calm, loud = Path(tmp, "calm"), Path(tmp, "loud")
        calm.mkdir()
        loud.mkdir()
        honest = calm / "neighbour.ipynb"
        honest.write_bytes(SOLVED.read_bytes())
        grade_paths([honest], calm / "warm", Limits(), jobs=1, progress=False)  # warm caches
        base_victim, base_total, base_score = _batch(calm, honest)
        victim, total, score = _batch(loud, materialize(flood, loud))
    print(f"victim beside an honest notebook: {base_victim:.1f} s ({base_score:g} points)")
    print(f"victim beside cpu_flood.py:       {victim:.1f} s ({score:g} points)")
    print(f"victim's ratio: {victim / base_victim:.2f} (goal: at most 1.5)")
    print(f"batch: {base_total:.1f} s without the flood, {total:.1f} s with it")
    return 0 if score == base_score else 1


if __name__ == "__main__":
    sys.exit(main())

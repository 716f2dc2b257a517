"""How long the solved notebook takes to run top to bottom (goal: at most 60 s on 2 cores).

.venv/bin/python benchmarks/bench_notebook.py
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# The course has more than one assignment: the benchmark grades the first.
os.environ.setdefault("AUTOGRADER_ASSIGNMENT", "three_layer_classifier")

from test_notebook_runs import SOLVED, execute_alone  # noqa: E402


def main() -> int:
    argparse.ArgumentParser(description=__doc__.split("\n\n")[0]).parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.monotonic()
        notebook = execute_alone(SOLVED, Path(tmp) / "student")
        seconds = time.monotonic() - started
    cells = sum(c.cell_type == "code" for c in notebook.cells)
    print(
        f"solved notebook, {cells} code cells, kernel start included: {seconds:.1f} s "
        "(goal: at most 60 s)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

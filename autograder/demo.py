"""``python -m autograder demo``: the whole loop on the bundled assignment.

It generates the student release with real nbgrader into the output folder,
then grades three notebooks in worker processes: the solved notebook, the
untouched release (stubs only) and the solved notebook with one typical
mistake (the one its assignment.toml's [demo] table writes), and prints the
table and the feedback of the mistake.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import nbformat

from . import course
from .notebook import grade_id, read_notebook


def typical_mistake() -> tuple[str, str, str, str]:
    """(cell, text, replacement, name) from the assignment's ``[demo]`` table."""
    demo = course.current().settings["demo"]
    return demo["cell"], demo["old"], demo["new"], demo["name"]


def make_mistake(solved: Path, out: Path) -> Path:
    """The solved notebook with the assignment's typical mistake made in one cell."""
    notebook = read_notebook(solved)
    target, old, new, _ = typical_mistake()
    for cell in notebook.cells:
        if grade_id(cell) == target:
            if old not in cell.source:
                raise RuntimeError(f"the solved {target} cell no longer contains {old!r}")
            cell.source = cell.source.replace(old, new)
    nbformat.write(nbformat.from_dict(notebook), str(out))
    return out


def run_demo(out: Path, limits) -> int:
    from .batch import grade_paths
    from .release import generate
    from .results import summary_table

    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    print(f"1. generating the student release with nbgrader into {out / 'release'} ...")
    released = generate(out / "release", db_url=f"sqlite:///{out / 'gradebook.db'}")
    subs = out / "submissions"
    subs.mkdir(exist_ok=True)
    solved = subs / "solved.ipynb"
    solved.write_bytes(course.current().solved.read_bytes())
    untouched = subs / "untouched_release.ipynb"
    untouched.write_bytes(released.read_bytes())
    name = typical_mistake()[3]
    mistake = make_mistake(solved, subs / f"{name}.ipynb")
    print("2. grading the solved notebook, the untouched release and a typical mistake ...")
    reports = grade_paths([solved, untouched, mistake], out / "graded", limits, jobs=2)
    print()
    print(summary_table(reports))
    results = json.loads((out / "graded" / name / "results.json").read_text())
    print(f"\nFeedback for {name}.ipynb (failed checks):")
    for test in results["tests"]:
        if test["status"] == "failed":
            print(f"- {test['name']}\n    " + test["output"].replace("\n", "\n    "))
    print(f"\nresults: {out / 'graded'} (grades.csv, <notebook>/results.json)")
    print(f"demo done in {time.monotonic() - started:.1f} s")
    return 0

"""Corpus entries: real submissions written as the cells a student changed.

An entry is a ``.py`` file in ``tests/corpus/<kind>/``.  Its header says what
the grader must conclude; each ``# %% cell: <grade_id>`` section replaces that
solution cell of the solved notebook (``# %% new cell`` appends an unmarked
code cell).  :func:`materialize` writes the resulting notebook, so the grader
sees exactly what a student would hand in.

Header lines (comments at the top):

* ``# loses: model`` - grade_ids allowed to lose points (at least one must);
  ``final_accuracy`` is listed when training breaks too.
* ``# message: last layer applies ReLU`` - a substring (case-insensitive) that
  must appear in the output of a failed check of the first grade_id in ``loses``.
* ``# why: ...`` - free text: what the mistake is.
* ``# diagnosis: no_threshold`` - the mistake of the assignment's catalogue (``catalogue.py``)
  this submission makes: its failed check must name it (``tests/test_mistakes_named.py``).

Extra keys for ``tests/corpus/broken/`` (bad and hostile submissions), where
a grade_id in ``loses`` (``all``: every one) must get 0 points and every other
one full points, and each ``message`` must appear in a check of ``loses``:

* ``# score: 0`` or ``# score: full`` - the total the submission must get; ``any``:
  its own points are not asserted (a CPU flood may run out of its own time), only
  that it has its row and costs no other submission anything.
* ``# message: ...`` may be repeated: every substring must appear.
* ``# note: ...`` - a substring of the report's notes (what the student is told
  about the whole notebook).
* ``# base: release`` - start from the untouched student notebook, not the solved one.
* ``# limits: check_seconds=3, load_seconds=10`` - :class:`autograder.pool.Limits`
  fields for this entry (keeps time-outs short in the tests).
* ``# needs: root`` - the containment this entry shows needs the grader to run as
  root (CI does); no entry needs it today (a process tree's memory limit, once a
  cgroup's only, is the outer worker's watch for an ordinary user).

``__PUBLIC_DATA__`` in an entry's code is replaced by the release's public data
(``public_checks/data.json``, compressed, base64), which every student can read.

Sections: ``# %% copy cell: <grade_id>`` inserts, after the last cell with that
grade_id, a copy of it (same metadata) holding the section's code.
"""

from __future__ import annotations

import base64
import copy
import os
import re
import subprocess
import sys
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(__file__).resolve().parent / "corpus" / "three_layer_classifier"
SOLVED = ROOT / "solutions" / "three_layer_classifier" / "three_layer_classifier.ipynb"

_SECTION = re.compile(r"^# %% (cell: (\w+)|new cell|delete cell: (\w+)|copy cell: (\w+))\s*$", re.M)
RELEASED = ROOT / "release" / "three_layer_classifier" / "three_layer_classifier.ipynb"


@dataclass
class Entry:
    path: Path
    loses: list[str] = field(default_factory=list)
    message: str = ""
    why: str = ""
    cells: list[tuple[str, str | None, str]] = field(default_factory=list)  # (op, grade_id, code)
    messages: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    score: str = ""
    base: str = "solved"
    limits: dict[str, float] = field(default_factory=dict)
    needs: str = ""
    diagnosis: str = ""

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def assignment(self) -> str:
        """The assignment the entry was written for: its folder under tests/corpus/."""
        return self.path.parent.parent.name


def parse(path: Path) -> Entry:
    text = path.read_text()
    entry = Entry(path)
    for line in text.splitlines():
        if not line.startswith("#") or line.startswith("# %%"):
            break
        key, _, value = line[1:].strip().partition(":")
        value = value.strip()
        if key == "loses":
            entry.loses = [v.strip() for v in value.split(",") if v.strip()]
        elif key == "message":
            entry.message = entry.message or value
            entry.messages.append(value)
        elif key == "note":
            entry.notes.append(value)
        elif key == "score":
            entry.score = value
        elif key == "base":
            entry.base = value
        elif key == "limits":
            for item in value.split(","):
                name, _, number = item.partition("=")
                entry.limits[name.strip()] = float(number)
        elif key == "why":
            entry.why = value
        elif key == "needs":
            entry.needs = value
        elif key == "diagnosis":
            entry.diagnosis = value
    matches = list(_SECTION.finditer(text))
    for k, m in enumerate(matches):
        end = matches[k + 1].start() if k + 1 < len(matches) else len(text)
        code = text[m.end() : end].strip("\n") + "\n"
        if m.group(2):
            entry.cells.append(("replace", m.group(2), code))
        elif m.group(3):
            entry.cells.append(("delete", m.group(3), ""))
        elif m.group(4):
            entry.cells.append(("copy", m.group(4), code))
        else:
            entry.cells.append(("append", None, code))
    return entry


def entries(kind: str, assignment: str = CORPUS.name) -> list[Entry]:
    folder = CORPUS.parent / assignment / kind
    return [parse(p) for p in sorted(folder.glob("*.py"))]


#: Stands, in an entry's code, for the release's public data (what a student can read):
#: the JSON of public_checks/data.json, zlib-compressed and base64-encoded.
PUBLIC_DATA = "__PUBLIC_DATA__"
PUBLIC_DATA_FILE = RELEASED.parent / "public_checks" / "data.json"


def _public_data() -> str:
    return base64.b64encode(zlib.compress(PUBLIC_DATA_FILE.read_bytes(), 9)).decode("ascii")


def materialize(entry: Entry, out_dir: Path) -> Path:
    name = entry.assignment
    released = ROOT / "release" / name / f"{name}.ipynb"
    solved = ROOT / "solutions" / name / f"{name}.ipynb"
    if name == "three_layer_classifier":  # the module's names, which a test may point elsewhere
        released, solved = RELEASED, SOLVED  # (the Korean edition's twin: test_korean_runs)
    notebook = nbformat.read(str(released if entry.base == "release" else solved), as_version=4)
    for op, gid, code in entry.cells:
        if PUBLIC_DATA in code:
            code = code.replace(PUBLIC_DATA, _public_data())
        if op == "append":
            notebook.cells.append(nbformat.v4.new_code_cell(code))
            continue
        hits = [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == gid]
        if not hits:
            raise ValueError(f"{entry.path.name}: no cell with grade_id {gid!r}")
        if op == "delete":
            notebook.cells = [c for c in notebook.cells if c not in hits]
        elif op == "copy":
            twin = copy.deepcopy(hits[-1])
            twin.source = code
            if "id" in twin:
                twin.id = nbformat.v4.new_code_cell().id
            notebook.cells.insert(notebook.cells.index(hits[-1]) + 1, twin)
        else:
            hits[0].source = code
    out = out_dir / f"{entry.name}.ipynb"
    nbformat.write(notebook, str(out))
    return out


def run_grade(*args: str | Path, timeout: float = 300) -> subprocess.CompletedProcess:
    """``python -m autograder grade ARGS`` as an instructor runs it: a process of its own,
    this checkout's kit, stdout and stderr captured as text."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "autograder", "grade", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=timeout,
    )


def broken_problems(entry: Entry, report) -> list[str]:
    """What is wrong with the grading of a ``broken`` entry (empty: as its header says)."""
    from autograder.checks import GRADE_IDS, points_by_grade_id

    points = points_by_grade_id()
    full = sum(points.values())
    if entry.score == "any":
        return [] if 0 <= report.score <= full else [f"score {report.score} of {full}"]
    got = {g: 0.0 for g in GRADE_IDS}
    for r in report.results:
        got[r.grade_id] += r.score
    loses = set(GRADE_IDS) if entry.loses == ["all"] else set(entry.loses)
    problems = [
        f"{gid} got {got[gid]:g} of {points[gid]:g}"
        for gid in GRADE_IDS
        if got[gid] != (0.0 if gid in loses else points[gid])
    ]
    if entry.score and report.score != (full if entry.score == "full" else float(entry.score)):
        problems.append(f"score {report.score}, not {entry.score}")
    outputs = " | ".join(r.output.lower() for r in report.results if r.grade_id in loses)
    problems += [f"no failed check says {m!r}" for m in entry.messages if m.lower() not in outputs]
    problems += [
        f"no note says {n!r}"
        for n in entry.notes
        if not any(n.lower() in x.lower() for x in report.notes)
    ]
    return problems

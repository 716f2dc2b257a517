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
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(__file__).resolve().parent / "corpus"
SOLVED = ROOT / "solutions" / "three_layer_classifier.ipynb"

_SECTION = re.compile(r"^# %% (cell: (\w+)|new cell|delete cell: (\w+))\s*$", re.M)


@dataclass
class Entry:
    path: Path
    loses: list[str] = field(default_factory=list)
    message: str = ""
    why: str = ""
    cells: list[tuple[str, str | None, str]] = field(default_factory=list)  # (op, grade_id, code)

    @property
    def name(self) -> str:
        return self.path.stem


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
            entry.message = value
        elif key == "why":
            entry.why = value
    matches = list(_SECTION.finditer(text))
    for k, m in enumerate(matches):
        end = matches[k + 1].start() if k + 1 < len(matches) else len(text)
        code = text[m.end() : end].strip("\n") + "\n"
        if m.group(2):
            entry.cells.append(("replace", m.group(2), code))
        elif m.group(3):
            entry.cells.append(("delete", m.group(3), ""))
        else:
            entry.cells.append(("append", None, code))
    return entry


def entries(kind: str) -> list[Entry]:
    return [parse(p) for p in sorted((CORPUS / kind).glob("*.py"))]


def materialize(entry: Entry, out_dir: Path) -> Path:
    notebook = nbformat.read(str(SOLVED), as_version=4)
    for op, gid, code in entry.cells:
        if op == "append":
            notebook.cells.append(nbformat.v4.new_code_cell(code))
            continue
        hits = [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == gid]
        if not hits:
            raise ValueError(f"{entry.path.name}: no cell with grade_id {gid!r}")
        if op == "delete":
            notebook.cells = [c for c in notebook.cells if c not in hits]
        else:
            hits[0].source = code
    out = out_dir / f"{entry.name}.ipynb"
    nbformat.write(notebook, str(out))
    return out

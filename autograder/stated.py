"""The master notebook's locked cells that state a setting of ``assignment.toml``.

An assignment's settings file lists, under ``[notebook] states``, each cell (by
grade_id) and the Python name whose value is a setting: ``release`` writes
``name = value`` over the line of that cell that starts with ``name =`` (keeping a
comment after it), so that the notebook, the checks and the key never disagree.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

from .course import Assignment, CourseError


def setting(settings: dict, dotted: str):
    """``settings["a"]["b"]`` for ``"a.b"``; a one-line error naming what is missing."""
    value = settings
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            raise CourseError(f"assignment.toml has no setting {dotted!r}")
        value = value[part]
    return value


def _statement(source: str, name: str, value, cell: str) -> str:
    line = re.compile(rf"^{re.escape(name)} = [^#\n]*?(\s*#.*)?$", re.MULTILINE)
    if not line.search(source):
        raise CourseError(f"the master's cell {cell!r} has no line `{name} = ...` to state it")
    return line.sub(lambda m: f"{name} = {value!r}{m.group(1) or ''}", source, count=1)


def write_stated(assignment: Assignment, path: Path | None = None) -> bool:
    """Write every stated setting into the master notebook; True when it changed."""
    path = path or assignment.master
    states = assignment.settings.get("notebook", {}).get("states", [])
    if not states:
        return False
    notebook = nbformat.read(str(path), as_version=4)
    cells = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in notebook.cells}
    changed = False
    for state in states:
        cell = cells.get(state["cell"])
        if cell is None:
            raise CourseError(f"the master notebook has no cell {state['cell']!r}")
        value = setting(assignment.settings, state["setting"])
        new = _statement(cell.source, state["name"], value, state["cell"])
        if new != cell.source:
            cell.source, changed = new, True
    if changed:
        nbformat.write(notebook, str(path))
    return changed

"""Read a submission and decide which code the worker runs, restoring locked cells.

The worker runs, in the master notebook's order:

* the locked cells tagged ``setup`` (imports, data, variables, learning rate),
  always from the master notebook, whatever the student did to their copy;
* the student's solution cells, found by their nbgrader ``grade_id``.

It does not run the notebook's training loop, plots or test cells: the checks
train under their own control.  A solution cell that lost its metadata (the
student pasted the function into a new cell) is found by the ``def`` it holds.
"""

from __future__ import annotations

import ast
import functools
import json
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from . import course
from .worker import defined_functions

SETUP_TAG = "setup"
#: Larger submissions are refused unread.
MAX_NOTEBOOK_BYTES = 50 * 1024 * 1024


class NotANotebook(ValueError):
    """The submission cannot be read as a Jupyter notebook; ``str`` says why."""


def source_path(assignment: str | None = None) -> Path:
    """The master notebook of ``assignment`` (the current one: :mod:`autograder.course`)."""
    return course.find(assignment).master


def read_notebook(path: str | Path) -> Node:
    """Read any notebook version, or raise :class:`NotANotebook` with a plain reason."""
    path = Path(path)
    # A link is not followed (it may point at the master notebook, or at a file only
    # the grader's user may read); a FIFO or a device would block or never end: only
    # regular files are read, and the checks are made on the descriptor that is read.
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        if os.path.islink(path):
            raise NotANotebook(f"{path.name} is a link, not a file: it is not followed") from None
        raise NotANotebook(f"cannot read {path.name}: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            os.close(fd)
            raise NotANotebook(f"{path.name} is not a regular file")
        if info.st_size > MAX_NOTEBOOK_BYTES:
            os.close(fd)
            raise NotANotebook(f"{path.name} is larger than {MAX_NOTEBOOK_BYTES >> 20} MB")
        with open(fd, "rb") as fh:
            raw = fh.read(MAX_NOTEBOOK_BYTES + 1)
    except OSError as exc:
        raise NotANotebook(f"cannot read {path.name}: {exc.strerror or exc}") from None
    if len(raw) > MAX_NOTEBOOK_BYTES:
        raise NotANotebook(f"{path.name} is larger than {MAX_NOTEBOOK_BYTES >> 20} MB")
    if not raw.strip():
        raise NotANotebook(f"{path.name} is not a Jupyter notebook (the file is empty)")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise NotANotebook(
            f"{path.name} is not a Jupyter notebook (not valid JSON: {str(exc)[:200]})"
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise NotANotebook(
            f"{path.name} is not a Jupyter notebook (valid JSON, but without a list of cells)"
        )
    if not all(isinstance(c, dict) for c in data["cells"]):
        raise NotANotebook(f"{path.name} is not a Jupyter notebook (a cell is not a JSON object)")
    if data.get("nbformat") != 4:
        data = _upgrade(data, path.name)
    notebook = _node(data)
    for cell in notebook.cells:
        source = cell.get("source", "")
        if isinstance(source, list) and all(isinstance(line, str) for line in source):
            cell["source"] = "".join(source)  # the JSON stores text as a list of lines
        elif not isinstance(source, str):
            raise NotANotebook(f"{path.name} has a cell whose source is not text")
        if not isinstance(cell.get("metadata"), dict):
            cell["metadata"] = Node()
    return notebook


class Node(dict):
    """A notebook, cell or metadata dict with attribute access, like nbformat's NotebookNode.

    Grading reads notebooks with :mod:`json` and this class rather than with nbformat,
    whose JSON-schema dependencies take seconds to import: that is most of a cold
    grading's start-up.  (nbformat still writes notebooks in ``release``.)
    """

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name, value):
        self[name] = value


def _node(value):
    if isinstance(value, dict):
        return Node({k: _node(v) for k, v in value.items()})
    if isinstance(value, list):
        return [_node(v) for v in value]
    return value


def _upgrade(data: dict, name: str) -> dict:
    """An older notebook format, converted by nbformat (rare, so imported only here)."""
    import nbformat

    try:
        return dict(nbformat.reads(json.dumps(data), as_version=4))
    except Exception as exc:  # noqa: BLE001 - nbformat raises many kinds
        raise NotANotebook(f"{name} is not a Jupyter notebook ({str(exc)[:200]})") from None


def nbgrader_meta(cell) -> dict:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta if isinstance(meta, dict) else {}


def grade_id(cell) -> str | None:
    value = nbgrader_meta(cell).get("grade_id")
    return value if isinstance(value, str) else None


def is_setup(cell) -> bool:
    return SETUP_TAG in cell.get("metadata", {}).get("tags", [])


def setup_cells(source) -> list[dict]:
    return [
        {"grade_id": grade_id(c) or "setup", "kind": "setup", "source": c.source}
        for c in source.cells
        if c.cell_type == "code" and is_setup(c)
    ]


def cells_to_run(source, submission) -> tuple[list[dict], list[str]]:
    """The cells a worker executes for ``submission``, and notes for the student."""
    notes: list[str] = []
    functions = course.current().functions  # once: finding the course reads the disk
    by_id: dict[str, list] = {}
    for cell in submission.cells:
        gid = grade_id(cell)
        if cell.get("cell_type") == "code" and gid:
            by_id.setdefault(gid, []).append(cell)
    run: list[dict] = []
    for cell in source.cells:
        if cell.cell_type != "code":
            continue
        if is_setup(cell):
            gid = grade_id(cell) or "setup"
            run.append({"grade_id": gid, "kind": "setup", "source": cell.source})
            if any(
                _text(c.get("source")).strip() != cell.source.strip() for c in by_id.get(gid, [])
            ):
                notes.append(
                    f"you changed the locked cell '{gid}'; the grader ran the original version "
                    "of it, as it does for every provided setup cell"
                )
            continue
        gid = grade_id(cell)
        if gid not in functions or not nbgrader_meta(cell).get("solution"):
            continue
        found = by_id.get(gid, [])
        if len(found) > 1:
            notes.append(
                f"your notebook has {len(found)} cells with grade_id '{gid}'; they run in order "
                "and the last definition counts"
            )
        if not found:
            found = [c for c in submission.cells if _defines_unmarked(c, gid)][-1:]
            if found:
                notes.append(
                    f"the cell for '{gid}' lost its nbgrader metadata; graded the last cell "
                    f"that defines {gid}()"
                )
        for student_cell in found:
            run.append({"grade_id": gid, "kind": "solution", "source": student_cell.source})
    return run, notes


@functools.cache
def _master_ids(assignment: str, course_root: Path) -> frozenset[str]:
    """The grade_ids of an assignment's master notebook (read once per process)."""
    master = course.Assignment(assignment, course_root).master
    try:
        return frozenset(gid for c in read_notebook(master).cells if (gid := grade_id(c)))
    except NotANotebook:
        return frozenset()


def assignments_matching(cells: list, course_root: Path | None = None) -> list[str]:
    """The course's assignments whose notebook ``submission`` is, best first (ties kept).

    A notebook is scored against each master by its nbgrader grade_ids: the ids it
    shares with the master, less those it has that the master has not (assignments
    share ids such as a setup cell's or a common function's, so sharing alone does not
    tell them apart).  A notebook with no nbgrader cells (functions pasted into a new
    notebook) is scored by the graded functions it defines.  Empty when none fits.
    Whatever it says is the student's word: callers use it where the instructor gave
    no other (the path first, ``--assignment`` always)."""
    root = course_root or course.find_course()
    names = course.assignment_names(root)
    cells = [c for c in cells if isinstance(c, dict) and isinstance(c.get("metadata", {}), dict)]
    theirs = {gid for c in cells if (gid := grade_id(c))}
    scores: dict[str, int] = {}
    for name in names:
        if theirs:
            ids = _master_ids(name, root)
            score = len(theirs & ids) - len(theirs - ids)
        else:
            wanted = set(course.Assignment(name, root).functions)
            score = sum(
                len(wanted.intersection(_defined(_text(c.get("source")))))
                for c in cells
                if c.get("cell_type") == "code"
            )
        if score > 0:
            scores[name] = score
    if not scores:
        return []
    best = max(scores.values())
    return sorted(n for n, v in scores.items() if v == best)


def _defined(source: str) -> set[str]:
    try:
        return set(defined_functions(source))
    except (RecursionError, ValueError, MemoryError, SyntaxError):
        return set()


def not_this_assignment(source, submission) -> str | None:
    """Why ``submission`` is not this assignment's notebook, or None when it is.

    It is when a cell carries one of the master's grade_ids, or a code cell defines
    a graded function (a student who pasted the functions into a new notebook),
    unless another assignment of the course fits it better (its cells are that
    assignment's: say so, rather than a row of "no cell with grade_id" messages).
    Anything else (another course's notebook, an empty one) would be graded as a
    row of zeros whose messages blame missing functions: say what it is instead.
    """
    here = course.current()
    ours = {grade_id(c) for c in source.cells} - {None}
    theirs = sorted({gid for c in submission.cells if (gid := grade_id(c))})
    if theirs:
        best = assignments_matching(submission.cells, here.course)
        if best and here.name not in best:
            return (
                f"this is {' or '.join(best)}'s notebook, not {here.name}'s "
                f"(its nbgrader cells are {best[0]}'s); was the right notebook submitted, "
                "or the right --assignment named?"
            )
    if ours.intersection(theirs):
        return None
    for cell in submission.cells:
        if cell.get("cell_type") == "code" and _defines_any(_text(cell.get("source"))):
            return None
    if theirs:
        shown = ", ".join(theirs[:4]) + (", ..." if len(theirs) > 4 else "")
        what = f"its nbgrader cells are another assignment's ({shown})"
    else:
        what = (
            f"it has none of its cells and defines none of {', '.join(course.current().functions)}"
        )
    return f"this is not {course.current().name}: {what}; was the right notebook submitted?"


def _defines_any(source: str) -> bool:
    try:
        return bool(set(course.current().functions).intersection(defined_functions(source)))
    except (RecursionError, ValueError, MemoryError):
        return True  # unreadable here: let grading say what is wrong with it


def _text(source) -> str:
    return source if isinstance(source, str) else ""


def _defines_unmarked(cell, name: str) -> bool:
    return (
        cell.get("cell_type") == "code"
        and not grade_id(cell)
        and name in defined_functions(cell.get("source", ""))
    )


def reference_sources(path: Path | None = None) -> dict[str, str]:
    """The reference module's graded functions as source text, without importing it.

    The judge must not import TensorFlow (memory, start-up time), so the
    reference is read with :mod:`ast`; the worker compiles it.
    """
    here = course.current()
    path = path or here.reference
    functions = here.functions
    text = path.read_text()
    tree = ast.parse(text)
    out = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name in functions:
            out[node.name] = ast.get_source_segment(text, node) + "\n"
    missing = set(functions) - set(out)
    if missing:
        raise RuntimeError(f"the reference module lacks {sorted(missing)}")
    return out


def reference_cells(source) -> list[dict]:
    """What a perfect submission runs: the setup cells and the reference functions, in the
    master notebook's order (a setup cell may call a function defined before it)."""
    refs = reference_sources()
    run: list[dict] = []
    for cell in source.cells:
        gid = grade_id(cell)
        if cell.cell_type == "code" and is_setup(cell):
            run.append({"grade_id": gid or "setup", "kind": "setup", "source": cell.source})
        elif cell.cell_type == "code" and gid in refs and nbgrader_meta(cell).get("solution"):
            run.append({"grade_id": gid, "kind": "solution", "source": refs.pop(gid)})
    # A function the master notebook lacks a cell for still runs, after the rest.
    run += [{"grade_id": name, "kind": "solution", "source": refs[name]} for name in refs]
    return run


# --------------------------------------------------------------------------- graded by hand


@dataclass(frozen=True)
class HandGraded:
    """An answer nbgrader leaves to a person: a "manual" cell (graded and a solution) or a
    task; its points count in nbgrader's total but never in the kit's."""

    grade_id: str
    points: float
    section: str  # the heading above it, as the notebook titles it


def hand_graded(source) -> list[HandGraded]:
    """The master notebook's hand-graded cells, in order, with their points.

    Read from nbgrader's metadata so the points a report states are the ones the
    course's gradebook uses: a test cell (graded, not a solution) is autograded; a
    graded solution cell or a task is graded by hand.
    """
    found, heading = [], ""
    for cell in source.cells:
        text = _text(cell.get("source")) if cell.get("cell_type") == "markdown" else ""
        if text.lstrip().startswith("#"):
            heading = text.lstrip().splitlines()[0].lstrip("#").strip()
            heading = re.sub(r"\s*\([^)]*\)$", "", heading)  # "(graded by hand)" and such
        meta = nbgrader_meta(cell)
        if (meta.get("grade") and meta.get("solution")) or meta.get("task"):
            points = float(meta.get("points") or 0)
            if points > 0:
                found.append(HandGraded(grade_id(cell) or "", points, heading))
    return found


def master_hand_graded(assignment: str | None = None) -> tuple[HandGraded, ...]:
    """:func:`hand_graded` of the master notebook, read once; empty where it is missing
    (a kit without ``source/``): then nothing is said about points graded by hand."""
    try:
        return _hand_graded(source_path(assignment))
    except course.CourseError:
        return ()


def edition_sections(lang: str) -> dict[str, str]:
    """grade_id -> the heading above each hand-graded answer in the ``lang`` edition of
    the release (``release/<lang>/<assignment>/``), empty where there is none: a Korean
    feedback names the section as the student's notebook titles it."""
    try:
        here = course.current()
    except course.CourseError:
        return {}
    path = here.course / "release" / lang / here.name / f"{here.name}.ipynb"
    return {h.grade_id: h.section for h in _hand_graded(path) if h.section}


@functools.cache
def _hand_graded(path: Path) -> tuple[HandGraded, ...]:
    try:
        return tuple(hand_graded(read_notebook(path)))
    except (OSError, NotANotebook):
        return ()

"""Which assignment a command is about, when the course has several and none is named.

nbgrader infers the assignment from where a notebook lies; so does the kit, in this
order, and asks for ``--assignment NAME`` only when two fit:

1. **the path the instructor gave** (or nbgrader wrote): a folder of it, or the file's
   stem, is an assignment's name (``submitted/<student>/<assignment>/``,
   ``solutions/<assignment>/``, ``release/ko/<assignment>/``, ``<assignment>.ipynb``);
2. **nbgrader's layout** below a folder given: the ``<student>/<assignment>/`` folders
   that are there (a class folder holding several assignments is graded per assignment);
3. **the notebooks' own cells**: the master whose nbgrader grade_ids they carry
   (:func:`autograder.notebook.assignments_matching`).  That is the students' word,
   not the instructor's, so it decides only when every notebook that says anything
   says the same; otherwise the command asks, naming the counts.

Nothing here runs student code: notebooks are read as JSON, at most
:data:`MAX_LOOKED_AT` of them per path, each within the grader's size limit.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections import Counter
from pathlib import Path

from . import course

#: Notebooks read per path given to tell the assignment by their cells: enough to see
#: what a class folder holds without reading a class of 300 twice.
MAX_LOOKED_AT = 50


def _named_by_path(given: Path, names: list[str]) -> set[str]:
    """What the instructor's path and nbgrader's layout below it say (rules 1 and 2)."""
    named = course.assignment_in_path(given, names)
    if named:
        return {named}
    if not given.is_dir() or given.is_symlink():
        return set()
    submitted = given / "submitted"
    folder = submitted if submitted.is_dir() and not submitted.is_symlink() else given
    try:
        students = [p for p in folder.iterdir() if p.is_dir() and not p.is_symlink()]
    except OSError:
        return set()
    return {a for s in students for a in names if (s / a).is_dir() and not (s / a).is_symlink()}


def _cells(data) -> list[dict]:
    """The cells of a notebook read as plain JSON (any shape a student can send)."""
    cells = data.get("cells") if isinstance(data, dict) else None
    out = []
    for cell in cells if isinstance(cells, list) else []:
        if isinstance(cell, dict):
            source = cell.get("source")
            if isinstance(source, list):
                cell = {**cell, "source": "".join(x for x in source if isinstance(x, str))}
            out.append(cell)
    return out


def _said_by_notebooks(given: Path, root: Path) -> Counter:
    """What the notebooks' own cells say (rule 3): a count per assignment, one vote per
    notebook that fits exactly one."""
    from .notebook import MAX_NOTEBOOK_BYTES, assignments_matching
    from .submissions import walk_notebooks

    texts: list[bytes] = []
    try:
        if given.is_dir() and not given.is_symlink():
            for path in walk_notebooks(given)[0][:MAX_LOOKED_AT]:
                if path.is_file() and not path.is_symlink():
                    if path.stat().st_size <= MAX_NOTEBOOK_BYTES:
                        texts.append(path.read_bytes())
        elif given.suffix.lower() == ".zip" and given.is_file():
            with zipfile.ZipFile(given) as zf:
                members = [i for i in zf.infolist() if i.filename.lower().endswith(".ipynb")]
                for info in members[:MAX_LOOKED_AT]:
                    if info.file_size <= MAX_NOTEBOOK_BYTES:
                        with zf.open(info) as fh:
                            texts.append(fh.read(MAX_NOTEBOOK_BYTES + 1))
        elif given.is_file() and not given.is_symlink():
            if given.stat().st_size <= MAX_NOTEBOOK_BYTES:
                texts.append(given.read_bytes())
    except (OSError, zipfile.BadZipFile, ValueError, RuntimeError):
        pass  # unreadable here: grading says what is wrong with it, under some assignment
    votes: Counter = Counter()
    for text in texts[:MAX_LOOKED_AT]:
        try:
            data = json.loads(text[:MAX_NOTEBOOK_BYTES])
        except (ValueError, RecursionError):
            continue
        best = assignments_matching(_cells(data), root)
        if len(best) == 1:
            votes[best[0]] += 1
    return votes


def _ask(names: list[str], why: str) -> course.CourseError:
    return course.CourseError(f"{why}: name one with --assignment NAME ({', '.join(names)})")


def for_paths(paths: list[Path], root: Path) -> dict[str, list[Path]]:
    """The assignment(s) ``grade PATH...`` is about, each with the paths it grades.

    One assignment for all paths, unless the instructor's own paths (rules 1 and 2)
    name several: then each assignment gets the paths that name it.  Raises
    :class:`autograder.course.CourseError` (a one-line usage error) when nothing tells,
    or when only the students' notebooks tell and they disagree.
    """
    names = course.assignment_names(root)
    there = [p for p in paths if os.path.lexists(p)]
    if not there:
        raise course.CourseError(f"nothing to grade: {paths[0]} does not exist")
    if len(there) < len(paths):  # grade names the missing ones; they go where the rest go
        groups = for_paths(there, root)
        first = next(iter(groups))
        groups[first] = [*groups[first], *(p for p in paths if p not in there)]
        return groups
    named = {p: _named_by_path(Path(p), names) for p in paths}
    said = set().union(*named.values()) if named else set()
    if len(said) == 1 or (said and all(named.values())):
        groups: dict[str, list[Path]] = {}
        for path, which in named.items():
            for name in sorted(which or said):
                groups.setdefault(name, []).append(path)
        return groups
    if said:
        unnamed = [str(p) for p, which in named.items() if not which]
        raise _ask(
            names,
            f"the paths name {len(said)} assignments ({', '.join(sorted(said))}) and "
            f"{', '.join(unnamed[:3])} none",
        )
    votes: Counter = Counter()
    for path in paths:
        votes += _said_by_notebooks(Path(path), root)
    if len(votes) == 1:
        return {next(iter(votes)): list(paths)}
    if not votes:
        raise _ask(names, f"the course has {len(names)} assignments and nothing given tells which")
    counts = ", ".join(f"{n} {a}" for a, n in votes.most_common())
    raise _ask(names, f"the notebooks given are of several assignments ({counts})")


def for_notebook(path: Path, root: Path) -> str:
    """The assignment of one notebook (``check NOTEBOOK``): its path, else its cells."""
    return _only(for_paths([path], root), root)


def for_graded(folder: Path, root: Path) -> dict[str, list[Path]]:
    """The assignment(s) a graded folder holds: what its results.json files record
    (``grade`` writes the assignment there), else its path; a folder that ``grade``
    filled per assignment (``--out/<assignment>/``) gives each of them."""
    if not folder.is_dir():
        raise course.CourseError(f"{folder} does not exist (give the folder grade --out wrote)")
    names = course.assignment_names(root)
    recorded = _recorded(folder, names)
    if len(recorded) == 1:
        return {recorded.pop(): [folder]}
    named = course.assignment_in_path(folder, names)
    if named and not recorded:
        return {named: [folder]}
    if recorded:
        raise _ask(names, f"{folder} holds results of {', '.join(sorted(recorded))}")
    inside = {n: [folder / n] for n in names if _recorded(folder / n, names) == {n}}
    if inside:
        return inside
    raise _ask(names, f"nothing in {folder} tells which of the course's assignments it holds")


def _recorded(folder: Path, names: list[str]) -> set[str]:
    """The assignments the results.json files directly below ``folder`` record."""
    recorded: set[str] = set()
    try:
        children = sorted(p for p in folder.iterdir() if p.is_dir() and not p.is_symlink())
    except OSError:
        return recorded
    for child in children:
        try:
            data = json.loads((child / "results.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        name = data.get("assignment") if isinstance(data, dict) else None
        if isinstance(name, str) and name in names:
            recorded.add(name)
    return recorded


def _only(groups: dict[str, list[Path]], root: Path) -> str:
    if len(groups) == 1:
        return next(iter(groups))
    raise _ask(course.assignment_names(root), f"the path fits {', '.join(sorted(groups))}")

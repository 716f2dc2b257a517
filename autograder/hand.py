"""Points graded by hand, merged into a graded folder: ``python -m autograder hand-grades``.

The checks are autograded; an answer nbgrader leaves to a person (a graded solution cell
or a task of the master notebook, :func:`autograder.notebook.master_hand_graded`) is
graded in nbgrader's formgrader, or by whoever reads it, later.  Until those points are
in, the kit's CSVs are out of the autograded points only (31), where nbgrader's export is
out of all of them (33).  This module reads the hand grades from nbgrader's
``gradebook.db`` or from a CSV (a ``student`` column, and a column per hand-graded cell
named by its grade_id), checks every value before anything is written, and records them
in ``DIR/hand_grades.json``; :func:`autograder.results.write_grades_csv` and the report's
``nbgrader_export.csv`` add them to each student's score from then on (``grade`` run
again into DIR keeps them), out of the whole total.

Every refusal is one line (:class:`HandGradeError`): a CSV that is not one, a column
that names no hand-graded cell, a student DIR has no results for, points that are not a
number or lie outside 0 to the cell's points.
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

from . import files
from .notebook import HandGraded, master_hand_graded

#: Where a graded folder keeps its hand grades: student -> {grade_id: points}.
HAND_FILE = "hand_grades.json"


class HandGradeError(ValueError):
    """Hand grades that cannot be merged; ``str`` is the one line a person reads."""


def cells() -> tuple[HandGraded, ...]:
    """The master notebook's hand-graded cells (their grade_ids and points)."""
    return master_hand_graded()


def stored(out: Path) -> dict[str, dict[str, float]]:
    """The hand grades merged into ``out`` so far (none: an empty dict).

    Only numbers of the current hand-graded cells are kept: a file edited by hand, or
    written for an older master notebook, adds nothing it does not fit."""
    try:
        data = json.loads((Path(out) / HAND_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    grades = data.get("grades") if isinstance(data, dict) else None
    if not isinstance(grades, dict):
        return {}
    limits = {c.grade_id: c.points for c in cells()}
    kept: dict[str, dict[str, float]] = {}
    for student, given in grades.items():
        if not isinstance(given, dict):
            continue
        numbers = {
            gid: float(points)
            for gid, points in given.items()
            if gid in limits
            and isinstance(points, (int, float))
            and not isinstance(points, bool)
            and 0 <= points <= limits[gid]
        }
        if numbers:
            kept[str(student)] = numbers
    return kept


def _points(text: str, cell: HandGraded, where: str) -> float:
    """One hand grade, read and checked against the cell's points."""
    try:
        value = float(text)
    except ValueError:
        raise HandGradeError(f"{where}: {text!r} is not a number of points") from None
    if not math.isfinite(value) or value < 0 or value > cell.points:
        raise HandGradeError(
            f"{where}: {text} points for {cell.grade_id}, which is worth 0 to {cell.points:g}"
        )
    return value


def from_csv(path: Path) -> dict[str, dict[str, float]]:
    """Hand grades from a CSV: a ``student`` column and one column per hand-graded cell,
    named by its grade_id; an empty cell is a grade not given yet."""
    wanted = {c.grade_id: c for c in cells()}
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise HandGradeError(f"{path} is not a CSV file (not UTF-8 text)") from None
    except OSError as exc:
        raise HandGradeError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as exc:
        raise HandGradeError(f"{path} is not a readable CSV file ({exc})") from None
    if not rows or "student" not in [h.strip() for h in rows[0]]:
        raise HandGradeError(
            f"{path} has no header row with a 'student' column (expected: student,"
            f"{','.join(wanted)})"
        )
    header = [h.strip() for h in rows[0]]
    unknown = [h for h in header if h != "student" and h not in wanted]
    if unknown or len(set(header)) != len(header):
        raise HandGradeError(
            f"{path}: column {', '.join(unknown) or 'names repeated'} is not a hand-graded "
            f"cell of this assignment (they are: {', '.join(wanted)})"
        )
    grades: dict[str, dict[str, float]] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise HandGradeError(
                f"{path}, line {line}: {len(row)} fields where the header has {len(header)}"
            )
        values = dict(zip(header, (cell.strip() for cell in row)))
        student = values.pop("student")
        if not student:
            raise HandGradeError(f"{path}, line {line}: no student named")
        if student in grades:
            raise HandGradeError(f"{path}, line {line}: {student!r} is listed twice")
        grades[student] = {
            gid: _points(text, wanted[gid], f"{path}, line {line}")
            for gid, text in values.items()
            if text
        }
    return grades


def from_gradebook(path: Path, assignment: str) -> dict[str, dict[str, float]]:
    """Hand grades from nbgrader's gradebook: the manual scores given (in formgrader) to
    the hand-graded cells of ``assignment``'s submissions; a cell nobody graded yet is
    left out."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise HandGradeError(f"cannot read {path}: {exc.strerror or exc}") from None
    if head != b"SQLite format 3\x00":
        raise HandGradeError(f"{path} is not an nbgrader gradebook (not an SQLite database)")
    try:
        from nbgrader.api import Gradebook, MissingEntry
    except ImportError:
        raise HandGradeError(
            "reading a gradebook needs nbgrader (pip install '.[course]')"
        ) from None
    wanted = {c.grade_id: c for c in cells()}
    grades: dict[str, dict[str, float]] = {}
    try:
        with Gradebook(f"sqlite:///{path.resolve()}") as gradebook:
            try:
                found = gradebook.find_assignment(assignment)
            except MissingEntry:
                raise HandGradeError(f"{path} has no assignment {assignment!r}") from None
            for submission in found.submissions:
                given = {}
                for notebook in submission.notebooks:
                    for grade in notebook.grades:
                        cell = wanted.get(grade.name)
                        if cell is None or grade.manual_score is None:
                            continue
                        where = f"{path}: {submission.student.id}"
                        given[grade.name] = _points(str(grade.manual_score), cell, where)
                grades[submission.student.id] = given
    except HandGradeError:
        raise
    except Exception as exc:  # noqa: BLE001 - SQLAlchemy's errors: a damaged or foreign file
        first = (str(exc).splitlines() or [""])[0][:200]
        raise HandGradeError(f"{path} could not be read as a gradebook ({first})") from None
    return grades


def merge(out: Path, new: dict[str, dict[str, float]], known: set[str]) -> dict:
    """Record ``new`` over the hand grades ``out`` holds (student by student, cell by
    cell); every student must be one of ``known`` (those ``out`` has results for)."""
    unknown = sorted(set(new) - known, key=str.casefold)
    if unknown:
        shown = ", ".join(repr(s) for s in unknown[:5]) + (" ..." if len(unknown) > 5 else "")
        raise HandGradeError(
            f"no graded submission in {out} for {len(unknown)} student(s) of the hand grades: "
            f"{shown} (the student column must match grades.csv's)"
        )
    grades = stored(out)
    for student, given in new.items():
        grades.setdefault(student, {}).update(given)
    grades = {s: g for s, g in grades.items() if g}
    text = json.dumps({"grades": grades}, indent=1, sort_keys=True, ensure_ascii=False)
    files.write_file(Path(out) / HAND_FILE, text + "\n", clear=True)
    return grades


def hand_total(grades: dict[str, float]) -> float:
    """A student's points graded by hand so far."""
    return sum(grades.values())


def hand_max() -> float:
    """The points graded by hand in all (2 in the first assignment)."""
    return sum(c.points for c in cells())

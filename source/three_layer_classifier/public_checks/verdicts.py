"""How one check's verdict is printed: ``name ... passed`` or ``name ... FAILED``.

The grading command's ``check`` and nbgrader's test cells (what the student's
kernel prints, and what the judge writes over it) print the same lines, so a
student reads one format wherever the checks run.  This module imports
nothing: :mod:`autograder.nbgrader_cell` is imported in the student's kernel,
where every import is paid by each hidden test cell.
"""

from __future__ import annotations


def format_verdict(
    name: str, passed: bool, output: str, points: tuple[float, float] | None = None
) -> str:
    """The check's line, with ``(score/max_score)`` when ``points`` are given, and
    for a failure its message below, indented to stand apart from the next check."""
    line = f"{name} ... {'passed' if passed else 'FAILED'}"
    if points is not None:
        line += f" ({points[0]:g}/{points[1]:g})"
    if not passed:
        line += "\n   " + output.replace("\n", "\n   ")
    return line


def format_waiting(name: str, reason: str) -> str:
    """The line of a check that could not be judged yet: neither passed nor FAILED, since
    what stops it is another function (``reason`` says which, and what to do)."""
    return f"{name} ... {reason}"

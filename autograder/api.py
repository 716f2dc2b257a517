"""A small Python API: grade one notebook, get its result (for a JupyterHub service or a
course's own script; nbgrader's issue 1371 asks for one).

    >>> from autograder.api import grade_one
    >>> result = grade_one("alice/homework.ipynb")  # doctest: +SKIP
    >>> result["score"], result["max_score"]  # doctest: +SKIP
    (31.0, 31.0)
    >>> [t["name"] for t in result["tests"] if t["status"] == "failed"]  # doctest: +SKIP
    []
    >>> result["feedback_html"]  # doctest: +SKIP
    '/tmp/autograder-one-k2j4/alice/feedback.html'

It grades exactly as ``python -m autograder grade`` does (:func:`autograder.batch.grade_batch`:
the same confined workers, limits, answer key and feedback files), and keeps the fork
server (TensorFlow loaded) of the calling process: the first call pays for TensorFlow's
import, later calls in the same process do not.  The course is found as the command line
finds it (``course=`` or ``AUTOGRADER_COURSE``, else the current folder or one above it);
the assignment is ``assignment=``, else the notebook's path or cells tell it
(:mod:`autograder.infer`).  The current assignment is the process's
(:func:`autograder.course.select`): call it from one thread at a time (a service that
grades several at once runs a process per assignment, or queues the calls).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from . import course


class CannotGrade(RuntimeError):
    """Nothing was graded: the answer key is stale or tampered, the assignment cannot be
    told, or this machine cannot confine student code.  ``str`` is one line."""


def grade_one(
    path: str | Path,
    assignment: str | None = None,
    *,
    course_dir: str | Path | None = None,
    out: str | Path | None = None,
    limits=None,
    unconfined_ok: bool = False,
) -> dict:
    """Grade the notebook at ``path``; its result as a dict.

    The keys: ``score``, ``max_score``, ``tests`` (each check: ``name``, ``score``,
    ``max_score``, ``status``, ``output``, ``visibility``), ``output`` (why it could not be
    graded, notes), as Gradescope's ``results.json`` has them; and ``assignment``,
    ``student``, ``results_json``, ``feedback_html`` and ``feedback_md``: the files written
    under ``out`` (default: a new temporary folder, which the caller may remove).

    A bad notebook is a result (0 points, and why), never an exception; raises
    :class:`CannotGrade` when nothing can be graded at all.  ``limits`` is an
    :class:`autograder.pool.Limits` (default: ``grade``'s defaults); ``unconfined_ok`` as
    ``grade --i-accept-unconfined-student-code``.
    """
    from . import key
    from .batch import confined, grade_batch
    from .pool import Limits
    from .results import gradescope_json
    from .submissions import as_submissions

    path = Path(path)
    chosen = _assignment(path, assignment, course_dir)
    limits = limits or Limits()
    try:
        key.load()
        confined([], limits, {}, 1, unconfined_ok)
    except (key.StaleKey, key.TamperedKey) as exc:
        raise CannotGrade(str(exc)) from None
    except SystemExit as exc:  # the one line confined() says where namespaces are missing
        raise CannotGrade(str(exc)) from None
    folder = Path(out) if out is not None else Path(tempfile.mkdtemp(prefix="autograder-one-"))
    row = as_submissions([path])[0]
    outcome = grade_batch([row], folder, limits, None, False, unconfined_ok=unconfined_ok)
    report = outcome.reports[0]
    where = folder / row.folder
    return gradescope_json(report) | {
        "assignment": chosen.name,
        "student": report.student,
        "results_json": str(where / "results.json"),
        "feedback_html": str(where / "feedback.html"),
        "feedback_md": str(where / "feedback.md"),
    }


def _assignment(path: Path, name: str | None, course_dir) -> course.Assignment:
    """Select the assignment ``path`` is graded as (named, else told by its path or cells)."""
    try:
        root = course._checked_course(Path(course_dir)) if course_dir else course.find_course()
        names = course.assignment_names(root)
        if name is None and len(names) > 1:
            from . import infer

            name = infer.for_notebook(path, root)
        return course.select(name, root)
    except course.CourseError as exc:
        raise CannotGrade(str(exc)) from None


__all__ = ["grade_one", "CannotGrade"]

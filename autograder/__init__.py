"""A grading engine for notebook assignments: checks, a safe judge, nbgrader and CLI front ends.

The engine names no assignment: it reads a course (nbgrader's layout, see
:mod:`autograder.course`), and each assignment's settings, checks and module from there.

Where things are:

* the course and its assignments: :mod:`autograder.course`
* a check's definition (name, points, visibility, probes, hint): :mod:`autograder.checks`
* what an assignment's own module may use: :mod:`autograder.toolkit`
* how answers are compared and mistakes named: :mod:`autograder.compare`
* where student code runs: :mod:`autograder.worker` (in a process from :mod:`autograder.pool`)
* grading one submission: :mod:`autograder.judge`
* where results are written: :mod:`autograder.results`
* the answer key from the reference solution: :mod:`autograder.key`
* nbgrader release and its hidden test cells: :mod:`autograder.release`,
  :mod:`autograder.nbgrader_cell`
"""

__version__ = "0.1.0"

"""A graded TensorFlow assignment kit: checks, a safe judge, nbgrader and CLI front ends.

Where things are:

* a check's definition (name, points, visibility, probes, hint): :mod:`autograder.checks`
* how answers are compared and mistakes named: :mod:`autograder.compare`
* where student code runs: :mod:`autograder.worker` (in a process from :mod:`autograder.pool`)
* grading one submission: :mod:`autograder.judge`
* where results are written: :mod:`autograder.results`
* the answer key from the reference solution: :mod:`autograder.key`
* nbgrader release and its hidden test cells: :mod:`autograder.release`,
  :mod:`autograder.nbgrader_cell`
"""

from pathlib import Path

__version__ = "0.1.0"

#: The repository root (source/, release/, solutions/ live here).
ROOT = Path(__file__).resolve().parent.parent
#: The assignment this kit ships.
ASSIGNMENT = "three_layer_classifier"

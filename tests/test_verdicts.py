"""One format for a check's verdict, wherever it is printed; and a light import for
the kernel, which imports nbgrader_cell in every hidden test cell."""

from __future__ import annotations

import json
import subprocess
import sys

from course_paths import ROOT

from autograder.verdicts import format_verdict


def test_a_pass_is_one_line():
    assert format_verdict("layer: shape", True, "passed") == "layer: shape ... passed"
    assert format_verdict("layer: shape", True, "", (2.0, 2.0)) == "layer: shape ... passed (2/2)"


def test_a_failure_has_its_message_indented_below():
    text = format_verdict("model: output", False, "expected 1\n  hint: relu", (0.0, 1.5))
    assert text == "model: output ... FAILED (0/1.5)\n   expected 1\n     hint: relu"


def test_nbgrader_cell_imports_neither_the_judge_nor_tensorflow():
    probe = (
        "import json, sys, autograder.nbgrader_cell; "
        "print(json.dumps(sorted(m for m in sys.modules "
        "if m.split('.')[0] in ('tensorflow', 'keras', 'nbformat') "
        "or m in ('autograder.judge', 'autograder.pool', 'autograder.cli'))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout) == []

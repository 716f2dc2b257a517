"""The answer key's record of what it was built from, and the public checks' counts.

* A comment-only or blank-line edit of a setup cell of the master notebook changes
  nothing the worker computes, so it leaves the key current; an edit of its code makes
  the key stale (``autograder.key.code_only``).
* ``release`` keeps an answer the previous key holds up to float noise
  (``autograder.key.same_answer``), and nothing beyond it.
* A function with one hidden check says "1 hidden check", as its student reads it.

Each runs for every assignment of the course.
"""

from __future__ import annotations

import base64
import copy
import os
import subprocess
import sys

import numpy as np
import pytest
from course_paths import ROOT

from autograder import course, key
from autograder.notebook import is_setup, read_notebook

ASSIGNMENTS = sorted(p.parent.name for p in (ROOT / "source").glob("*/checks.toml"))


@pytest.fixture(params=ASSIGNMENTS)
def assignment(request):
    course.select(request.param, str(ROOT))
    return request.param


def _edited(source, edit):
    """The master notebook with ``edit`` applied to the source of every setup code cell."""
    notebook = copy.deepcopy(source)
    cells = [c for c in notebook.cells if c.cell_type == "code" and is_setup(c)]
    assert cells, "the master notebook has setup cells"
    for cell in cells:
        cell.source = edit(cell.source)
    return notebook


def _commented(text: str) -> str:
    """``text`` with comments added (a line of its own at the top, one after the end of
    every logical line) and blank lines: the edit an instructor's note makes."""
    import io
    import tokenize

    lines = text.splitlines(keepends=True)
    ends = [
        t.start
        for t in tokenize.generate_tokens(io.StringIO(text).readline)
        if t.type == tokenize.NEWLINE and t.string  # a statement's end, not the file's
    ]
    for row, col in reversed(ends):
        line = lines[row - 1]
        lines[row - 1] = line[:col] + "  # a note, changed" + line[col:]
    return "# an instructor's note\n\n" + "".join(lines) + "\n\n# the end\n"


def test_a_comment_in_a_setup_cell_leaves_the_key_current(assignment):
    master = read_notebook(course.current().master)
    key.ensure_current()  # the committed key fits the kit
    commented = _edited(master, _commented)
    assert commented.cells != master.cells
    assert key.built_from(commented) == key.built_from(master)
    key.ensure_current(source=commented)


def test_a_code_edit_of_a_setup_cell_makes_the_key_stale(assignment):
    master = read_notebook(course.current().master)
    changed = _edited(master, lambda s: s + "\nextra_setting = 1\n")
    with pytest.raises(key.StaleKey, match="setup cells"):
        key.ensure_current(source=changed)


def _array(values, dtype="float32") -> dict:
    raw = np.asarray(values, dtype=dtype)
    return {"nd": dtype, "shape": list(raw.shape), "b64": base64.b64encode(raw.tobytes()).decode()}


def test_release_keeps_an_answer_only_within_float_noise():
    kept = {"value": _array([0.5, -2.0, 1e-3]), "losses": [0.25, 0.125], "error": None}
    ulp = np.nextafter(np.float32([0.5, -2.0, 1e-3]), np.float32(10))  # one float32 ulp up
    noisy = {"value": _array(ulp), "losses": [0.25 + 1e-9, 0.125], "error": None}
    assert key.same_answer(kept, noisy)
    far = {"value": _array([0.5, -2.0, 1e-3 + 1e-5]), "losses": [0.25, 0.125], "error": None}
    assert not key.same_answer(kept, far)  # 1e-5 away: another answer, recomputed
    assert not key.same_answer(kept, {**noisy, "losses": [0.25, 0.125 + 1e-4]})
    assert not key.same_answer(kept, {**noisy, "value": _array([0.5, -2.0, 1e-3], "float64")})
    assert not key.same_answer(kept, {**noisy, "value": _array([[0.5, -2.0, 1e-3]])})
    assert not key.same_answer(
        {"value": _array([1, 2], "int32")}, {"value": _array([1, 3], "int32")}
    )
    assert not key.same_answer(kept, {**noisy, "error": "boom"})


def test_one_hidden_check_is_one_check_in_the_public_checks_output(assignment):
    """Run the release's public checks on the solved function, as the student's cell does."""
    here = course.current()
    counts = __import__("json").loads(
        (ROOT / "release" / assignment / "public_checks" / "data.json").read_text()
    )["hidden_counts"]
    function = next(f for f, n in counts.items() if n == 1 and f != "final_accuracy")
    solved = read_notebook(here.solved)
    cells = [c.source for c in solved.cells if c.cell_type == "code" and is_setup(c)]
    mine = [
        c.source for c in solved.cells if c.metadata.get("nbgrader", {}).get("grade_id") == function
    ]
    program = "\n".join(
        [
            "import sys",
            f"sys.path.insert(0, {str(ROOT / 'release' / assignment)!r})",
            "from public_checks import check",
            "ns = {}",
            f"exec(compile({chr(10).join(cells + mine)!r}, 'cells', 'exec'), ns)",
            f"check({function!r}, ns)",
        ]
    )
    env = dict(os.environ, MPLBACKEND="Agg", TF_CPP_MIN_LOG_LEVEL="3")
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "(the grader also runs 1 hidden check)." in done.stdout, done.stdout
    assert "1 hidden checks" not in done.stdout

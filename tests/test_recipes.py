"""The README's instructor recipes "add a check" and "add a graded function", followed in a
copy of the course: only the assignment's folder and its reference change, ``release``
runs once (this checkout's engine, unchanged), and grading shows both took effect.

(Recipe "change a setting" is tests/test_course.py's width test; "add an assignment" is
tests/test_installed.py grading every assignment's solved notebook.)
"""

from __future__ import annotations

import copy
import json
import shutil

import nbformat
import pytest
from course_paths import ASSIGNMENT
from test_course import copy_course, run_engine

pytestmark = pytest.mark.slow

#: Recipe 2: a hidden check with an existing maker and assertion kind.
ADDED_CHECK = """
[[check]]
grade_id = "square_loss"
title = "zero when the predictions are the targets' own noise-free copy"
points = 2
public = false
hint = "Average the squared differences: equal arrays give 0."
probes = [{ make = "square_loss", seed = 4242, n = 9, spread = 0.0 }]
assertions = [{ kind = "value", scalar = true }]
"""

#: Recipe 3: a new graded function, its reference, its probe maker and its check.
FUNCTION = "count_positive"
REFERENCE = '''

def count_positive(outputs):
    """How many outputs are above 0.5 (the samples the model calls class 1)."""
    return int(np.sum(np.asarray(outputs) > 0.5))
'''
MAKER = '''

def _count_positive(seed: int, n: int) -> wire.Probe:
    """count_positive(outputs) on n values around 0.5."""
    return call("count_positive", arr(rng(seed).normal(0.5, 0.4, size=(n, 1))))


PROBE_MAKERS["count_positive"] = _count_positive
SEED_KEYS["count_positive"] = ("seed",)
'''
FUNCTION_CHECK = """
[[check]]
grade_id = "count_positive"
title = "counts the outputs above 0.5"
points = 2
public = true
hint = "Compare with 0.5, then count the True values."
probes = [{ make = "count_positive", seed = 5, n = 40 }]
assertions = [{ kind = "value", scalar = true }]
"""


def _add_function_cells(master) -> None:
    """A solution cell and a test cell for the new function, after shuffle_together's."""
    notebook = nbformat.read(str(master), as_version=4)
    index = {
        c.metadata.get("nbgrader", {}).get("grade_id"): i for i, c in enumerate(notebook.cells)
    }
    solution = copy.deepcopy(notebook.cells[index["shuffle_together"]])
    test = copy.deepcopy(notebook.cells[index["test_shuffle_together"]])
    solution.metadata["nbgrader"]["grade_id"] = FUNCTION
    solution.source = (
        "def count_positive(outputs):\n    ### BEGIN SOLUTION\n"
        "    return int(np.sum(np.asarray(outputs) > 0.5))\n    ### END SOLUTION"
    )
    test.metadata["nbgrader"]["grade_id"] = f"test_{FUNCTION}"
    test.source = test.source.replace("shuffle_together", FUNCTION)
    at = index["test_shuffle_together"] + 1
    notebook.cells[at:at] = [solution, test]
    if "id" in solution:  # nbformat 4.5: cell ids are unique
        solution["id"], test["id"] = "count-positive", "test-count-positive"
    nbformat.write(notebook, str(master))


@pytest.fixture(scope="module")
def course_with_recipes(tmp_path_factory):
    kit = copy_course(tmp_path_factory.mktemp("recipes"))
    folder = kit / "source" / ASSIGNMENT
    # A course without a translated edition: with one, the new titles and hints need their
    # translation too (release refuses an edition that lacks any), in locale/checks.ko.po.
    shutil.rmtree(folder / "locale")
    checks = folder / "checks.toml"
    checks.write_text(checks.read_text() + ADDED_CHECK + FUNCTION_CHECK)
    settings = folder / "assignment.toml"
    text = settings.read_text()
    settings.write_text(
        text.replace('    "shuffle_together",\n]', f'    "shuffle_together",\n    "{FUNCTION}",\n]')
    )
    (folder / "grading.py").write_text((folder / "grading.py").read_text() + MAKER)
    reference = kit / "solutions" / ASSIGNMENT / "reference.py"
    reference.write_text(reference.read_text() + REFERENCE)
    _add_function_cells(folder / f"{ASSIGNMENT}.ipynb")
    done = run_engine(kit, "release", assignment=ASSIGNMENT)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return kit


def _grade(kit, notebook, out) -> dict:
    done = run_engine(
        kit, "grade", str(notebook), "--out", str(out), "--quiet", assignment=ASSIGNMENT
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    (result,) = out.glob("*/results.json")
    return {t["name"]: t for t in json.loads(result.read_text())["tests"]}


def test_an_added_check_is_graded(course_with_recipes, tmp_path):
    kit = course_with_recipes
    solved = kit / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    tests = _grade(kit, solved, tmp_path / "graded")
    added = tests["square_loss: zero when the predictions are the targets' own noise-free copy"]
    assert added["status"] == "passed" and added["max_score"] == 2
    assert all(t["status"] == "passed" for t in tests.values())


def test_an_added_function_is_graded_on_its_own(course_with_recipes, tmp_path):
    kit = course_with_recipes
    solved = kit / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    released = kit / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in _cells(released)]
    assert FUNCTION in ids and f"test_{FUNCTION}" in ids
    full = _grade(kit, solved, tmp_path / "full")
    assert full[f"{FUNCTION}: counts the outputs above 0.5"]["status"] == "passed"
    # a wrong count loses the new function's points, and only those
    notebook = nbformat.read(str(solved), as_version=4)
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == FUNCTION:
            cell.source = cell.source.replace("> 0.5", ">= 0.0")
    wrong = tmp_path / "wrong.ipynb"
    nbformat.write(notebook, str(wrong))
    graded = _grade(kit, wrong, tmp_path / "wrong")
    failed = {n for n, t in graded.items() if t["status"] != "passed"}
    assert failed == {f"{FUNCTION}: counts the outputs above 0.5"}, failed


def _cells(path):
    return nbformat.read(str(path), as_version=4).cells

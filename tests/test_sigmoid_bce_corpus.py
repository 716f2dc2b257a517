"""The second assignment's grades are right: sigmoid_bce_classifier's corpus, graded by the
real engine with no code of its own but the assignment's folder.

Every entry of ``tests/corpus/sigmoid_bce_classifier/`` becomes a notebook (its solved
notebook with the entry's cells swapped in) and is graded by ``grade_paths`` in worker
processes with real TensorFlow. A correct alternative gets full marks; a mistake loses
points on its own function only, with a failed check that says what its header says; and
each mistake of the assignment's own catalogue (``grading.py``'s ``MISTAKES``, loaded by
the engine as the assignment module) is named on the submission that makes it, and on no
other submission of the same function.
"""

from __future__ import annotations

import ast
import os

import pytest
from corpus_tools import entries, materialize

from autograder import course
from autograder.batch import grade_paths
from autograder.pool import Limits

NAME = "sigmoid_bce_classifier"
MISTAKES = entries("mistakes", NAME)
CORRECT = entries("correct", NAME)
NAMED = [e for e in MISTAKES if e.diagnosis]


def catalogue() -> dict[str, str]:
    """The assignment's own mistake catalogue: name -> the sentence a message carries."""
    return course.find(NAME).module.MISTAKES


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Every entry graded once, with this assignment selected (and the previous one back after)."""
    saved = os.environ.get(course.ASSIGNMENT_ENV)
    os.environ[course.ASSIGNMENT_ENV] = NAME
    try:
        out = tmp_path_factory.mktemp("sigmoid_bce_corpus")
        subs = out / "submissions"
        subs.mkdir()
        paths = []
        for kind, group in (("mistakes", MISTAKES), ("correct", CORRECT)):
            for entry in group:
                path = materialize(entry, subs)
                paths.append(path.rename(subs / f"{kind}-{path.name}"))
        reports = grade_paths(paths, out / "graded", Limits(), jobs=2, progress=False)
    finally:
        if saved is None:
            os.environ.pop(course.ASSIGNMENT_ENV, None)
        else:
            os.environ[course.ASSIGNMENT_ENV] = saved
    return {r.submission.removesuffix(".ipynb"): r for r in reports}


def _failures(report) -> str:
    return "\n".join(f"- {r.name}: {r.output}" for r in report.results if not r.passed)


def _own_failures(report, grade_id: str) -> str:
    return "\n".join(r.output for r in report.results if not r.passed and r.grade_id == grade_id)


def test_corpus_covers_every_function_and_the_catalogue():
    functions = set(course.find(NAME).functions)
    assert len(CORRECT) >= 6 and len(MISTAKES) >= 7
    assert {e.cells[0][1] for e in CORRECT} == functions, "a correct alternative per function"
    assert {e.loses[0] for e in MISTAKES} == functions, "a mistake per function"
    named = {e.diagnosis for e in NAMED}
    assert named == set(catalogue()), (
        f"catalogue without a submission: {sorted(set(catalogue()) - named)}; "
        f"diagnoses not in the catalogue: {sorted(named - set(catalogue()))}"
    )


@pytest.mark.slow
@pytest.mark.parametrize("entry", CORRECT, ids=lambda e: e.name)
def test_correct_alternative_gets_full_marks(graded, entry):
    report = graded[f"correct-{entry.name}"]
    assert report.max_score == 15
    assert report.score == report.max_score, f"{entry.why}\n{_failures(report)}"


@pytest.mark.slow
@pytest.mark.parametrize("entry", MISTAKES, ids=lambda e: e.name)
def test_mistake_loses_points_on_its_own_function(graded, entry):
    report = graded[f"mistakes-{entry.name}"]
    lost = {r.grade_id for r in report.results if not r.passed}
    assert entry.loses[0] in lost, f"{entry.why}: expected {entry.loses[0]} to lose points"
    assert lost <= set(entry.loses), (
        f"{entry.why}: points lost on {sorted(lost - set(entry.loses))} too\n{_failures(report)}"
    )
    assert entry.message.lower() in _own_failures(report, entry.loses[0]).lower(), (
        f"no failed {entry.loses[0]} check says {entry.message!r}:\n{_failures(report)}"
    )


@pytest.mark.slow
@pytest.mark.parametrize("entry", NAMED, ids=lambda e: e.name)
def test_named_mistake_is_the_diagnosis(graded, entry):
    said = _own_failures(graded[f"mistakes-{entry.name}"], entry.loses[0]).lower()
    assert catalogue()[entry.diagnosis].lower() in said, (
        f"{entry.name} makes {entry.diagnosis!r} but its failed checks say:\n{said}"
    )
    for other in NAMED:
        if other is entry or other.loses[0] != entry.loses[0]:
            continue
        assert catalogue()[other.diagnosis].lower() not in said, (
            f"{entry.name} makes {entry.diagnosis!r} but is told {other.diagnosis!r}:\n{said}"
        )


def test_assignment_module_functions_are_short():
    """The assignment's code keeps the engine's bar (tests/test_package_shape.py): about 60
    lines a function at most."""
    path = course.find(NAME).module_path
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.FunctionDef) and node.end_lineno - node.lineno + 1 > 65
    ]
    assert not long, long


@pytest.mark.slow
@pytest.mark.parametrize("entry", MISTAKES, ids=lambda e: e.name)
def test_no_mistake_here_is_told_its_learning_rate_is_off(graded, entry):
    """None of these mistakes touches the learning rate: a step of another loss (MSE) moves
    the one-element b3 by some multiple of the reference's step, as any two single numbers
    are, and was told "took a step of 0.0149 x gradient, but learning_rate is 0.1"."""
    said = _failures(graded[f"mistakes-{entry.name}"])
    assert "but learning_rate is" not in said, said

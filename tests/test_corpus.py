"""Grades are right: correct alternatives get full marks, each mistake loses its own points.

Every entry of ``tests/corpus/`` is turned into a real notebook (the solved one
with the student's cells swapped in) and graded by the real grading command,
with real TensorFlow in worker processes.
"""

from __future__ import annotations

import pytest
from corpus_tools import entries, materialize

from autograder.batch import grade_paths
from autograder.pool import Limits

MISTAKES = entries("mistakes")
CORRECT = entries("correct")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    out = tmp_path_factory.mktemp("corpus")
    subs = out / "submissions"
    subs.mkdir()
    paths = []
    for kind, group in (("mistakes", MISTAKES), ("correct", CORRECT)):
        for entry in group:
            path = materialize(entry, subs)
            paths.append(path.rename(subs / f"{kind}-{path.name}"))
    reports = grade_paths(paths, out / "graded", Limits(), jobs=2, progress=False)
    return {r.submission.removesuffix(".ipynb"): r for r in reports}


def _failures(report) -> str:
    return "\n".join(f"- {r.name}: {r.output}" for r in report.results if not r.passed)


@pytest.mark.slow
@pytest.mark.parametrize("entry", CORRECT, ids=lambda e: e.name)
def test_correct_alternative_gets_full_marks(graded, entry):
    report = graded[f"correct-{entry.name}"]
    assert report.score == report.max_score, f"{entry.why}\n{_failures(report)}"


@pytest.mark.slow
@pytest.mark.parametrize("entry", MISTAKES, ids=lambda e: e.name)
def test_mistake_loses_points_on_its_own_function(graded, entry):
    report = graded[f"mistakes-{entry.name}"]
    lost = {r.grade_id for r in report.results if not r.passed}
    assert entry.loses, f"{entry.path.name} must say which grade_ids it loses"
    assert entry.loses[0] in lost, f"{entry.why}: expected {entry.loses[0]} to lose points"
    assert lost <= set(entry.loses), (
        f"{entry.why}: points lost on {sorted(lost - set(entry.loses))} too\n{_failures(report)}"
    )
    outputs = [r.output.lower() for r in report.results if r.grade_id == entry.loses[0]]
    assert any(entry.message.lower() in o for o in outputs), (
        f"no failed {entry.loses[0]} check says {entry.message!r}:\n{_failures(report)}"
    )


def test_corpus_is_large_enough():
    assert len(MISTAKES) >= 30
    assert len(CORRECT) >= 8

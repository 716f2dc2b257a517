"""The named mistake is the real one: each mistake of the catalogue names its own submission.

Every mistake of the assignment's catalogue (``source/<assignment>/catalogue.py``) has a
corpus submission that makes exactly that mistake (its header says ``# diagnosis:
<name>``).  The submissions are graded by the real grading command (worker processes,
real TensorFlow); the failed check of the submission's function must name its mistake,
and no other submission of the same function may be given that mistake's name (a
neighbour's diagnosis winning over the specific one is what this test is for: a
raw-output accuracy used to be told it "ignores its arguments").
"""

from __future__ import annotations

import pytest
from corpus_tools import entries, materialize

from autograder.batch import grade_paths
from autograder.checks import registry
from autograder.mistakes import diagnosis_order
from autograder.pool import Limits

#: The assignment's catalogue (registry() also makes it the one autograder.mistakes tries).
MISTAKES = registry().assignment.catalogue.MISTAKES

NAMED = [e for e in entries("mistakes") if e.diagnosis]


def test_every_catalogue_mistake_has_a_submission():
    named = {e.diagnosis for e in NAMED}
    assert not named - set(MISTAKES), f"unknown diagnoses {sorted(named - set(MISTAKES))}"
    assert set(MISTAKES) <= named, f"no corpus submission makes {sorted(set(MISTAKES) - named)}"


def test_inferred_mistakes_are_tried_last():
    order = diagnosis_order(["ignores_arguments", "no_threshold", "stale_weights", "negated"])
    assert order == ["no_threshold", "negated", "ignores_arguments", "stale_weights"]


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> dict[str, str]:
    """Each named submission's failed outputs for its own function, lower-cased."""
    out = tmp_path_factory.mktemp("named")
    paths = [materialize(e, out) for e in NAMED]
    reports = grade_paths(paths, out / "graded", Limits(), jobs=2, progress=False)
    by_name = {r.submission.removesuffix(".ipynb"): r for r in reports}
    texts = {}
    for e in NAMED:
        failed = [r for r in by_name[e.name].results if not r.passed]
        texts[e.name] = "\n".join(r.output for r in failed if r.grade_id == e.loses[0]).lower()
    return texts


@pytest.mark.slow
@pytest.mark.parametrize("entry", NAMED, ids=lambda e: e.name)
def test_named_mistake_is_the_diagnosis(outputs, entry):
    text = MISTAKES[entry.diagnosis][0]
    assert text.lower() in outputs[entry.name], (
        f"{entry.name} makes {entry.diagnosis!r} but its failed checks say:\n{outputs[entry.name]}"
    )
    for other in NAMED:
        other_text = MISTAKES[other.diagnosis][0]
        if other is entry or other.loses[0] != entry.loses[0] or other_text == text:
            continue
        assert other_text.lower() not in outputs[entry.name], (
            f"{entry.name} makes {entry.diagnosis!r} but is told {other.diagnosis!r}:\n"
            f"{outputs[entry.name]}"
        )

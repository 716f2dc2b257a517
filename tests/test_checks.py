"""The check definitions themselves: names, points, and probes that test what they claim."""

from __future__ import annotations

import numpy as np

from autograder import key
from autograder.checks import FINAL, GRADE_IDS, REGISTRY, points_by_grade_id


def _outputs(check):
    answer_key = key.load()
    for probe in check.probes:
        expected = answer_key.expected(probe)
        yield np.asarray(expected.get("model_outputs", expected.get("value")), dtype=float)


def test_names_start_with_the_grade_id_and_are_unique():
    names = [c.name for c in REGISTRY]
    assert len(names) == len(set(names))
    for c in REGISTRY:
        assert c.name.startswith(f"{c.grade_id}: ")
        assert c.grade_id in GRADE_IDS and c.points > 0 and c.hint


def test_every_function_has_public_and_hidden_checks():
    for grade_id in GRADE_IDS:
        mine = [c for c in REGISTRY if c.grade_id == grade_id]
        assert any(not c.public for c in mine), grade_id
        if grade_id != FINAL:
            assert any(c.public for c in mine), grade_id
    assert sum(points_by_grade_id().values()) == sum(c.points for c in REGISTRY)


def test_probes_promising_wide_outputs_have_them():
    """A check named 'outputs below 0 and above 1.5' must really see such outputs."""
    for c in REGISTRY:
        if "below 0 and above 1.5" in c.title:
            for out in _outputs(c):
                assert out.min() < 0 and out.max() > 1.5, (c.name, out.min(), out.max())


def test_accuracy_probes_see_both_classes():
    """Outputs on both sides of 0.5, else a wrong threshold could pass by luck."""
    for c in REGISTRY:
        if c.grade_id == "my_accuracy":
            for out in _outputs(c):
                share = float(np.mean(out > 0.5))
                assert 0.15 <= share <= 0.85, (c.name, share)


def test_public_checks_only_use_shipped_assertions():
    from autograder.compare import ASSERTIONS

    for c in REGISTRY:
        if c.public:
            assert all(a["kind"] in ASSERTIONS for a in c.assertions), c.name

"""The check definitions themselves: names, points, and probes that test what they claim."""

from __future__ import annotations

import numpy as np
import pytest

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


def test_an_assertion_with_a_misspelt_key_is_refused_when_registered():
    from autograder.checks import validate_assertions

    with pytest.raises(ValueError, match="does not read \\['dignose'\\]"):
        validate_assertions("layer: x", [{"kind": "value", "dignose": ["no_bias"]}], 1)
    with pytest.raises(ValueError, match="unknown assertion kind 'valeu'"):
        validate_assertions("layer: x", [{"kind": "valeu"}], 1)
    with pytest.raises(ValueError, match="probe 3, of 2"):
        validate_assertions("layer: x", [{"kind": "value", "probe": 3}], 2)
    validate_assertions("layer: x", [{"kind": "value", "diagnose": ["no_bias"]}], 1)


def test_the_judges_own_assertions_are_the_ones_checks_allow():
    from autograder.checks import JUDGE_ASSERTION_KEYS
    from autograder.judge import JUDGE_ONLY

    assert set(JUDGE_ASSERTION_KEYS) == set(JUDGE_ONLY)


def test_every_registered_check_builds_with_valid_assertions():
    """Checks are built on first use (never at import); building them all here is what
    refuses a misspelt assertion key before any grading."""
    for c in REGISTRY:
        assert c.probes and c.assertions, c.name


def test_the_fork_server_and_its_workers_never_import_the_check_registry():
    """What the fork server imports, every worker inherits: probes and held-out data
    must stay in the judge. A fresh interpreter importing what it preloads shows it."""
    import subprocess
    import sys

    code = (
        "import sys, autograder._preload, autograder.pool, autograder.worker;"
        "print('autograder.checks' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False", done.stdout + done.stderr

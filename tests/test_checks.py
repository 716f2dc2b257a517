"""The check definitions themselves: names, points, and probes that test what they claim."""

from __future__ import annotations

import numpy as np
import pytest

from autograder import key
from autograder.checks import GRADE_IDS, REGISTRY, points_by_grade_id, registry

FINAL = "final_accuracy"


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
    from autograder.judge import judge_only

    kinds = {a["kind"] for c in REGISTRY for a in c.assertions}
    assert set(judge_only()) == {"gradient", "accuracy"} <= kinds


def test_every_registered_check_makes_its_probes():
    """Probes are made on first use (never at import); making them all here shows that
    every maker named in checks.toml works with the arguments it is given."""
    for c in REGISTRY:
        assert len(c.probes) == len(c.probe_specs) > 0 and c.assertions, c.name
        assert all(p.get("call") or p.get("train") for p in c.probes), c.name


_ONE = """
[mistakes]
loss = ["sum_not_mean", "root"]

[[check]]
grade_id = "square_loss"
title = "mean of the squared differences"
points = 1
public = true
hint = "Square, then average."
probes = [{ make = "square_loss", seed = 32, n = 8, spread = 0.6 }]
assertions = [{ kind = "value", scalar = true, diagnose = ["halved", "loss"] }]
"""


def _load(tmp_path, text: str):
    from autograder.checks import load

    path = tmp_path / "checks.toml"
    path.write_text(text)
    r = registry()
    return load(path, r.assignment, r.module)


def test_checks_toml_is_read_with_mistake_groups_expanded(tmp_path):
    (only,) = _load(tmp_path, _ONE)
    assert only.name == "square_loss: mean of the squared differences" and only.points == 1.0
    assert only.assertions[0]["diagnose"] == ["halved", "sum_not_mean", "root"]
    assert only.probes[0]["call"] == "square_loss"


@pytest.mark.parametrize(
    "change, message",
    [
        (('make = "square_loss"', 'make = "square_los"'), "no probe maker 'square_los'"),
        (("spread = 0.6", "sperad = 0.6"), "missing a required argument: 'spread'"),
        (('"halved"', '"halfed"'), "no mistake called \\['halfed'\\]"),
        (("scalar = true", "scaler = true"), "does not read \\['scaler'\\]"),
        (('grade_id = "square_loss"', 'grade_id = "squareloss"'), "unknown grade_id"),
        (("points = 1\n", "pionts = 1\n"), "missing \\['points'\\], unknown \\['pionts'\\]"),
    ],
)
def test_a_mistake_in_checks_toml_is_refused_with_the_checks_name(tmp_path, change, message):
    with pytest.raises(ValueError, match=message) as refused:
        _load(tmp_path, _ONE.replace(*change))
    assert "mean of the squared differences" in str(refused.value)


def test_the_final_checks_settings_agree_with_the_constants():
    FINAL_MIN_ACCURACY = registry().module.FINAL_MIN_ACCURACY  # noqa: N806

    (final,) = [c for c in REGISTRY if c.grade_id == FINAL]
    assert final.assertions == [{"kind": "accuracy", "min": FINAL_MIN_ACCURACY}]
    assert str(FINAL_MIN_ACCURACY) in final.title and "{" not in final.hint


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


def test_checks_run_in_notebook_order_and_substitute_only_functions_graded_before():
    """The worker never holds a reference function while the student's version of it is
    graded: a probe substitutes only functions whose checks all came earlier."""
    order = [GRADE_IDS.index(c.grade_id) for c in REGISTRY]
    assert order == sorted(order), [c.grade_id for c in REGISTRY]
    for i, c in enumerate(REGISTRY):
        later = {d.grade_id for d in REGISTRY[i:]}
        for spec, probe in zip(c.probe_specs, c.probes):
            assert not set(probe.get("substitute", [])) & later, (c.name, spec)


def test_checks_load_the_same_where_python_has_no_tomllib():
    """Python 3.10 (Gradescope's Ubuntu 22.04 image) has no tomllib: the checks are read
    with tomli there. A fresh interpreter that cannot import tomllib shows the fallback."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "class NoTomllib:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'tomllib': raise ModuleNotFoundError(name)\n"
        "sys.meta_path.insert(0, NoTomllib())\n"
        "from autograder.checks import REGISTRY, tomllib\n"
        "print(tomllib.__name__, len(REGISTRY), [c.name for c in REGISTRY][-1])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[:2] == ["tomli", str(len(REGISTRY))], done.stdout
    assert done.stdout.strip().endswith(REGISTRY[-1].name)


def test_the_readmes_example_check_is_a_real_check(tmp_path):
    """The README shows instructors a check as checks.toml writes it: it must load, and be
    the registered check of that name, so the example cannot drift from the file."""
    import re

    from course_paths import ROOT

    (example,) = re.findall(r"```toml\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    (shown,) = _load(tmp_path, example)
    (registered,) = [c for c in REGISTRY if c.name == shown.name]
    assert shown == registered

"""The reference solution, the answer key and the final-accuracy check's robustness."""

from __future__ import annotations

import numpy as np
import pytest

from autograder import checks, key, wire
from autograder.compare import decode_answer
from autograder.judge import forward_trained
from autograder.notebook import read_notebook, reference_cells, reference_sources, source_path
from autograder.pool import Limits, Session

#: The assignment's own module (its probe makers and settings).
grading = checks.registry().module


@pytest.fixture(scope="module")
def reference_session():
    session = Session(
        reference_cells(read_notebook(source_path())), reference_sources(), Limits(memory_mb=0)
    )
    yield session
    session.close()


def _accuracy(reply: dict, probe: dict) -> float:
    """As the judge scores it: the trained variables, on the held-out set it keeps."""
    held_out = probe[grading.JUDGE_ONLY]
    out = forward_trained(decode_answer(reply), wire.from_plain(held_out["x_test"]))
    y = np.asarray(wire.from_plain(held_out["y_test"]))
    return float(np.mean((out > 0.5) == (y > 0.5)))


def _blog_init(seed: int, width: int) -> dict:
    """The blog's initialisation: every weight uniform in [0, 1), zero biases."""
    r = np.random.default_rng(seed)
    dims = (2, width, width, 1)
    values = {}
    for k in range(3):
        values[f"W{k + 1}"] = grading.arr(r.uniform(0, 1, size=(dims[k], dims[k + 1])))
        values[f"b{k + 1}"] = grading.arr(np.zeros(dims[k + 1]))
    return values


@pytest.mark.slow
def test_reference_passes_every_grader_seed_with_a_margin(reference_session):
    """Not seed luck: the grader's training passes for 50 seeds, with accuracy >= 0.98."""
    seeds = [grading.FINAL_SEED] + [1000 + 17 * k for k in range(49)]
    accuracies = []
    for seed in seeds:
        probe = grading.train_probe(seed)
        reply = reference_session.ask(probe, timeout=120)
        assert reply["error"] is None, reply["error"]
        accuracies.append(_accuracy(reply, probe))
    print(
        f"reference accuracy over {len(seeds)} grader seeds: min {min(accuracies):.4f}, "
        f"median {np.median(accuracies):.4f}"
    )
    assert min(accuracies) >= 0.98 - 1e-9  # the notebook states "at least 98%"


@pytest.mark.slow
def test_the_blogs_uniform_init_would_make_grades_seed_luck(reference_session):
    """Why the grader chooses its initial weights: with the blog's uniform [0, 1) init at
    width 2, the same training of the *reference* fails for a good share of seeds."""
    passed = 0
    seeds = range(20)
    for seed in seeds:
        probe = grading.train_probe(3000 + seed)
        probe["variables"] = _blog_init(seed, width=2)
        reply = reference_session.ask(probe, timeout=120)
        passed += _accuracy(reply, probe) >= grading.FINAL_MIN_ACCURACY
    print(f"blog init, width 2: {passed} of {len(seeds)} seeds reach 0.95")
    assert passed < len(seeds)


@pytest.mark.slow
def test_committed_answer_key_matches_the_reference():
    fresh = key.compute_answers()
    committed = key.load().answers
    assert set(fresh) == set(committed), "stale answer key: run `python -m autograder release`"
    for digest, reply in fresh.items():
        a, b = decode_answer(reply), decode_answer(committed[digest])
        for field in ("value", "loss_after", "model_outputs"):
            _assert_close(a.get(field), b.get(field), digest)
        for name, value in (a.get("after") or {}).items():
            _assert_close(value, b["after"][name], digest)


def _assert_close(x, y, where):
    if isinstance(x, list):
        assert isinstance(y, list) and len(x) == len(y), where
        for p, q in zip(x, y):
            _assert_close(p, q, where)
    elif x is None:
        assert y is None, where
    else:
        np.testing.assert_allclose(np.asarray(x, float), np.asarray(y, float), rtol=1e-5, atol=1e-6)


def test_every_probe_has_an_answer():
    answer_key = key.load()
    for c in checks.REGISTRY:
        for probe in c.probes:
            answer_key.expected(probe)  # raises StaleKey when missing

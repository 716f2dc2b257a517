"""What training_step's update check says about a step of the wrong length (numbers only:
the helpers of autograder/compare.py judge plain arrays)."""

from __future__ import annotations

import numpy as np

from autograder.compare import _scaled_steps, _step_problem

REFERENCE = {
    "W": np.array([[0.2, -0.1], [0.05, 0.3]]),
    "b": np.array([0.4, -0.2]),
    "c": np.array([0.7]),
}


def _said(steps: dict[str, np.ndarray], lr: float = 0.1) -> str:
    scaled, words = {}, []
    for name, d_got in steps.items():
        problem = _step_problem(d_got, REFERENCE[name])
        if isinstance(problem, float):
            scaled[name] = (problem, d_got.size)
        else:
            words.append(problem[0])
    return " | ".join(words + [w for _, w, _ in _scaled_steps(scaled, lr)])


def test_one_learning_rate_for_every_variable_is_named():
    said = _said({name: 0.5 * step for name, step in REFERENCE.items()})
    assert "took a step of 0.05 x gradient, but learning_rate is 0.1" in said


def test_a_fixed_point_one_is_named_when_the_rate_was_another():
    said = _said({name: 0.5 * step for name, step in REFERENCE.items()}, lr=0.2)
    assert "do not fix 0.1" in said


def test_a_single_number_alone_says_nothing_of_the_learning_rate():
    said = _said({"c": 0.149 * REFERENCE["c"]})
    assert said == "was updated by the wrong amount"


def test_steps_scaled_by_different_factors_are_not_a_learning_rate():
    said = _said({"W": 0.3 * REFERENCE["W"], "b": 2.0 * REFERENCE["b"], "c": 0.5 * REFERENCE["c"]})
    assert "learning_rate" not in said
    assert said.count("wrong amount") == 3


def test_no_step_and_an_uphill_step_keep_their_own_words():
    assert "was not updated" in _said({"W": np.zeros((2, 2))})
    assert "moved uphill" in _said({"b": -REFERENCE["b"]})

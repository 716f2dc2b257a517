"""The small, stable toolkit an assignment's ``grading.py`` imports from the engine.

An assignment's module (``source/<assignment>/grading.py``) is loaded by path at run time
(:mod:`autograder.course`) and imports this module only, never the engine's registry: the
arrows point one way, from the assignment to the toolkit.

What an assignment module provides (every name but ``PROBE_MAKERS`` is optional):

* ``PROBE_MAKERS``: name -> function returning one probe (:data:`wire.Probe`); its
  ``checks.toml`` calls them by name, with keyword arguments;
* ``SEED_KEYS``: maker name -> the argument names that are seeds; the public checks of
  those makers are asked again on a fresh draw, each seed moved by the draw;
* ``fresh_spec(spec, draw)``: a probe entry for a draw, where moving seeds is not enough;
* ``JUDGE_ASSERTIONS``: kind -> (function(ctx, assertion, reveal, what), keys it reads):
  assertions the judge evaluates itself, such as a trained network's accuracy on held-out data;
* ``DIAGNOSES``: (pattern, cause) pairs, what those assertions' messages diagnose where they
  name no mistake of the catalogue: the cause the class report groups them by
  (:func:`autograder.judge.named_mistake`; the engine's own are ``compare.DIAGNOSES``);
* ``TEXT``: names that titles and hints in ``checks.toml`` may use in braces;
* ``recorded_tables(probe, expected)``: for a probe that substitutes earlier functions,
  the calls the reference makes to each, with their replies (the public checks'
  stand-ins, in the assignment's ``catalogue.py``, answer from them);
* ``loss_gradient(values, x, y)``: the gradient of the loss training descends, float64 arrays
  by variable name; required when a check trains (a probe with ``train``): the judge checks
  with it that the run was gradient descent (:mod:`autograder.descent`);
* ``boundary(probes, answers, expected)``: (student's, reference's) outputs on a square
  grid, where the feedback shows a decision boundary.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from . import wire
from .answers import Context, close, decode_argument
from .compare import Failure
from .course import read_settings

__all__ = [
    "Context",
    "Failure",
    "FRESH_BASE",
    "JUDGE_ONLY",
    "arr",
    "call",
    "close",
    "decode_argument",
    "function_named",
    "integer",
    "moved",
    "rng",
    "settings_beside",
    "tensor",
    "turning",
    "var",
    "wire",
]

#: The part of a probe that stays with the judge: what the answer is scored against.
JUDGE_ONLY = "judge"
#: Fresh seeds start here, far from every seed a checks.toml names.
FRESH_BASE = 1_000_000


def settings_beside(module_file: str) -> dict:
    """The ``assignment.toml`` in the folder of ``module_file``: an assignment module
    reads its settings from there (every fact once)."""
    return read_settings(Path(module_file).with_name("assignment.toml"))


def rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def arr(a) -> dict:
    """A float32 array as plain data."""
    return wire.to_plain(np.asarray(a, dtype=np.float32))


def var(a) -> dict:
    """An argument the worker passes as a ``tf.Variable``."""
    return {"as": "variable", "value": arr(a)}


def tensor(a) -> dict:
    """An argument the worker passes as a tensor."""
    return {"as": "tensor", "value": arr(a)}


def integer(n: int) -> dict:
    return {"as": "int", "value": wire.to_plain(np.int64(n))}


def function_named(name: str) -> dict:
    """An argument the worker passes as a function it knows by name (``worker._activation``)."""
    return {"as": "fn", "name": name}


def call(
    name: str, *args, substitute=(), variables=None, learning_rate=None, **extra
) -> wire.Probe:
    """A probe that calls the student's function ``name`` on ``args``.

    ``substitute`` names functions the reference stands in for during the call;
    ``variables`` are set (and read back when listed in ``after``); ``learning_rate``
    is the notebook global the call reads."""
    probe: wire.Probe = {"call": name, "args": list(args)}
    if substitute:
        probe["substitute"] = list(substitute)
    if variables is not None:
        probe["variables"] = variables
    if learning_rate is not None:
        probe["learning_rate"] = learning_rate
    kwargs = extra.pop("kwargs", None)
    if kwargs:
        probe["kwargs"] = kwargs
    probe.update(extra)
    return probe


def turning(turn: float) -> np.ndarray:
    """The 2x2 matrix that turns row vectors by ``turn`` radians anticlockwise."""
    c, s = math.cos(turn), math.sin(turn)
    return np.array([[c, s], [-s, c]])


def moved(value, by: int):
    """A seed moved by ``by``: an int, or a list whose first item is the seed."""
    if isinstance(value, list):
        return [value[0] + by, *value[1:]]
    return value + by

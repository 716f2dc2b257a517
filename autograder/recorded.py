"""Replies recorded for the calls a public check's function makes to the functions before it.

A public check runs in the student's kernel, where the grader's reference functions
are not (the release carries none of their code).  So that a wrong ``layer`` cannot
make a correct ``model`` fail its check, the public check of ``model`` answers its
calls to ``layer`` from a table: for each call the reference ``model`` makes on the
probe's inputs, the arguments and what ``layer`` returns.  Likewise ``my_accuracy``
gets ``model``'s outputs, and ``training_step`` gets ``model``'s outputs with their
derivatives with respect to the six variables (so that the student's own
``tf.GradientTape`` finds the reference's gradient) and ``square_loss``'s value with its
derivative with respect to the predictions.  :mod:`autograder.standins` (shipped with
the public checks) turns the tables into functions.

The tables are numbers only, computed here in float64 from the probe's own inputs
(and the answer key's model outputs): the same numbers the reference gives, to
float32's precision, which the checks' tolerances (1e-4 and more) are far above.
"""

from __future__ import annotations

import numpy as np

from . import wire
from .answers import decode_argument


def _array(a) -> dict:
    return wire.to_plain(np.asarray(a, dtype=np.float32))


def _variables(probe: dict) -> dict[str, np.ndarray]:
    values = probe["variables"].items()
    return {k: np.asarray(wire.from_plain(v), dtype=np.float64) for k, v in values}


def _forward(x: np.ndarray, v: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Each layer's affine output (before its activation) on ``x``, as the reference computes it."""
    z1 = x @ v["W1"] + v["b1"]
    h1 = np.maximum(z1, 0.0)
    z2 = h1 @ v["W2"] + v["b2"]
    h2 = np.maximum(z2, 0.0)
    return {"z1": z1, "h1": h1, "z2": z2, "h2": h2, "out": h2 @ v["W3"] + v["b3"]}


def _jacobian(x: np.ndarray, v: dict[str, np.ndarray], f: dict) -> dict[str, np.ndarray]:
    """d output[i, 0] / d variable, shaped (n, 1, *variable.shape), for each variable."""
    n = x.shape[0]
    d2 = (f["z2"] > 0) * v["W3"][:, 0][None, :]  # d out_i / d z2_ij
    d1 = (f["z1"] > 0) * (d2 @ v["W2"].T)  # d out_i / d z1_ik
    return {
        "W1": np.einsum("il,ik->ilk", x, d1)[:, None],
        "b1": d1[:, None],
        "W2": np.einsum("ik,ij->ikj", f["h1"], d2)[:, None],
        "b2": d2[:, None],
        "W3": f["h2"][:, None, :, None],
        "b3": np.ones((n, 1, 1)),
    }


def _layer_calls(probe: dict) -> list[dict]:
    """The reference model's three calls to layer: inputs, W, b and the affine output."""
    x = np.asarray(decode_argument(probe["args"][0]), dtype=np.float64)
    v = _variables(probe)
    f = _forward(x, v)
    calls = [
        (x, "W1", "b1", f["z1"]),
        (f["h1"], "W2", "b2", f["z2"]),
        (f["h2"], "W3", "b3", f["out"]),
    ]
    return [
        {"inputs": _array(i), "W": _array(v[w]), "b": _array(v[b]), "affine": _array(z)}
        for i, w, b, z in calls
    ]


def _model_call(probe: dict, expected: dict) -> list[dict]:
    """my_accuracy's call to model: the reference model's outputs on the probe's inputs."""
    x = decode_argument(probe["args"][0])
    return [{"inputs": _array(x), "outputs": _array(wire.from_plain(expected["model_outputs"]))}]


def _step_calls(probe: dict) -> dict[str, list[dict]]:
    """training_step's calls: model on the batch (with its Jacobian), square_loss on that."""
    x = np.asarray(decode_argument(probe["args"][0]), dtype=np.float64)
    t = np.asarray(decode_argument(probe["args"][1]), dtype=np.float64)
    v = _variables(probe)
    f = _forward(x, v)
    p = f["out"].astype(np.float32).astype(np.float64)
    model = {
        "inputs": _array(x),
        "outputs": _array(p),
        "variables": {k: _array(a) for k, a in v.items()},
        "jacobian": {k: _array(j) for k, j in _jacobian(x, v, f).items()},
    }
    loss = {
        "targets": _array(t),
        "predictions": _array(p),
        "loss": _array(np.mean((t - p) ** 2)),
        "gradient": _array(2.0 * (p - t) / t.size),
    }
    return {"model": [model], "square_loss": [loss]}


def tables(probe: dict, expected: dict) -> dict[str, list[dict]]:
    """For each function the probe substitutes, the calls recorded for it (maybe none:
    the stand-in then says the call was not recorded, and the check decides what to do)."""
    names = probe.get("substitute", [])
    recorded: dict[str, list[dict]] = {name: [] for name in names}
    function = probe.get("call")
    if function == "model":
        recorded["layer"] = _layer_calls(probe)
    elif function == "my_accuracy":
        recorded["model"] = _model_call(probe, expected)
    elif function == "training_step":
        recorded.update(_step_calls(probe))
    unknown = set(recorded) - set(names)
    if unknown:
        raise ValueError(f"a {function} probe records calls to {sorted(unknown)} it does not make")
    return recorded

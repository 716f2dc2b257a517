"""Stand-ins for the functions a public check's function calls, answering from recorded tables.

The public checks run in the student's kernel.  When ``model``'s check called the
student's own ``layer``, a wrong ``layer`` made a correct ``model`` fail.  So a public
check of ``model`` swaps in a ``layer`` that answers exactly the calls the reference
``model`` makes on the probe's inputs, from replies recorded at release time
(:mod:`autograder.recorded`); likewise ``model`` for ``my_accuracy`` and ``model`` and
``square_loss`` for ``training_step``.  The stand-ins hold numbers, not the
reference's code.

A call with other arguments than any recorded one raises :class:`NotRecorded`: the
function under check does something the reference does not, and the check then runs
the student's own functions instead, when they pass their own public checks.

Self-contained (NumPy, TensorFlow imported lazily, and :mod:`wire`): copied into the release.
"""

import numpy as np

from . import wire


class NotRecorded(BaseException):
    """A call no reply was recorded for (a BaseException: ``except Exception`` in the
    student's code must not turn it into a wrong answer)."""


def _tf():
    import tensorflow as tf

    return tf


def _same(got, recorded) -> bool:
    """``got`` holds the recorded numbers (any dtype; a symbolic tensor never does)."""
    try:
        array = np.asarray(got, dtype=np.float64)
    except Exception:  # noqa: BLE001 - a traced tensor, or anything else without values
        return False
    want = np.asarray(wire.from_plain(recorded), dtype=np.float64)
    return array.shape == want.shape and bool(np.allclose(array, want, rtol=1e-5, atol=1e-6))


def _constant(recorded):
    return _tf().constant(np.asarray(wire.from_plain(recorded), dtype=np.float32))


def _layer(calls: list):
    def layer(inputs, W, b, activation=None):
        """A dense layer that knows the affine outputs of the recorded calls only."""
        for call in calls:
            if _same(inputs, call["inputs"]) and _same(W, call["W"]) and _same(b, call["b"]):
                affine = _constant(call["affine"])
                return affine if activation is None else activation(affine)
        raise NotRecorded("layer was called with inputs, W or b that were not recorded")

    return layer


def _model(calls: list, ns: dict):
    def model(inputs):
        """The recorded outputs; with a Jacobian, linear in the six variables around the
        recorded values, so that a GradientTape finds the recorded gradient."""
        tf = _tf()
        for call in calls:
            if not _same(inputs, call["inputs"]):
                continue
            result = _constant(call["outputs"])
            for name, jacobian in (call.get("jacobian") or {}).items():
                delta = tf.cast(ns[name], tf.float32) - _constant(call["variables"][name])
                result = result + tf.tensordot(_constant(jacobian), delta, axes=len(delta.shape))
            return result
        raise NotRecorded("model was called with inputs that were not recorded")

    return model


def _square_loss(calls: list):
    def square_loss(targets, predictions):
        """The recorded loss, linear in the predictions around the recorded ones (either
        argument order: the mean squared error is symmetric)."""
        tf = _tf()
        for call in calls:
            for t, p in ((targets, predictions), (predictions, targets)):
                if _same(t, call["targets"]) and _same(p, call["predictions"]):
                    change = tf.cast(p, tf.float32) - _constant(call["predictions"])
                    return _constant(call["loss"]) + tf.reduce_sum(
                        _constant(call["gradient"]) * change
                    )
        raise NotRecorded("square_loss was called with arguments that were not recorded")

    return square_loss


_MAKERS = {"layer": _layer, "square_loss": _square_loss}


def build(tables: dict, ns: dict) -> dict:
    """The stand-in functions for one probe: name -> function, from its recorded calls."""
    out = {}
    for name, calls in tables.items():
        out[name] = _model(calls, ns) if name == "model" else _MAKERS[name](calls)
    return out

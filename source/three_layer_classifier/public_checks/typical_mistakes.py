"""This assignment's code for its public checks' messages and stand-ins.

Its catalogue of typical mistakes: what each one is, and the value a
submission that makes it returns, built from the probe (``ctx``: the decoded probes, the
student's and the reference's answers; ``ctx.reference(i)`` is the reference's answer to
probe ``i``, ``ctx.close`` how answers are compared).

A check's assertion names the mistakes to try under ``diagnose`` (checks.toml); the
engine's ``autograder/mistakes.py`` tries them.  And (``STANDINS``) the stand-ins
the public checks swap in for earlier functions, answering recorded calls.
Self-contained (NumPy only): ``release`` copies it into the public checks the student's
notebook carries (as ``typical_mistakes.py``).
"""

import re

import numpy as np


def _relu(a):
    return np.maximum(a, 0.0)


def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def _layer_affine(ctx, i):
    return ctx.arg(i, 0) @ ctx.arg(i, 1) + ctx.arg(i, 2)


def _model_out(ctx, i):
    return ctx.reference(i, "model_outputs")


def _accuracy_variant(ctx, i, predict, flat_targets=False):
    out = _model_out(ctx, i)
    if out is None:
        return None
    targets = ctx.arg(i, 1)
    if flat_targets:
        targets = targets.reshape(-1)
    return np.float64(np.mean(predict(out) == targets))


def _forward(
    ctx, i, relu1=True, relu2=True, bias1="b1", bias2="b2", skip2=False, layers=3, hidden=_relu
):
    """The model's output (or a hidden layer's, ``layers`` < 3) with one thing changed
    (``hidden``: the hidden layers' activation)."""
    v = {name: ctx.variable(i, name) for name in ("W1", "b1", "W2", "b2", "W3", "b3")}
    h1 = ctx.arg(i, 0) @ v["W1"] + v[bias1]
    h1 = hidden(h1) if relu1 else h1
    if layers == 1:
        return h1
    h2 = h1 @ v["W2"] + v[bias2]
    h2 = hidden(h2) if relu2 else h2
    if layers == 2:
        return h2
    return (h1 if skip2 else h2) @ v["W3"] + v["b3"]


def _right_at_another_width(ctx, i):
    """The student's own answer, when it is right for the same inputs at another width.

    Then the wrong answer here comes from variables of a new width, which a
    function that captured other variables (when its cell ran, or when a
    ``tf.function`` traced it) never sees.
    """
    got = ctx.answers[i].get("value")
    if got is None or isinstance(got, list):
        return None
    for k, probe in enumerate(ctx.probes):
        if k == i or probe.get("args") != ctx.probes[i].get("args"):
            continue
        if ctx.variable(k, "W1").shape == ctx.variable(i, "W1").shape:
            continue
        if ctx.close(ctx.answers[k].get("value"), ctx.reference(k)):
            return np.asarray(got, dtype=np.float64)
    return None


def _other_probe_answer(ctx, i):
    """What the student answered to another probe with the same variables but other arguments.

    A function that ignores its arguments (it reads the notebook's global data
    instead) gives the same answer to both, although the reference's differ.
    """
    for k, probe in enumerate(ctx.probes):
        if k == i or probe.get("variables") != ctx.probes[i].get("variables"):
            continue
        if probe.get("args") == ctx.probes[i].get("args"):
            continue
        mine, other = ctx.reference(i), ctx.reference(k)
        if mine is None or other is None or ctx.close(mine, other, 1e-3, 1e-4):
            continue
        value = ctx.answers[k].get("value")
        if value is not None and not isinstance(value, list):
            return np.asarray(value, dtype=np.float64).reshape(np.shape(mine))
    return None


#: name -> (what the mistake is, a function building the value that mistake gives)
MISTAKES = {
    # layer
    "no_bias": (
        "the bias is missing: the output equals inputs @ W without + b",
        lambda c, i: c.reference(i) - c.arg(i, 2),
    ),
    "bias_subtracted": (
        "the bias is subtracted: use inputs @ W + b",
        lambda c, i: c.reference(i) - 2 * c.arg(i, 2),
    ),
    "activation_always": (
        "an activation is applied although `activation` is None: apply it only when one is given",
        lambda c, i: _relu(c.reference(i)),
    ),
    "activation_ignored": (
        "the `activation` argument is ignored: the output is the plain affine inputs @ W + b",
        _layer_affine,
    ),
    "activation_before_bias": (
        "the activation is applied before adding the bias: activation(inputs @ W + b), not "
        "activation(inputs @ W) + b",
        lambda c, i: _relu(c.arg(i, 0) @ c.arg(i, 1)) + c.arg(i, 2),
    ),
    "relu_not_argument": (
        "ReLU is hard-coded: call the `activation` you were given",
        lambda c, i: _relu(_layer_affine(c, i)),
    ),
    # model
    "relu_on_output": (
        "the last layer applies ReLU: it must be linear, so outputs below 0 survive",
        lambda c, i: _relu(c.reference(i)),
    ),
    "sigmoid_on_output": (
        "the last layer applies a sigmoid: it must be linear (this model is trained with "
        "mean squared error on raw outputs)",
        lambda c, i: _sigmoid(c.reference(i)),
    ),
    "negated": ("the sign is flipped", lambda c, i: -c.reference(i)),
    "hidden1_linear": (
        "the first hidden layer has no ReLU: layer(inputs, W1, b1, tf.nn.relu)",
        lambda c, i: _forward(c, i, relu1=False),
    ),
    "hidden2_linear": (
        "the second hidden layer has no ReLU: layer(hidden1, W2, b2, tf.nn.relu)",
        lambda c, i: _forward(c, i, relu2=False),
    ),
    "hidden_sigmoid": (
        "the hidden layers apply a sigmoid: both use ReLU, layer(..., tf.nn.relu)",
        lambda c, i: _forward(c, i, hidden=_sigmoid),
    ),
    "b1_in_layer2": (
        "layer 2 uses b1 instead of b2: each layer adds its own bias",
        lambda c, i: _forward(c, i, bias2="b1"),
    ),
    "b2_in_layer1": (
        "layer 1 uses b2 instead of b1: each layer adds its own bias",
        lambda c, i: _forward(c, i, bias1="b2"),
    ),
    "layer2_skipped": (
        "the second hidden layer is skipped: the output layer must be applied to the second "
        "hidden layer's output, not the first's",
        lambda c, i: _forward(c, i, skip2=True),
    ),
    "returns_hidden": (
        "the second hidden layer's output is returned: apply the output layer "
        "layer(hidden2, W3, b3) and return its (n, 1) result",
        lambda c, i: _forward(c, i, layers=2),
    ),
    "stale_weights": (
        "right at one hidden width but wrong at another: the output did not follow new "
        "W1..b3 variables; read W1..b3 inside the function at call time instead of capturing "
        "them earlier (in a list, as default arguments, or in a @tf.function traced before)",
        _right_at_another_width,
    ),
    # square_loss
    "sum_not_mean": (
        "the squared errors are summed: take their mean (tf.reduce_mean)",
        lambda c, i: c.reference(i) * c.arg(i, 0).size,
    ),
    "root": (
        "the square root is taken (RMSE): return the mean squared error itself",
        lambda c, i: np.sqrt(c.reference(i)),
    ),
    "absolute": (
        "absolute errors are used: square the differences",
        lambda c, i: np.float64(np.mean(np.abs(c.arg(i, 0) - c.arg(i, 1)))),
    ),
    "not_squared": (
        "the differences are not squared, so positive and negative errors cancel",
        lambda c, i: np.float64(np.mean(c.arg(i, 0) - c.arg(i, 1))),
    ),
    "not_squared_reversed": (
        "the differences are not squared, so positive and negative errors cancel",
        lambda c, i: np.float64(np.mean(c.arg(i, 1) - c.arg(i, 0))),
    ),
    "halved": ("the loss is halved: no 1/2 factor here", lambda c, i: c.reference(i) / 2),
    "broadcast_loss": (
        "shapes (n, 1) and (n,) were mixed, so broadcasting compared every target with every "
        "prediction (an (n, n) matrix): keep both as (n, 1)",
        lambda c, i: np.float64(
            np.mean((c.arg(i, 0).reshape(-1, 1) - c.arg(i, 1).reshape(1, -1)) ** 2)
        ),
    ),
    "no_reduction": (
        "the per-sample losses are returned: reduce them to their mean",
        lambda c, i: (c.arg(i, 0) - c.arg(i, 1)) ** 2,
    ),
    "no_reduction_flat": (
        "the per-sample losses are returned, one per sample (tf.keras.losses.MSE does that: it "
        "averages over the last axis only): reduce them to one mean with tf.reduce_mean",
        lambda c, i: ((c.arg(i, 0) - c.arg(i, 1)) ** 2).reshape(-1),
    ),
    # my_accuracy
    "count_not_fraction": (
        "the number of correct samples is returned: divide by the number of samples",
        lambda c, i: c.reference(i) * c.arg(i, 1).shape[0],
    ),
    "percent": (
        "a percentage is returned: return a fraction in [0, 1]",
        lambda c, i: c.reference(i) * 100,
    ),
    "inverted": (
        "the classes are inverted: an output above 0.5 means class 1",
        lambda c, i: 1 - c.reference(i),
    ),
    "threshold_zero": (
        "the threshold is 0: an output above 0.5 means class 1",
        lambda c, i: _accuracy_variant(c, i, lambda o: (o > 0).astype(np.float64)),
    ),
    "rounding": (
        "outputs are rounded, but an output of 1.7 rounds to 2 and -0.7 to -1, which match no "
        "label: compare with > 0.5 instead",
        lambda c, i: _accuracy_variant(c, i, np.round),
    ),
    "no_threshold": (
        "raw outputs are compared with the labels: threshold them at 0.5 first",
        lambda c, i: _accuracy_variant(c, i, lambda o: o),
    ),
    "ignores_arguments": (
        "the result does not change when other inputs and targets are passed: use the "
        "function's arguments, not the notebook's global `inputs` and `targets`",
        _other_probe_answer,
    ),
    "broadcast_accuracy": (
        "predictions of shape (n, 1) were compared with targets of shape (n,) (or the other "
        "way), so broadcasting built an (n, n) matrix: keep both as (n, 1)",
        lambda c, i: _accuracy_variant(
            c, i, lambda o: (o > 0.5).astype(np.float64).reshape(-1, 1), flat_targets=True
        ),
    ),
}


#: Mistakes inferred from the student's answers to *other* probes (the same answer for
#: other arguments, a right answer at another width), not rebuilt from this probe's own
#: inputs.  They explain less (a constant 0.0 is "the same answer" for any inputs, whatever
#: made it), so every mistake rebuilt from the probe's inputs is tried before them.
INFERRED = ("stale_weights", "ignores_arguments")


_MATMUL_SHAPES = re.compile(r"In\[0\]: \[([\d,]+)\], In\[1\]: \[([\d,]+)\]")


def explain_error(function: str, error: dict, variables: dict) -> str | None:
    """The typical mistake behind an error of this assignment's code, when its message
    reveals one; ``variables`` are the probe's (name -> array)."""
    kind, text = error.get("type", ""), error.get("message", "")
    match = _MATMUL_SHAPES.search(text)
    if "Matrix size-incompatible" in text and match:
        left = tuple(int(n) for n in match.group(1).split(",") if n)
        right = tuple(int(n) for n in match.group(2).split(",") if n)
        named = [n for n, v in variables.items() if n.startswith("W") and v.shape == right]
        if len(left) == 2 and len(named) == 1 and not (len(right) == 2 and right[1] == left[0]):
            return (
                f"a layer multiplies its {left[1]}-column inputs by {named[0]} of shape "
                f"{right}: each layer needs its own weights (W1 in layer 1, W2 in layer 2, "
                "W3 in layer 3)"
            )
    if (kind == "TypeError" and "NoneType" in text and "operand" in text) or (
        "No gradients provided" in text
    ):
        return (
            "a gradient is None, which tape.gradient returns for a variable that the recorded "
            "loss does not depend on: compute the loss inside the `with tf.GradientTape() as "
            "tape:` block, from model(inputs), and use all six variables in the model"
        )
    return None


# --------------------------------------------------------------------------- stand-ins
# The public checks' stand-ins for the functions a checked function calls: each answers
# the calls recorded at release (grading.py's recorded_tables) and raises
# kit.NotRecorded for any other (``kit`` is the engine's standins module: same,
# constant, tf, NotRecorded), so that the check then runs the student's own functions.


def _layer_standin(calls: list, ns: dict, kit):
    def layer(inputs, W, b, activation=None):
        """A dense layer that knows the affine outputs of the recorded calls only."""
        for call in calls:
            if (
                kit.same(inputs, call["inputs"])
                and kit.same(W, call["W"])
                and kit.same(b, call["b"])
            ):
                affine = kit.constant(call["affine"])
                return affine if activation is None else activation(affine)
        raise kit.NotRecorded("layer was called with inputs, W or b that were not recorded")

    return layer


def _model_standin(calls: list, ns: dict, kit):
    def model(inputs):
        """The recorded outputs; with a Jacobian, linear in the six variables around the
        recorded values, so that a GradientTape finds the recorded gradient."""
        tf = kit.tf()
        for call in calls:
            if not kit.same(inputs, call["inputs"]):
                continue
            result = kit.constant(call["outputs"])
            for name, jacobian in (call.get("jacobian") or {}).items():
                delta = tf.cast(ns[name], tf.float32) - kit.constant(call["variables"][name])
                result = result + tf.tensordot(kit.constant(jacobian), delta, axes=len(delta.shape))
            return result
        raise kit.NotRecorded("model was called with inputs that were not recorded")

    return model


def _square_loss_standin(calls: list, ns: dict, kit):
    def square_loss(targets, predictions):
        """The recorded loss, linear in the predictions around the recorded ones (either
        argument order: the mean squared error is symmetric)."""
        tf = kit.tf()
        for call in calls:
            for t, p in ((targets, predictions), (predictions, targets)):
                if kit.same(t, call["targets"]) and kit.same(p, call["predictions"]):
                    change = tf.cast(p, tf.float32) - kit.constant(call["predictions"])
                    return kit.constant(call["loss"]) + tf.reduce_sum(
                        kit.constant(call["gradient"]) * change
                    )
        raise kit.NotRecorded("square_loss was called with arguments that were not recorded")

    return square_loss


#: name -> maker(calls, ns, kit) of the stand-in for that function.
STANDINS = {"layer": _layer_standin, "model": _model_standin, "square_loss": _square_loss_standin}

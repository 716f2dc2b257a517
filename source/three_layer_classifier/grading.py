"""This assignment's code for its checks: the probe makers ``checks.toml`` names, how a
public check is drawn afresh, and the judge's own assertions (gradient, accuracy).

Loaded by path by the engine (``autograder.course``); imports only ``autograder.toolkit``.
Every setting comes from ``assignment.toml`` beside this file.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from autograder.toolkit import (
    FRESH_BASE,
    JUDGE_ONLY,
    Context,
    Failure,
    arr,
    call,
    decode_argument,
    function_named,
    integer,
    moved,
    rng,
    settings_beside,
    tensor,
    turning,
    var,
    wire,
)

SETTINGS = settings_beside(__file__)
VARIABLES = tuple(SETTINGS["graded"]["variables"])
NOTEBOOK_WIDTH = int(SETTINGS["model"]["hidden_width"])
LEARNING_RATE = float(SETTINGS["model"]["learning_rate"])
MEANS = SETTINGS["data"]["means"]
COVARIANCE = SETTINGS["data"]["covariance"]
FINAL = SETTINGS["final"]
FINAL_SEED = int(FINAL["seed"])
FINAL_EPOCHS = int(FINAL["epochs"])
FINAL_BATCHES = int(FINAL["batches"])
FINAL_MIN_ACCURACY = float(FINAL["min_accuracy"])
FINAL_TURN_DEGREES = tuple(FINAL["turn_degrees"])
BOUNDARY_STEPS = int(FINAL["boundary_steps"])
#: The feedback's decision-boundary picture: the grid's span and the classes' centres.
BOUNDARY_SPAN = tuple(FINAL["boundary_span"])
BOUNDARY_CENTRES = tuple(tuple(float(v) for v in mean) for mean in MEANS)
#: What checks.toml's titles and hints may name in braces.
TEXT = {
    "FINAL_MIN_ACCURACY": FINAL_MIN_ACCURACY,
    "FINAL_EPOCHS": FINAL_EPOCHS,
    "FINAL_BATCHES": FINAL_BATCHES,
}


def forward64(values: dict, x: np.ndarray) -> np.ndarray:
    """The model's output in float64, independent of TensorFlow: probe weights are
    chosen with it, and the judge's numeric gradient of the loss is taken with it."""
    h = np.maximum(x @ values["W1"] + values["b1"], 0.0)
    h = np.maximum(h @ values["W2"] + values["b2"], 0.0)
    return h @ values["W3"] + values["b3"]


def random_weights(
    seed: int,
    widths=(NOTEBOOK_WIDTH, NOTEBOOK_WIDTH),
    scale=1.0,
    out_scale=1.0,
    span: tuple[np.ndarray, float, float] | None = None,
):
    """Zero-mean weights and non-zero biases at the given hidden widths.

    With ``span=(x, low, high)`` the (linear) output layer is rescaled so that the
    model's outputs on ``x`` run exactly from ``low`` to ``high``: probes that must
    see negative outputs and outputs above 1.5 then really do.
    """
    r = rng(seed)
    dims = (2, *widths, 1)
    values = {}
    for k in range(3):
        W = r.normal(0.0, scale / np.sqrt(dims[k]), size=(dims[k], dims[k + 1]))
        b = r.normal(0.3, 0.2, size=(dims[k + 1],))
        if k == 2:
            W, b = W * out_scale, b * out_scale
        values[f"W{k + 1}"], values[f"b{k + 1}"] = W, b
    if span is not None:
        x, low, high = span
        out = forward64(values, np.asarray(x, dtype=np.float64))
        if np.ptp(out) < 1e-6:
            raise ValueError(f"random_weights({seed}) give a constant output; choose another seed")
        a = (high - low) / np.ptp(out)
        values["W3"] = values["W3"] * a
        values["b3"] = values["b3"] * a + (low - a * out.min())
    return {name: arr(values[name]) for name in VARIABLES}


def glorot_weights(seed: int, width: int = NOTEBOOK_WIDTH) -> dict:
    """The grader's initial weights for training: Glorot uniform, zero biases."""
    r = rng(seed)
    dims = (2, width, width, 1)
    values = {}
    for k in range(3):
        limit = np.sqrt(6.0 / (dims[k] + dims[k + 1]))
        values[f"W{k + 1}"] = arr(r.uniform(-limit, limit, size=(dims[k], dims[k + 1])))
        values[f"b{k + 1}"] = arr(np.zeros(dims[k + 1]))
    return values


def two_clouds(seed: int, per_class: int, turn: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """The notebook's data: two Gaussian clouds, float32 inputs and 0/1 targets;
    ``turn`` (radians) rotates both clouds about the origin (see :func:`fresh_train`)."""
    r = rng(seed)
    negative = r.multivariate_normal(MEANS[0], COVARIANCE, size=per_class)
    positive = r.multivariate_normal(MEANS[1], COVARIANCE, size=per_class)
    x = np.vstack([negative, positive]) @ turning(turn)
    x = x.astype(np.float32)
    y = np.vstack([np.zeros((per_class, 1)), np.ones((per_class, 1))]).astype(np.float32)
    return x, y


def train_probe(seed: int, turn: float = 0.0) -> wire.Probe:
    """Train with the student's split_mini_batches and training_step; score in the judge.

    The worker gets the training set and the grader's initial weights, runs the
    student's loop with the reference layer, model and square_loss (a mistake in
    those costs their own points, not these), and sends back the trained
    variables.  The held-out set never reaches it: the judge scores the trained
    variables with :func:`forward64`, so no code in the worker can see, guess or
    fake what the accuracy is measured on.
    """
    x, y = two_clouds(seed, 1000, turn)
    order = rng(seed + 1).permutation(len(x))
    x_test, y_test = two_clouds(seed + 2, 500, turn)
    start = glorot_weights(seed + 3)
    # W1 turns with the data, so that x @ W1 is what it was unturned: see fresh_train.
    start["W1"] = arr(turning(turn).T @ wire.from_plain(start["W1"]).astype(np.float64))
    low, high = FINAL["boundary_span"]
    axis = np.linspace(low, high, BOUNDARY_STEPS)
    grid = np.stack(np.meshgrid(axis, axis), axis=-1).reshape(-1, 2)
    # The feedback's picture is drawn in the notebook's frame, where its dots (the
    # unturned means) are: each grid point is asked where the turned data has it.
    grid = grid @ turning(turn)
    return {
        "train": {
            "x": arr(x[order]),
            "y": arr(y[order]),
            "epochs": FINAL_EPOCHS,
            "batches": FINAL_BATCHES,
            "split": "split_mini_batches",
            "step": "training_step",
        },
        "substitute": ["layer", "model", "square_loss"],
        "variables": start,
        "learning_rate": LEARNING_RATE,
        "after": list(VARIABLES),
        JUDGE_ONLY: {"x_test": arr(x_test), "y_test": arr(y_test), "grid": arr(grid)},
    }


# --------------------------------------------------------------------------- probe makers
# Each returns one probe; checks.toml calls them by name, with keyword arguments.

_LAYER_X = rng(11).normal(0, 2, size=(5, 2))
_LAYER_W = rng(12).normal(0, 1, size=(2, 3))
_LAYER_B = np.array([0.5, -1.0, 2.0])


def _layer(
    activation: str | None = None, seed: int | None = None, sizes: tuple[int, int, int] = (5, 2, 3)
) -> wire.Probe:
    """layer(inputs, W, b[, activation]) on fixed data, or on ``sizes`` = (samples,
    inputs, units) drawn from ``seed``.  ``activation`` absent: not passed; "None":
    passed as None; otherwise the name of a function the worker knows."""
    if seed is None:
        x, W, b = _LAYER_X, _LAYER_W, _LAYER_B
    else:
        r = rng(seed)
        n, inputs, units = sizes
        x, W, b = r.normal(size=(n, inputs)), r.normal(size=(inputs, units)), r.normal(size=units)
    if activation is None:
        return call("layer", arr(x), var(W), var(b))
    given = {"as": "none"} if activation == "None" else function_named(activation)
    return call("layer", arr(x), var(W), var(b), kwargs={"activation": given})


def _model(
    inputs: tuple[int, int, float],
    weights: int,
    widths: tuple[int, int] = (NOTEBOOK_WIDTH, NOTEBOOK_WIDTH),
    span: tuple[float, float] | None = None,
) -> wire.Probe:
    """model(x) with the reference layer: ``inputs`` = (seed, samples, spread) draws x
    around 1.5; ``weights`` seeds the variables, rescaled so that the outputs on x run
    over ``span`` when it is given."""
    seed, n, spread = inputs
    x = rng(seed).normal(1.5, spread, size=(n, 2))
    values = random_weights(
        weights, widths=tuple(widths), span=None if span is None else (x, *span)
    )
    return call("model", arr(x), substitute=["layer"], variables=values)


def _square_loss(seed: int, n: int, spread: float) -> wire.Probe:
    """square_loss(targets, predictions): 0/1 targets, predictions around 0.5."""
    r = rng(seed)
    targets = r.integers(0, 2, size=(n, 1))
    predictions = r.normal(0.5, spread, size=(n, 1))
    return call("square_loss", arr(targets), tensor(predictions))


def _accuracy_data(seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    r = rng(seed)
    return r.normal(1.5, 2.0, size=(n, 2)), r.integers(0, 2, size=(n, 1))


def _my_accuracy(
    seed: int, n: int, low: float, high: float, weights_from: tuple[int, int] | None = None
) -> wire.Probe:
    """my_accuracy(x, y) with the reference model, whose outputs on x run from ``low``
    to ``high``.  ``weights_from`` = (seed, n) of another probe reuses its weights, so
    that the two probes share one model and differ only in their inputs."""
    x, y = _accuracy_data(seed, n)
    anchor_seed, anchor_n = (seed, n) if weights_from is None else weights_from
    x_anchor, _ = _accuracy_data(anchor_seed, anchor_n)
    return call(
        "my_accuracy",
        arr(x),
        arr(y),
        substitute=["layer", "model"],
        variables=random_weights(anchor_seed + 1, span=(x_anchor, low, high)),
        model_outputs="model",
    )


def _training_step(seed: int, n: int, learning_rate: float) -> wire.Probe:
    """One training_step on a shuffled batch of the two clouds, with the reference
    layer, model and square_loss; the variables and the loss after it come back."""
    x, y = two_clouds(seed, n // 2)
    order = rng(seed).permutation(n)
    return call(
        "training_step",
        arr(x[order]),
        arr(y[order]),
        substitute=["layer", "model", "square_loss"],
        variables=random_weights(seed + 1),
        learning_rate=learning_rate,
        after=list(VARIABLES),
        loss_after=["square_loss", "model"],
    )


def _rows(n: int, seed: int) -> tuple[dict, dict]:
    """n rows of inputs, and targets 0..n-1: unique targets reveal misalignment."""
    x = rng(seed).normal(size=(n, 2)).round(3)
    return arr(x), arr(np.arange(n, dtype=np.float64).reshape(n, 1))


def _split_mini_batches(n: int, num_batches: int, seed: int) -> wire.Probe:
    return call("split_mini_batches", *_rows(n, seed), integer(num_batches))


def _shuffle_together(n: int, data_seed: int, seed: int, args_after: bool = False) -> wire.Probe:
    """shuffle_together(x, y, seed); with ``args_after`` the worker also sends back
    the arguments as they are after the call (an in-place shuffle changes them)."""
    extra = {"args_after": [0, 1]} if args_after else {}
    return call("shuffle_together", *_rows(n, data_seed), integer(seed), **extra)


def _glorot_uniform(fan_in: int, fan_out: int, seed: int) -> wire.Probe:
    # Judged by the draws' properties, never against the reference's numbers: the
    # answer key need not store them (150,000 values here would be 1.6 MB of it).
    return call(
        "glorot_uniform", integer(fan_in), integer(fan_out), integer(seed), keep_value=False
    )


def _train(seed: int = FINAL_SEED, draw: int | None = None) -> wire.Probe:
    """The training probe of checks.toml's seed, or of a fresh draw (:func:`fresh_train`)."""
    return train_probe(seed) if draw is None else fresh_train(draw)


PROBE_MAKERS: dict[str, Callable[..., wire.Probe]] = {
    "layer": _layer,
    "model": _model,
    "square_loss": _square_loss,
    "my_accuracy": _my_accuracy,
    "training_step": _training_step,
    "split_mini_batches": _split_mini_batches,
    "shuffle_together": _shuffle_together,
    "glorot_uniform": _glorot_uniform,
    "train": _train,
}


# --------------------------------------------------------------------------- fresh draws

#: The keys of each maker's arguments that are seeds: an int, or a list whose first
#: item is one.  A fresh draw adds the same number to all of a check's seeds, so
#: probes that share a seed (the "again" of a repeatability check) still share it.
SEED_KEYS: dict[str, tuple[str, ...]] = {
    "layer": ("seed",),
    "model": ("inputs", "weights"),
    "square_loss": ("seed",),
    "my_accuracy": ("seed", "weights_from"),
    "training_step": ("seed",),
    "split_mini_batches": ("seed",),
    "shuffle_together": ("data_seed", "seed"),
}


def fresh_spec(spec: dict, draw: int) -> dict:
    """A probe entry of checks.toml with every seed moved by ``draw``: the same
    question, on inputs nobody saw before grading.  ``layer``'s fixed data
    becomes data drawn from a seed; the training probe turns its clouds."""
    maker = spec["make"]
    if maker == "train":
        return {"make": "train", "draw": draw}
    out = dict(spec)
    by = FRESH_BASE + draw
    for key in SEED_KEYS[maker]:
        if key in out:
            out[key] = moved(out[key], by)
        elif maker == "layer":
            out[key] = by
    return out


def fresh_train(draw: int) -> wire.Probe:
    """The final-accuracy probe for a draw: checks.toml's, with the clouds turned about
    the origin by an angle drawn from FINAL_TURN_DEGREES.

    Weights chosen in advance for the notebook's clouds (or any other angle) then
    miss, while training is exactly as hard at every angle: the initial W1 turns
    with the data (x R @ R^T W1 = x @ W1), and gradient descent commutes with that
    orthogonal change of variables, so the student's steps follow the unturned
    run's path, up to float32 rounding.  The grade cannot depend on the angle drawn
    (tests/test_fresh_draws.py measures it).  Fresh samples or initial weights would
    lose that: with seeds drawn too, the reference fell below 0.95 on 1 of 50 draws
    (an initial loss of 7.4, then every ReLU dead).
    """
    return train_probe(FINAL_SEED, turn=fresh_turn(draw))


def fresh_turn(draw: int) -> float:
    """The angle (radians) a draw turns the final-accuracy check's clouds by."""
    low, high = FINAL_TURN_DEGREES
    return math.radians(float(rng(draw).uniform(low, high)))


# --------------------------------------------------------------------------- numeric gradient


def _loss64(v: dict, x: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean((y - forward64(v, x)) ** 2))


def numeric_gradient(v: dict, x: np.ndarray, y: np.ndarray, eps: float = 1e-6) -> dict:
    """Central differences of the mean squared error, in float64 (independent of TensorFlow)."""
    grads = {}
    for name, value in v.items():
        g = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            saved = value[index]
            value[index] = saved + eps
            up = _loss64(v, x, y)
            value[index] = saved - eps
            down = _loss64(v, x, y)
            value[index] = saved
            g[index] = (up - down) / (2 * eps)
        grads[name] = g
    return grads


def loss_gradient(v: dict, x: np.ndarray, y: np.ndarray) -> dict:
    """The gradient of the mean squared error with respect to each variable, in float64 and
    by backpropagation (ReLU's slope at 0 taken as 0, as TensorFlow does): the engine checks
    with it that training took gradient steps (autograder.descent), over every step of a run,
    where central differences would cost a hundred forward passes a variable entry."""
    f = _affine_forward(x, v)
    d_out = 2.0 * (f["out"] - y) / y.size
    d_z2 = (d_out @ v["W3"].T) * (f["z2"] > 0)
    d_z1 = (d_z2 @ v["W2"].T) * (f["z1"] > 0)
    return {
        "W1": x.T @ d_z1,
        "b1": d_z1.sum(axis=0),
        "W2": f["h1"].T @ d_z2,
        "b2": d_z2.sum(axis=0),
        "W3": f["h2"].T @ d_out,
        "b3": d_out.sum(axis=0),
    }


def assert_gradient(ctx: Context, a: dict, reveal: bool, what: str) -> None:
    i = a.get("probe", 0)
    lr = float(ctx.probes[i]["learning_rate"])
    start = {name: ctx.variable(i, name) for name in VARIABLES}
    x, y = ctx.arg(i, 0), ctx.arg(i, 1)
    grads = numeric_gradient({k: v.copy() for k, v in start.items()}, x, y)
    after = ctx.answers[i].get("after") or {}
    wrong = []
    for name in VARIABLES:
        got = after.get(name)
        want = start[name] - lr * grads[name]
        if got is None or isinstance(got, list) or np.shape(got) != want.shape:
            wrong.append(name)
        elif not np.allclose(np.asarray(got, dtype=np.float64), want, rtol=1e-3, atol=2e-5):
            wrong.append(name)
    if wrong:
        raise Failure(
            f"{what}: the change of {', '.join(wrong)} is not -learning_rate times the "
            "gradient of the loss (checked with finite differences)"
        )


def forward_trained(answer: dict, x: np.ndarray) -> np.ndarray | None:
    """The model's outputs on ``x`` with the variables an answer read back after
    training, computed here (float64, no TensorFlow); None when they are unusable."""
    after = answer.get("after") or {}
    values = {}
    for name in VARIABLES:
        value = after.get(name)
        if not isinstance(value, np.ndarray):
            return None
        values[name] = value.astype(np.float64)
    try:
        with np.errstate(all="ignore"):
            out = forward64(values, np.asarray(x, dtype=np.float64))
    except ValueError:  # shapes that do not chain
        return None
    return out if out.shape == (len(x), 1) else None


def assert_accuracy(ctx: Context, a: dict, reveal: bool, what: str) -> None:
    """Accuracy of the trained variables on held-out data that only the judge holds."""
    i = a.get("probe", 0)
    held_out = ctx.probes[i][JUDGE_ONLY]
    targets = wire.from_plain(held_out["y_test"])
    got = forward_trained(ctx.answers[i], wire.from_plain(held_out["x_test"]))
    if got is None:
        raise Failure(
            "after training, W1, b1, W2, b2, W3 and b3 are not arrays of the shapes the model "
            "needs (did training_step replace them with something else?)"
        )
    if not np.all(np.isfinite(got)):
        raise Failure(
            "after training, the model outputs NaN or infinity: the updates diverged "
            "(check the gradient sign and the learning rate)"
        )
    accuracy = float(np.mean((got > 0.5) == (targets > 0.5)))
    if accuracy >= a["min"]:
        return
    text = (
        f"trained with your functions from the grader's initial weights, the model reaches "
        f"{accuracy:.3f} accuracy on held-out data; at least {a['min']} is needed"
    )
    losses = ctx.answers[i].get("losses") or []
    if np.ptp(got) < 1e-6:
        text += (
            f". It outputs the same value ({float(got.reshape(-1)[0]):.4g}) for every sample: "
            "the weights did not learn (are gradients reaching all six variables?)"
        )
    elif len(losses) > 1 and not losses[-1] < losses[0]:
        text += ". The loss did not go down during training"
    raise Failure(text)


#: What the messages of the assertions above diagnose, as the class report groups them
#: (pattern, cause; autograder.judge.named_mistake reads it, after the engine's own).
DIAGNOSES = (
    (r"the change of (.+?) is not -learning_rate times", r"a step of \1 off the gradient"),
    (r"are not arrays of the shapes the model\s+needs", "the variables replaced in training"),
    (r"the model outputs NaN or infinity", "training diverges"),
    (r"outputs the same value \([^)]*\) for every sample", "training leaves a constant output"),
    (r"The loss did not go down during training", "the loss does not go down in training"),
)

#: The sentences of this assignment's own messages (the assertions above, and
#: catalogue.py's explain_error), key -> the English they write with ``{fields}``:
#: autograder.i18n finds them in a check's output and writes their translation from
#: locale/checks.<lang>.po (``phrase:<key>``) in their place.
PHRASES = {
    "gradient": (
        "{what}: the change of {names} is not -learning_rate times the gradient of the loss "
        "(checked with finite differences)"
    ),
    "trained_shapes": (
        "after training, W1, b1, W2, b2, W3 and b3 are not arrays of the shapes the model "
        "needs (did training_step replace them with something else?)"
    ),
    "diverged": (
        "after training, the model outputs NaN or infinity: the updates diverged (check the "
        "gradient sign and the learning rate)"
    ),
    "accuracy": (
        "trained with your functions from the grader's initial weights, the model reaches "
        "{value} accuracy on held-out data; at least {low} is needed"
    ),
    "constant": (
        ". It outputs the same value ({value}) for every sample: the weights did not learn "
        "(are gradients reaching all six variables?)"
    ),
    "flat_loss": ". The loss did not go down during training",
    "own_weights": (
        "a layer multiplies its {n}-column inputs by {name} of shape {shape}: each layer needs "
        "its own weights (W1 in layer 1, W2 in layer 2, W3 in layer 3)"
    ),
    "none_gradient": (
        "a gradient is None, which tape.gradient returns for a variable that the recorded loss "
        "does not depend on: compute the loss inside the `with tf.GradientTape() as tape:` "
        "block, from model(inputs), and use all six variables in the model"
    ),
}

#: Assertions the judge evaluates itself, with the keys each reads besides ``kind``.
JUDGE_ASSERTIONS = {
    "gradient": (assert_gradient, {"probe"}),
    "accuracy": (assert_accuracy, {"probe", "min"}),
}


def fresh_expected(answer: dict, draw: int) -> dict:
    """The reference's answer to the draw's training probe: the key's answer to the
    unturned one, with W1 turned like the initial W1 (gradient descent commutes with
    that turn; tests/test_fresh_draws.py compares it with a real run)."""
    answer = dict(answer)
    after = dict(answer.get("after") or {})
    if isinstance(after.get("W1"), np.ndarray):
        turned = turning(fresh_turn(draw)).T @ after["W1"].astype(np.float64)
        after["W1"] = turned.astype(np.float32)
    answer["after"] = after
    return answer


def boundary(probes: list[dict], answers: list[dict], expected: list[dict]) -> tuple | None:
    """(student's, reference's) outputs on the feedback grid, from the trained variables.

    The grid is the notebook's (unturned) square, turned as the draw turned the clouds
    (:func:`train_probe`): the picture shows the boundary in the frame of the classes'
    centres it marks, the same for every draw (tests/test_feedback.py)."""
    grid = (probes[0].get(JUDGE_ONLY) or {}).get("grid")
    if grid is None:
        return None
    grid = wire.from_plain(grid)
    got, want = forward_trained(answers[0], grid), forward_trained(expected[0], grid)
    return None if got is None or want is None else (got, want)


# --------------------------------------------------------------------------- recorded replies
# A public check runs in the student's kernel, where the grader's reference functions
# are not (the release carries none of their code).  So that a wrong ``layer`` cannot
# make a correct ``model`` fail its check, the public check of ``model`` answers its
# calls to ``layer`` from a table: for each call the reference ``model`` makes on the
# probe's inputs, the arguments and what ``layer`` returns.  Likewise ``my_accuracy``
# gets ``model``'s outputs, and ``training_step`` gets ``model``'s outputs with their
# derivatives with respect to the six variables (so that the student's own
# ``tf.GradientTape`` finds the reference's gradient) and ``square_loss``'s value with its
# derivative with respect to the predictions.  The stand-ins of catalogue.py (shipped
# with the public checks) turn the tables into functions.  The tables are numbers only,
# computed here in float64 from the probe's own inputs (and the answer key's model
# outputs): the same numbers the reference gives, to float32's precision.


def _variables(probe: dict) -> dict[str, np.ndarray]:
    values = probe["variables"].items()
    return {k: np.asarray(wire.from_plain(v), dtype=np.float64) for k, v in values}


def _affine_forward(x: np.ndarray, v: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
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
    f = _affine_forward(x, v)
    calls = [
        (x, "W1", "b1", f["z1"]),
        (f["h1"], "W2", "b2", f["z2"]),
        (f["h2"], "W3", "b3", f["out"]),
    ]
    return [
        {"inputs": arr(i), "W": arr(v[w]), "b": arr(v[b]), "affine": arr(z)} for i, w, b, z in calls
    ]


def _model_call(probe: dict, expected: dict) -> list[dict]:
    """my_accuracy's call to model: the reference model's outputs on the probe's inputs."""
    x = decode_argument(probe["args"][0])
    return [{"inputs": arr(x), "outputs": arr(wire.from_plain(expected["model_outputs"]))}]


def _step_calls(probe: dict) -> dict[str, list[dict]]:
    """training_step's calls: model on the batch (with its Jacobian), square_loss on that."""
    x = np.asarray(decode_argument(probe["args"][0]), dtype=np.float64)
    t = np.asarray(decode_argument(probe["args"][1]), dtype=np.float64)
    v = _variables(probe)
    f = _affine_forward(x, v)
    p = f["out"].astype(np.float32).astype(np.float64)
    model = {
        "inputs": arr(x),
        "outputs": arr(p),
        "variables": {k: arr(a) for k, a in v.items()},
        "jacobian": {k: arr(j) for k, j in _jacobian(x, v, f).items()},
    }
    loss = {
        "targets": arr(t),
        "predictions": arr(p),
        "loss": arr(np.mean((t - p) ** 2)),
        "gradient": arr(2.0 * (p - t) / t.size),
    }
    return {"model": [model], "square_loss": [loss]}


def recorded_tables(probe: dict, expected: dict) -> dict[str, list[dict]]:
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

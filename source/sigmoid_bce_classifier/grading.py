"""sigmoid_bce_classifier's code for its checks: probe makers, fresh draws, and the judge's own
assertions, which judge properties (finite, the right function, the right gradient) and name
the mistakes of this assignment's catalogue (:data:`MISTAKES`).

Loaded by path by the engine (``autograder.course``); imports only ``autograder.toolkit``.
Every setting comes from ``assignment.toml`` beside this file.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from autograder.toolkit import (
    FRESH_BASE,
    Context,
    Failure,
    arr,
    call,
    close,
    decode_argument,
    moved,
    rng,
    settings_beside,
    tensor,
    wire,
)

SETTINGS = settings_beside(__file__)
VARIABLES = tuple(SETTINGS["graded"]["variables"])
NOTEBOOK_WIDTH = int(SETTINGS["model"]["hidden_width"])
MEANS = SETTINGS["data"]["means"]
COVARIANCE = SETTINGS["data"]["covariance"]
EPSILON = float(SETTINGS["loss"]["epsilon"])
MAX_EPSILON = float(SETTINGS["loss"]["max_epsilon"])
#: What checks.toml's titles and hints may name in braces.
TEXT = {"MIN_WRONG_COST": f"{-np.log(MAX_EPSILON):.1f}"}
#: z values where a naive sigmoid overflows (e^x is inf in float32 above about 88.7).
EXTREMES = (-1000.0, -500.0, -100.0, -89.0, -20.0, -17.0, 17.0, 20.0, 89.0, 100.0, 500.0, 1000.0)

#: The catalogue of this assignment's typical mistakes: name -> what the message says.
MISTAKES = {
    "sigmoid_overflow": (
        "it returns nan or inf for large |z|: e^z overflows in float32 above about 88.7 "
        "(e^z / (1 + e^z) is then inf / inf = nan); use tf.math.sigmoid, clip z, or compute "
        "e^(-|z|) and pick the form with tf.where"
    ),
    "sigmoid_sign": "it computes 1 / (1 + e^z), that is σ(-z): the exponent is -z",
    "bce_sum": "the per-sample losses are summed: take their mean (tf.reduce_mean)",
    "bce_swapped": (
        "the arguments are swapped: the targets come first, bce_loss(targets, probabilities), "
        "and the logarithms are of the probabilities"
    ),
    "bce_sign": "the minus sign is missing: cross-entropy is -mean(y log p + (1 - y) log(1 - p))",
    "bce_per_sample": "the per-sample losses are returned: reduce them to their mean",
    "bce_unclipped": (
        "a probability of exactly 0 or 1 gives log(0) = -inf, so the loss is inf or nan: clip "
        "the probabilities to [epsilon, 1 - epsilon] first (tf.clip_by_value, epsilon 1e-7)"
    ),
    "step_mse": (
        "the step follows the gradient of the mean squared error, not of bce_loss: compute "
        "the loss with bce_loss(targets, model(inputs)) inside the tape"
    ),
}


# --------------------------------------------------------------------------- float64 model


def logits64(values: dict, x: np.ndarray) -> np.ndarray:
    """The notebook's logits in float64: ReLU, ReLU, then the linear output layer."""
    h = np.maximum(x @ values["W1"] + values["b1"], 0.0)
    h = np.maximum(h @ values["W2"] + values["b2"], 0.0)
    return h @ values["W3"] + values["b3"]


def sigmoid64(z: np.ndarray) -> np.ndarray:
    """The logistic function in float64, without overflow."""
    small = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + small), small / (1.0 + small))


def bce64(y: np.ndarray, p: np.ndarray, epsilon: float = EPSILON, mean: bool = True):
    """Binary cross-entropy of probabilities p for targets y, clipped, in float64."""
    p = np.clip(p, epsilon, 1.0 - epsilon)
    losses = -(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))
    return float(np.mean(losses)) if mean else losses


def forward64(values: dict, x: np.ndarray) -> np.ndarray:
    """The notebook's model in float64: ReLU, ReLU, then the sigmoid of the linear output."""
    return sigmoid64(logits64(values, x))


def random_weights(seed: int, width: int = NOTEBOOK_WIDTH, scale: float = 1.0) -> dict:
    """Zero-mean weights and non-zero biases; ``scale`` > 1 makes confident outputs."""
    r = rng(seed)
    dims = (2, width, width, 1)
    values = {}
    for k in range(3):
        values[f"W{k + 1}"] = r.normal(0.0, scale / np.sqrt(dims[k]), size=(dims[k], dims[k + 1]))
        values[f"b{k + 1}"] = r.normal(0.1, 0.2, size=(dims[k + 1],))
    return {name: arr(values[name]) for name in VARIABLES}


def two_clouds(seed: int, per_class: int) -> tuple[np.ndarray, np.ndarray]:
    """The notebook's data: two Gaussian clouds, float32 inputs and 0/1 targets."""
    r = rng(seed)
    negative = r.multivariate_normal(MEANS[0], COVARIANCE, size=per_class)
    positive = r.multivariate_normal(MEANS[1], COVARIANCE, size=per_class)
    x = np.vstack([negative, positive]).astype(np.float32)
    y = np.vstack([np.zeros((per_class, 1)), np.ones((per_class, 1))]).astype(np.float32)
    return x, y


# --------------------------------------------------------------------------- probe makers
# Each returns one probe; checks.toml calls them by name, with keyword arguments.


def _sigmoid(seed: int, n: int, spread: float, extremes: bool = False) -> wire.Probe:
    """sigmoid(z) on an (n, 3) tensor around 0; with ``extremes`` a last row of |z| up to 1000."""
    z = rng(seed).normal(0.0, spread, size=(n, 3))
    if extremes:
        z = np.vstack([z, np.reshape(EXTREMES, (-1, 3))])
    return call("sigmoid", tensor(z))


def _bce_data(seed: int, n: int, saturated: str | None):
    r = rng(seed)
    y = r.integers(0, 2, size=(n, 1)).astype(np.float64)
    p = r.uniform(0.02, 0.98, size=(n, 1))
    if saturated == "right":  # exactly 0 or 1, on the true class: cost about 0
        p[: n // 3] = y[: n // 3]
    elif saturated == "wrong":  # exactly 0 or 1, on the wrong class: large but finite
        p[: n // 4] = 1.0 - y[: n // 4]
    return y, p


def _bce_loss(seed: int, n: int, saturated: str | None = None) -> wire.Probe:
    """bce_loss(targets, probabilities): 0/1 targets; probabilities in (0.02, 0.98), or with
    some exactly 0 or 1 (``saturated`` "right": on the true class, "wrong": on the other)."""
    y, p = _bce_data(seed, n, saturated)
    return call("bce_loss", arr(y), tensor(p))


def _training_step(seed: int, n: int, learning_rate: float, scale: float = 1.0) -> wire.Probe:
    """One training_step on a shuffled batch of the two clouds, with the reference sigmoid
    and bce_loss; the variables after it come back (the judge computes the loss after the
    step from them, in float64: the model is a locked cell, no graded function)."""
    x, y = two_clouds(seed, n // 2)
    order = rng(seed).permutation(n)
    return call(
        "training_step",
        arr(x[order]),
        arr(y[order]),
        substitute=["sigmoid", "bce_loss"],
        variables=random_weights(seed + 1, scale=scale),
        learning_rate=learning_rate,
        after=list(VARIABLES),
    )


PROBE_MAKERS: dict[str, Callable[..., wire.Probe]] = {
    "sigmoid": _sigmoid,
    "bce_loss": _bce_loss,
    "training_step": _training_step,
}

#: The seeds of each maker: a public check is asked again with them moved by a fresh draw.
SEED_KEYS: dict[str, tuple[str, ...]] = {
    "sigmoid": ("seed",),
    "bce_loss": ("seed",),
    "training_step": ("seed",),
}


def fresh_spec(spec: dict, draw: int) -> dict:
    """A probe entry with every seed moved by ``draw``: the same question on new inputs."""
    out = dict(spec)
    for key in SEED_KEYS[spec["make"]]:
        if key in out:
            out[key] = moved(out[key], FRESH_BASE + draw)
    return out


# --------------------------------------------------------------------------- judge assertions


def _answer(ctx: Context, i: int, what: str) -> np.ndarray:
    value = ctx.answers[i].get("value")
    if value is None or isinstance(value, list):
        raise Failure(f"{what} returned no array of numbers")
    return np.asarray(value, dtype=np.float64)


def _named(name: str) -> str:
    return MISTAKES[name]


def assert_sigmoid(ctx: Context, a: dict, reveal: bool, what: str) -> None:
    """σ(z) elementwise: finite, the shape of z, and close to the reference, however written."""
    i = a.get("probe", 0)
    z = ctx.arg(i, 0).astype(np.float64)
    got = _answer(ctx, i, what)
    if got.shape != z.shape:
        raise Failure(f"{what} returned shape {got.shape}, expected the shape of z, {z.shape}")
    if not np.all(np.isfinite(got)):
        bad = z[~np.isfinite(got)]
        raise Failure(f"{what} at z = {bad.flat[0]:g}: {_named('sigmoid_overflow')}")
    want = sigmoid64(z)
    if np.allclose(got, want, rtol=1e-5, atol=1e-6):
        return
    if np.allclose(got, sigmoid64(-z), rtol=1e-5, atol=1e-6):
        raise Failure(f"{what} gives wrong values: {_named('sigmoid_sign')}")
    lead = f"{what} gives wrong values: it should be 1 / (1 + e^(-z)), elementwise"
    worst = int(np.argmax(np.abs(got - want)))
    detail = f" (at z = {z.flat[worst]:.4g}: got {got.flat[worst]:.6g}"
    raise Failure(lead + detail + (f", expected {want.flat[worst]:.6g})" if reveal else ")"))


def _bce_mistake(got: np.ndarray, y: np.ndarray, p: np.ndarray) -> str | None:
    """The catalogue's name for a wrong bce_loss value, or None."""
    with np.errstate(divide="ignore", invalid="ignore"):  # a swapped form may be inf: no match
        return _bce_candidate(got, y, p)


def _bce_candidate(got: np.ndarray, y: np.ndarray, p: np.ndarray) -> str | None:
    per_sample = bce64(y, p, mean=False)
    swapped = [bce64(p, y, epsilon=e) for e in (EPSILON, 1e-6, 1e-8, 1e-12)]
    for e in (EPSILON, 1e-6, 1e-8):  # clipped in float32: 1 - e rounds
        t = np.clip(y, np.float32(e), np.float32(1 - e)).astype(np.float64)
        swapped.append(float(np.mean(-(p * np.log(t) + (1 - p) * np.log(1 - t)))))
    candidates = {
        "bce_sum": [np.float64(np.sum(per_sample))],
        "bce_sign": [-np.mean(per_sample)],
        "bce_swapped": swapped,
        "bce_per_sample": [per_sample, per_sample.reshape(-1)],
    }
    for name, values in candidates.items():
        for value in values:
            value = np.asarray(value)
            if value.shape == got.shape and np.allclose(got, value, rtol=1e-3, atol=1e-4):
                return name
    return None


def assert_bce(ctx: Context, a: dict, reveal: bool, what: str) -> None:
    """The mean binary cross-entropy, one finite scalar; a confidently wrong sample costs at
    least -log(max_epsilon), whatever clipping the student chose."""
    i = a.get("probe", 0)
    y, p = ctx.arg(i, 0).astype(np.float64), ctx.arg(i, 1).astype(np.float64)
    got = _answer(ctx, i, what)
    if not np.all(np.isfinite(got)):
        saturated = bool(np.any((p == 0) | (p == 1)))
        name = "bce_unclipped" if saturated else _bce_mistake(got, y, p)
        raise Failure(f"{what} returned inf or nan" + (f": {_named(name)}" if name else ""))
    name = _bce_mistake(got, y, p)
    if got.shape != ():
        extra = f": {_named(name)}" if name else " (reduce it to one number, tf.reduce_mean)"
        raise Failure(f"{what} returned shape {got.shape}, expected a scalar of shape (){extra}")
    wrong = (p == 1.0 - y) & ((p == 0) | (p == 1))
    if wrong.any():
        rest = bce64(y[~wrong], p[~wrong], mean=False)
        floor = (float(np.sum(rest)) + wrong.sum() * -np.log(MAX_EPSILON)) / len(y)
        ceiling = (float(np.sum(rest)) + wrong.sum() * -np.log(1e-12)) / len(y)
        if float(got) > ceiling * (1 + 1e-3):
            name = _bce_mistake(got, y, p)
            raise Failure(f"{what} gives a wrong value" + (f": {_named(name)}" if name else ""))
        if float(got) + 1e-6 < floor * (1 - 1e-3):
            raise Failure(
                f"{what} makes a confidently wrong sample (p exactly 0 or 1 on the wrong class) "
                f"cost less than {-np.log(MAX_EPSILON):.1f}: clip with a small epsilon such as "
                "1e-7, so that such a sample costs about 16"
            )
        return
    want = np.asarray(ctx.expected[i]["value"], dtype=np.float64)
    if close(got, want, 1e-3, 1e-4):
        return
    lead = f"{what} gives a wrong value" + (f": {_named(name)}" if name else "")
    raise Failure(lead + (f" (expected {float(want):.6g}, got {float(got):.6g})" if reveal else ""))


def _start(ctx: Context, i: int) -> dict:
    return {name: ctx.variable(i, name).astype(np.float64) for name in VARIABLES}


def _loss_of(loss: str, v: dict, x: np.ndarray, y: np.ndarray) -> float:
    p = forward64(v, x)
    return bce64(y, p) if loss == "bce" else float(np.mean((y - p) ** 2))


def numeric_step(ctx: Context, i: int, loss: str = "bce", eps: float = 1e-6) -> dict:
    """The variables after one step of -learning_rate times the central-difference gradient
    of ``loss`` ("bce" or "mse" on the sigmoid output), in float64, without TensorFlow."""
    x, y = ctx.arg(i, 0).astype(np.float64), ctx.arg(i, 1).astype(np.float64)
    lr = float(ctx.probes[i]["learning_rate"])
    v = _start(ctx, i)
    after = {}
    for name in VARIABLES:
        g = np.zeros_like(v[name])
        for index in np.ndindex(v[name].shape):
            saved = v[name][index]
            v[name][index] = saved + eps
            up = _loss_of(loss, v, x, y)
            v[name][index] = saved - eps
            g[index] = (up - _loss_of(loss, v, x, y)) / (2 * eps)
            v[name][index] = saved
        after[name] = v[name] - lr * g
    return after


def loss_gradient(v: dict, x: np.ndarray, y: np.ndarray) -> dict:
    """The gradient of binary cross-entropy (probabilities clipped to [epsilon, 1 - epsilon],
    whose slope is 0 where the clip holds) with respect to each variable, in float64 and by
    backpropagation: the engine checks with it that a training run took gradient steps
    (autograder.descent), over every step, where central differences would be too slow."""
    z1 = x @ v["W1"] + v["b1"]
    h1 = np.maximum(z1, 0.0)
    z2 = h1 @ v["W2"] + v["b2"]
    h2 = np.maximum(z2, 0.0)
    p = sigmoid64(h2 @ v["W3"] + v["b3"])
    inside = (p > EPSILON) & (p < 1.0 - EPSILON)
    d_z3 = np.where(inside, p - y, 0.0) / y.size  # d/dz of -(y log p + (1-y) log(1-p)), mean
    d_z2 = (d_z3 @ v["W3"].T) * (z2 > 0)
    d_z1 = (d_z2 @ v["W2"].T) * (z1 > 0)
    return {
        "W1": x.T @ d_z1,
        "b1": d_z1.sum(axis=0),
        "W2": h1.T @ d_z2,
        "b2": d_z2.sum(axis=0),
        "W3": h2.T @ d_z3,
        "b3": d_z3.sum(axis=0),
    }


def _matches(got: dict, want: dict) -> bool:
    for name in VARIABLES:
        value = got.get(name)
        if value is None or isinstance(value, list) or np.shape(value) != want[name].shape:
            return False
        if not np.allclose(np.asarray(value, dtype=np.float64), want[name], rtol=1e-3, atol=2e-5):
            return False
    return True


def assert_bce_gradient(ctx: Context, a: dict, reveal: bool, what: str) -> None:
    """The step is -learning_rate times the gradient of binary cross-entropy (finite
    differences in float64); a step along mean squared error's gradient is named."""
    i = a.get("probe", 0)
    got = ctx.answers[i].get("after") or {}
    if _matches(got, numeric_step(ctx, i, "bce")):
        return
    if _matches(got, numeric_step(ctx, i, "mse")):
        raise Failure(f"{what}: {_named('step_mse')}")
    start = _start(ctx, i)
    still = [n for n in VARIABLES if n in got and np.allclose(got[n], start[n], atol=1e-9)]
    if still:
        verb = "was" if len(still) == 1 else "were"
        raise Failure(
            f"{what}: {', '.join(still)} {verb} not updated: every one of the six variables "
            "needs its gradient and its assign_sub"
        )
    raise Failure(
        f"{what}: the change of the variables is not -learning_rate times the gradient of "
        "bce_loss(targets, model(inputs)) (checked with finite differences)"
    )


def _afters(ctx: Context, i: int) -> list[dict]:
    """The variables after the step: the student's, then the reference's (where complete)."""
    start = _start(ctx, i)
    out = []
    for reply in (ctx.answers[i], ctx.expected[i]):
        after = reply.get("after") or {}
        values = {n: after.get(n) for n in VARIABLES}
        if all(v is not None and np.shape(v) == start[n].shape for n, v in values.items()):
            out.append({n: np.asarray(v, dtype=np.float64) for n, v in values.items()})
    return out


def assert_bce_loss_before(ctx: Context, a: dict, reveal: bool, what: str) -> None:
    """The returned loss is the binary cross-entropy before the step; the MSE is named."""
    i = a.get("probe", 0)
    got = _answer(ctx, i, what)
    if got.size != 1:
        raise Failure(f"{what} returned shape {got.shape}, expected the scalar loss")
    v, x, y = _start(ctx, i), ctx.arg(i, 0).astype(np.float64), ctx.arg(i, 1).astype(np.float64)
    value = float(got.reshape(-1)[0])
    if np.isclose(value, _loss_of("bce", v, x, y), rtol=1e-3, atol=1e-5):
        return
    if np.isclose(value, _loss_of("mse", v, x, y), rtol=1e-3, atol=1e-5):
        raise Failure(f"{what} returned the mean squared error: {_named('step_mse')}")
    if any(
        np.isclose(value, _loss_of("bce", moved_to, x, y), rtol=1e-3, atol=1e-5)
        for moved_to in _afters(ctx, i)
    ):
        raise Failure(
            f"{what} returned the loss after the update: return the loss computed inside the "
            "tape, before the variables change"
        )
    raise Failure(f"{what} returned a loss that is not bce_loss(targets, model(inputs))")


#: What the messages of the assertions above diagnose, where they name no mistake of
#: MISTAKES (pattern, cause; autograder.judge.named_mistake reads it).
DIAGNOSES = (
    (r"makes a confidently wrong sample .* cost less than", "too large an epsilon"),
    (r"(\w+(?:, \w+)*) did not move: every one", r"\1 not updated"),
    (r"the change of the variables is not -learning_rate times", "a step off the gradient"),
    (r"returned a loss that is not bce_loss\(targets, model", "another loss than bce_loss"),
)

#: Assertions the judge evaluates itself, with the keys each reads besides ``kind``.
JUDGE_ASSERTIONS = {
    "sigmoid": (assert_sigmoid, {"probe"}),
    "bce": (assert_bce, {"probe"}),
    "bce_gradient": (assert_bce_gradient, {"probe"}),
    "bce_loss_before": (assert_bce_loss_before, {"probe"}),
}


# --------------------------------------------------------------------------- recorded replies
# A public check runs in the student's kernel, where the grader's reference functions are
# not (the release carries none of their code).  So that a wrong ``sigmoid`` or
# ``bce_loss`` cannot make a correct ``training_step`` fail its public check, that check
# answers the step's calls to them from tables: the logits the locked ``model`` passes to
# ``sigmoid`` on the probe's batch, with σ and its slope σ(1 - σ) there, and ``bce_loss``'s
# value on those probabilities with its derivative with respect to them (zero where the
# reference's clipping holds a probability still).  The stand-ins of catalogue.py (shipped
# with the public checks) turn the tables into functions that are linear around the
# recorded point, so the student's own GradientTape finds the reference's gradient.
# Numbers only, computed here in float64 from the probe's own inputs: the reference's, to
# float32's precision.


def _step_calls(probe: dict) -> dict[str, list[dict]]:
    """training_step's calls: sigmoid on the batch's logits, bce_loss on what it returned."""
    x = np.asarray(decode_argument(probe["args"][0]), dtype=np.float64)
    y = np.asarray(decode_argument(probe["args"][1]), dtype=np.float64)
    values = {
        k: np.asarray(wire.from_plain(v), dtype=np.float64) for k, v in probe["variables"].items()
    }
    z = logits64(values, x)
    # the probabilities as the stand-in returns them (float32), so bce_loss's call matches
    s = sigmoid64(z)
    p = s.astype(np.float32).astype(np.float64)
    inside = (p > EPSILON) & (p < 1.0 - EPSILON)
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = np.where(inside, -(y / p - (1.0 - y) / (1.0 - p)) / y.size, 0.0)
    sigmoid = {"z": arr(z), "value": arr(p), "slope": arr(s * (1.0 - s))}
    loss = {
        "targets": arr(y),
        "probabilities": arr(p),
        "loss": arr(bce64(y, p)),
        "gradient": arr(slope),
    }
    return {"sigmoid": [sigmoid], "bce_loss": [loss]}


def recorded_tables(probe: dict, expected: dict) -> dict[str, list[dict]]:
    """For each function the probe substitutes, the calls recorded for it (none for a probe
    of another function: its stand-ins then say a call was not recorded)."""
    names = probe.get("substitute", [])
    recorded: dict[str, list[dict]] = {name: [] for name in names}
    if probe.get("call") == "training_step":
        recorded.update(_step_calls(probe))
    unknown = set(recorded) - set(names)
    if unknown:
        raise ValueError(
            f"a training_step probe records calls to {sorted(unknown)} it does not make"
        )
    return recorded

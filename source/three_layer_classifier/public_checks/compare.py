"""How the judge compares a worker's answers with the reference's, and names mistakes.

A check's verdict is a list of *assertions* (plain dicts such as
``{"kind": "value", "probe": 0, "diagnose": ["no_bias"]}``) that this module
evaluates on decoded answers.  Keeping the verdict as data lets the same check
run in the grader and in the student's public checks, which carry a copy of
this module but not the hidden checks.

When values differ, each name under ``diagnose`` is tried: a *diagnosis* builds
what a typical wrong solution would have returned, and when the student's value
matches it the message names that mistake ("the last layer applies ReLU; it
must be linear").  That is what makes a failing check teach.

Self-contained (standard library and NumPy): it is copied into the release.
"""

import math
import re

import numpy as np

from . import wire

RTOL = 1e-4
ATOL = 1e-5


class Context:
    """Decoded probes, the student's answers and the reference's answers."""

    def __init__(self, probes: list[dict], answers: list[dict], expected: list[dict]):
        self.probes = probes
        self.answers = answers
        self.expected = expected

    def arg(self, i: int, k: int) -> np.ndarray:
        return np.asarray(_decode_argument(self.probes[i]["args"][k]), dtype=np.float64)

    def variable(self, i: int, name: str) -> np.ndarray:
        return np.asarray(wire.from_plain(self.probes[i]["variables"][name]), dtype=np.float64)


def _decode_argument(spec):
    if isinstance(spec, dict) and "as" in spec:
        return wire.from_plain(spec.get("value")) if "value" in spec else None
    return wire.from_plain(spec)


def decode_answer(reply: dict) -> dict:
    """Turn a worker's reply into arrays; a malformed reply becomes an error."""
    out = {"error": reply.get("error"), "output": reply.get("output", "")}
    try:
        for key in ("value", "loss_after", "model_outputs"):
            if key in reply:
                out[key] = wire.from_plain(reply[key])
        if "args_after" in reply:
            out["args_after"] = [wire.from_plain(v) for v in list(reply["args_after"])[:8]]
        if "after" in reply:
            out["after"] = {k: wire.from_plain(v) for k, v in reply["after"].items()}
        if "losses" in reply:
            out["losses"] = [float(v) for v in reply["losses"]][:100_000]
        out["kept"] = bool(reply.get("kept", True))
    except (wire.WireError, TypeError, ValueError, AttributeError) as exc:
        out["error"] = {"type": "WireError", "message": str(exc), "where": ""}
    return out


# --------------------------------------------------------------------------- rendering


def show(value, limit: int = 6) -> str:
    """A short, readable rendering of a value for a message."""
    if value is None:
        return "None"
    if isinstance(value, list):
        return f"a list of {len(value)} items"
    array = np.asarray(value)
    if array.ndim == 0:
        return f"{float(array):.6g}"
    flat = array.reshape(-1)
    items = ", ".join(f"{float(v):.4g}" for v in flat[:limit])
    more = ", ..." if flat.size > limit else ""
    return f"shape {tuple(array.shape)} [{items}{more}]"


def close(got, want, rtol: float = RTOL, atol: float = ATOL) -> bool:
    if got is None or want is None or isinstance(got, list) or isinstance(want, list):
        return False
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    if got.shape != want.shape:
        return False
    return bool(np.allclose(got, want, rtol=rtol, atol=atol))


# --------------------------------------------------------------------------- mistakes


def _relu(a):
    return np.maximum(a, 0.0)


def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def _exp(ctx, i, key="value"):
    value = ctx.expected[i].get(key)
    return None if value is None else np.asarray(value, dtype=np.float64)


def _layer_affine(ctx, i):
    return ctx.arg(i, 0) @ ctx.arg(i, 1) + ctx.arg(i, 2)


def _model_out(ctx, i):
    return _exp(ctx, i, "model_outputs")


def _accuracy_variant(ctx, i, predict, flat_targets=False):
    out = _model_out(ctx, i)
    if out is None:
        return None
    targets = ctx.arg(i, 1)
    if flat_targets:
        targets = targets.reshape(-1)
    return np.float64(np.mean(predict(out) == targets))


def _forward(ctx, i, relu1=True, relu2=True, bias1="b1", bias2="b2", skip2=False, layers=3):
    """The model's output (or a hidden layer's, ``layers`` < 3) with one thing changed."""
    v = {name: ctx.variable(i, name) for name in ("W1", "b1", "W2", "b2", "W3", "b3")}
    h1 = ctx.arg(i, 0) @ v["W1"] + v[bias1]
    h1 = _relu(h1) if relu1 else h1
    if layers == 1:
        return h1
    h2 = h1 @ v["W2"] + v[bias2]
    h2 = _relu(h2) if relu2 else h2
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
        if close(ctx.answers[k].get("value"), _exp(ctx, k)):
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
        mine, other = _exp(ctx, i), _exp(ctx, k)
        if mine is None or other is None or close(mine, other, 1e-3, 1e-4):
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
        lambda c, i: _exp(c, i) - c.arg(i, 2),
    ),
    "bias_subtracted": (
        "the bias is subtracted: use inputs @ W + b",
        lambda c, i: _exp(c, i) - 2 * c.arg(i, 2),
    ),
    "activation_always": (
        "an activation is applied although `activation` is None: apply it only when one is given",
        lambda c, i: _relu(_exp(c, i)),
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
        lambda c, i: _relu(_exp(c, i)),
    ),
    "sigmoid_on_output": (
        "the last layer applies a sigmoid: it must be linear (this model is trained with "
        "mean squared error on raw outputs)",
        lambda c, i: _sigmoid(_exp(c, i)),
    ),
    "negated": ("the sign is flipped", lambda c, i: -_exp(c, i)),
    "hidden1_linear": (
        "the first hidden layer has no ReLU: layer(inputs, W1, b1, tf.nn.relu)",
        lambda c, i: _forward(c, i, relu1=False),
    ),
    "hidden2_linear": (
        "the second hidden layer has no ReLU: layer(hidden1, W2, b2, tf.nn.relu)",
        lambda c, i: _forward(c, i, relu2=False),
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
        lambda c, i: _exp(c, i) * c.arg(i, 0).size,
    ),
    "root": (
        "the square root is taken (RMSE): return the mean squared error itself",
        lambda c, i: np.sqrt(_exp(c, i)),
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
    "halved": ("the loss is halved: no 1/2 factor here", lambda c, i: _exp(c, i) / 2),
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
        lambda c, i: _exp(c, i) * c.arg(i, 1).shape[0],
    ),
    "percent": (
        "a percentage is returned: return a fraction in [0, 1]",
        lambda c, i: _exp(c, i) * 100,
    ),
    "inverted": (
        "the classes are inverted: an output above 0.5 means class 1",
        lambda c, i: 1 - _exp(c, i),
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


def diagnose(ctx: Context, i: int, names: list[str], got) -> str | None:
    """The first named mistake whose value matches what the student returned."""
    if got is None or isinstance(got, list):
        return None
    for name in names:
        text, build = MISTAKES[name]
        try:
            alternative = build(ctx, i)
        except Exception:  # noqa: BLE001 - a diagnosis that cannot apply is skipped
            continue
        if alternative is None:
            continue
        alt = np.asarray(alternative, dtype=np.float64)
        g = np.asarray(got, dtype=np.float64)
        if g.shape == alt.shape and np.allclose(g, alt, rtol=1e-3, atol=1e-4):
            want = _exp(ctx, i)
            if alt.shape == () or want is None or not close(alt, want, 1e-3, 1e-4):
                return text
    return None


# --------------------------------------------------------------------------- assertions


class Failure(Exception):
    """An assertion that does not hold; its text is the student's message."""


def _need_value(answer: dict, what: str):
    value = answer.get("value")
    if value is None:
        raise Failure(f"{what} returned None: did you forget `return`?")
    return value


def _as_array(value, what: str) -> np.ndarray:
    if isinstance(value, list):
        raise Failure(f"{what} returned a list of {len(value)} items, expected one array")
    return np.asarray(value)


def assert_value(ctx: Context, a: dict, reveal: bool, what: str) -> None:
    i = a.get("probe", 0)
    got = _as_array(_need_value(ctx.answers[i], what), what)
    want = np.asarray(ctx.expected[i]["value"])
    if a.get("squeeze") and got.size == 1:
        got, want = got.reshape(()), want.reshape(())
    if a.get("scalar") and got.shape != ():
        found = diagnose(ctx, i, a.get("diagnose", []), got)
        if found:
            hint = f": {found}"
        elif got.size > 1:
            hint = " (reduce it to one number, e.g. with tf.reduce_mean)"
        else:
            hint = ""
        raise Failure(f"{what} returned shape {got.shape}, expected a scalar of shape (){hint}")
    if got.shape != want.shape:
        found = diagnose(ctx, i, a.get("diagnose", []), got)
        raise Failure(
            f"{what} returned shape {got.shape}, expected {want.shape}"
            + (f": {found}" if found else "")
        )
    dtype = a.get("dtype")
    if dtype and got.dtype.name != dtype:
        raise Failure(
            f"{what} returned dtype {got.dtype.name}, expected {dtype} "
            "(keep the computation in TensorFlow float32)"
        )
    if not close(got, want, a.get("rtol", RTOL), a.get("atol", ATOL)):
        found = diagnose(ctx, i, a.get("diagnose", []), got) or a.get("explain")
        lead = f"{what} gives wrong values" + (f": {found}" if found else "")
        if reveal:
            raise Failure(f"{lead}.\n  expected: {show(want)}\n  got:      {show(got)}")
        raise Failure(f"{lead}.\n  got: {show(got)}")


def assert_shape(ctx: Context, a: dict, reveal: bool, what: str) -> None:
    i = a.get("probe", 0)
    got = _as_array(_need_value(ctx.answers[i], what), what)
    want = np.asarray(ctx.expected[i]["value"])
    if got.shape != want.shape:
        extra = ""
        if want.shape == () and got.size > 1:
            extra = " (reduce it to one number, e.g. with tf.reduce_mean)"
        elif want.shape == ():
            extra = " (a plain scalar has shape (); drop the extra dimensions)"
        raise Failure(f"{what} returned shape {got.shape}, expected {want.shape}{extra}")
    dtype = a.get("dtype")
    if dtype and got.dtype.name != dtype:
        raise Failure(
            f"{what} returned dtype {got.dtype.name}, expected {dtype} "
            "(keep the computation in TensorFlow float32)"
        )


def assert_range(ctx: Context, a: dict, reveal: bool, what: str) -> None:
    i = a.get("probe", 0)
    got = _as_array(_need_value(ctx.answers[i], what), what)
    if got.size != 1:
        raise Failure(f"{what} returned shape {got.shape}, expected a single number")
    v = float(got.reshape(-1)[0])
    low, high = a["low"], a["high"]
    if not (low <= v <= high):
        found = diagnose(ctx, i, a.get("diagnose", []), got.reshape(()))
        raise Failure(
            f"{what} returned {v:.6g}, outside [{low}, {high}]" + (f": {found}" if found else "")
        )


def _batch_list(value, what: str, which: str) -> list:
    if isinstance(value, list):
        items = value
    else:
        array = np.asarray(value)
        if array.ndim == 2:
            raise Failure(
                f"{what}: the {which}s were not split: the {which} batches are one array, "
                f"{show(array)}; split them into num_batches arrays, exactly like the inputs"
            )
        if array.ndim != 3:
            raise Failure(
                f"{what}: the {which} batches are {show(array)}, expected a list of arrays"
            )
        items = list(array)
    out = []
    for item in items:
        if isinstance(item, list):
            raise Failure(f"{what}: a {which} batch is a list, expected an array")
        out.append(np.asarray(item))
    return out


def assert_batches(ctx: Context, a: dict, reveal: bool, what: str) -> None:
    i = a.get("probe", 0)
    value = _need_value(ctx.answers[i], what)
    if not isinstance(value, list) or len(value) != 2:
        if (
            isinstance(value, list)
            and value
            and all(isinstance(v, list) and len(v) == 2 for v in value)
        ):
            raise Failure(
                f"{what} returned a list of {len(value)} (inputs, targets) pairs: it must "
                "return a pair of lists (input_batches, target_batches), as "
                "`return np.vsplit(inputs, k), np.vsplit(targets, k)` does"
            )
        raise Failure(f"{what} must return a pair (input_batches, target_batches)")
    got_x = _batch_list(value[0], what, "input")
    got_y = _batch_list(value[1], what, "target")
    want_x, want_y = ctx.expected[i]["value"]
    x = ctx.arg(i, 0)
    n_batches = len(want_x)
    if len(got_x) != n_batches or len(got_y) != n_batches:
        size = want_x[0].shape[0]
        text = (
            f"{what} made {len(got_x)} input and {len(got_y)} target batches, expected {n_batches}"
        )
        if len(got_x) == x.shape[0] // max(n_batches, 1) and len(got_x) != n_batches:
            text += (
                f": it looks like batches of {n_batches} samples were made; num_batches is the "
                f"number of batches (here each batch holds {size} samples)"
            )
        raise Failure(text)
    if a.get("only_count"):
        return
    for k, (gx, wx) in enumerate(zip(got_x, want_x)):
        if gx.shape != wx.shape:
            text = f"{what}: input batch {k} has shape {gx.shape}, expected {wx.shape} "
            one_short = gx.ndim == wx.ndim and gx.shape[1:] == wx.shape[1:]
            if one_short and gx.shape[0] == wx.shape[0] - 1:
                text += (
                    "(each batch is one sample short: slice ends are exclusive, so "
                    "inputs[k * size:(k + 1) * size] already stops before row (k + 1) * size)"
                )
            else:
                text += "(equal consecutive batches, as np.vsplit gives)"
            raise Failure(text)
    for k, (gy, wy) in enumerate(zip(got_y, want_y)):
        if gy.shape != wy.shape:
            raise Failure(f"{what}: target batch {k} has shape {gy.shape}, expected {wy.shape}")
    # Alignment first: row r of an input batch must keep its own target.
    lookup = dict(zip(_row_keys(x), np.asarray(ctx.arg(i, 1), dtype=np.float64)))
    for k, (gx, gy) in enumerate(zip(got_x, got_y)):
        found = [lookup.get(key) for key in _row_keys(gx)]
        if any(t is None for t in found):
            raise Failure(f"{what}: input batch {k} holds a row that is not in the inputs")
        r = _first_mismatch(found, gy)
        if r is not None:
            raise Failure(
                f"{what}: inputs and targets are no longer aligned (batch {k}, row {r}): "
                "split (or shuffle) both arrays the same way"
            )
    for k, (gx, wx) in enumerate(zip(got_x, want_x)):
        if not close(gx, wx, 0, 1e-6):
            stacked = np.concatenate([np.asarray(b, dtype=np.float64) for b in got_x])
            if stacked.shape == x.shape and np.allclose(
                stacked, np.concatenate([x[j::n_batches] for j in range(n_batches)])
            ):
                raise Failure(
                    f"{what}: batches take every {n_batches}th sample (x[i::n]); they must be "
                    "consecutive blocks, as np.vsplit gives"
                )
            raise Failure(
                f"{what}: batch {k} does not hold samples {k * wx.shape[0]} to "
                f"{(k + 1) * wx.shape[0] - 1} in their original order (do not shuffle here)"
            )


def assert_loss_before(ctx: Context, a: dict, reveal: bool, what: str) -> None:
    i = a.get("probe", 0)
    got = _as_array(_need_value(ctx.answers[i], what), what)
    want = np.asarray(ctx.expected[i]["value"])
    if got.size != 1:
        raise Failure(f"{what} returned shape {got.shape}, expected the scalar loss")
    if close(got.reshape(()), want.reshape(()), 1e-3, 1e-5):
        return
    after = ctx.expected[i].get("loss_after")
    if after is not None and close(got.reshape(()), np.asarray(after).reshape(()), 1e-3, 1e-5):
        raise Failure(
            f"{what} returned the loss after the update: return the loss computed inside "
            "the tape, before the variables change"
        )
    lead = f"{what} returned a loss that does not match the reference"
    if reveal:
        raise Failure(f"{lead}.\n  expected: {show(want)}\n  got:      {show(got)}")
    raise Failure(f"{lead}.\n  got: {show(got)}")


def _join_problems(problems: list[tuple[str, str, str]]) -> str:
    """``[(name, "was ...", "were ...")]`` as text, naming the variables that share a problem."""
    groups: dict[tuple[str, str], list[str]] = {}
    for name, one, many in problems:
        groups.setdefault((one, many), []).append(name)
    parts = []
    for (one, many), names in groups.items():
        if len(names) == 1:
            parts.append(f"{names[0]} {one}")
        else:
            parts.append(f"{', '.join(names[:-1])} and {names[-1]} {many}")
    return "; ".join(parts)


def assert_update(ctx: Context, a: dict, reveal: bool, what: str) -> None:
    """Every variable moved by -learning_rate * gradient, like the reference."""
    i = a.get("probe", 0)
    answer = ctx.answers[i]
    after = answer.get("after") or {}
    want_after = ctx.expected[i]["after"]
    lr = float(ctx.probes[i]["learning_rate"])
    problems: list[tuple[str, str, str]] = []
    wrong_amount = ("was updated by the wrong amount", "were updated by the wrong amount")
    for name, want in want_after.items():
        got = after.get(name)
        start = ctx.variable(i, name)
        if got is None or isinstance(got, list):
            problems.append((name, "is missing after the step", "are missing after the step"))
            continue
        got = np.asarray(got, dtype=np.float64)
        want = np.asarray(want, dtype=np.float64)
        if got.shape != want.shape:
            changed = f"changed shape to {got.shape}"
            problems.append((name, changed, changed))
            continue
        if close(got, want, a.get("rtol", 1e-3), a.get("atol", 1e-5)):
            continue
        d_got, d_want = got - start, want - start
        scale = float(np.sum(d_want * d_want))
        if np.allclose(d_got, 0, atol=1e-7):
            fix = " (include it in tape.gradient and assign_sub)"
            problems.append((name, "was not updated" + fix, "were not updated" + fix))
        elif scale > 0 and np.allclose(d_got, -d_want, rtol=1e-3, atol=1e-6):
            fix = ": subtract learning_rate * gradient (assign_sub), do not add it"
            problems.append((name, "moved uphill" + fix, "moved uphill" + fix))
        elif scale > 0:
            ratio = float(np.sum(d_got * d_want)) / scale
            if ratio > 0 and np.allclose(d_got, ratio * d_want, rtol=1e-3, atol=1e-6):
                used = ratio * lr
                text = f"of {used:.4g} x gradient, but learning_rate is {lr:g}"
                if math.isclose(used, 0.1, rel_tol=1e-3) and not math.isclose(lr, 0.1):
                    text += ": read the global learning_rate inside the function, do not fix 0.1"
                problems.append((name, "took a step " + text, "took steps " + text))
            else:
                problems.append((name, *wrong_amount))
        else:
            problems.append((name, *wrong_amount))
    if problems:
        raise Failure(f"{what}: " + _join_problems(problems))


def assert_kept(ctx: Context, a: dict, reveal: bool, what: str) -> None:
    i = a.get("probe", 0)
    if not ctx.answers[i].get("kept", True):
        raise Failure(
            f"{what} replaced the global variables with new objects: update them in place "
            "with W.assign_sub(...) so that every reference to them sees the new values"
        )


def _one_array(ctx: Context, i: int, what: str) -> np.ndarray:
    return _as_array(_need_value(ctx.answers[i], what), what)


def assert_uniform_init(ctx: Context, a: dict, reveal: bool, what: str) -> None:
    """Glorot uniform draws, judged by their properties, not by one generator's numbers.

    Probes: [draw(seed s), draw(seed s) again, draw(seed t)] on the same shape.  Any
    generator is fine (NumPy, TensorFlow, stateless or seeded) as long as the draws have
    the right shape and dtype, stay in [-l, l] with l = sqrt(6 / (fan_in + fan_out)),
    look uniform on that range, repeat for a seed and change with it.
    """
    first, again, other = (_one_array(ctx, k, what) for k in range(3))
    fan_in, fan_out = (int(_decode_argument(ctx.probes[0]["args"][k])) for k in (0, 1))
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    if first.shape != (fan_in, fan_out):
        raise Failure(
            f"{what} returned shape {first.shape}, expected (fan_in, fan_out) = {(fan_in, fan_out)}"
        )
    if first.dtype.name != "float32":
        raise Failure(f"{what} returned dtype {first.dtype.name}, expected float32")
    values = first.astype(np.float64).reshape(-1)
    low, high = float(values.min()), float(values.max())
    if high > limit * (1 + 1e-5) or low < -limit * (1 + 1e-5):
        wide = max(high, -low)
        text = f"{what} drew values up to {wide:.4g}, outside [-{limit:.4g}, {limit:.4g}]"
        if math.isclose(wide, math.sqrt(6.0 / fan_in), rel_tol=0.05):
            text += ": the limit is sqrt(6 / (fan_in + fan_out)), not sqrt(6 / fan_in)"
        elif abs(float(values.mean())) < 0.1 * limit and float(values.std()) > limit / 2:
            text += ": the values look normal (unbounded), not uniform"
        raise Failure(text)
    if low > -0.5 * limit:
        raise Failure(
            f"{what} drew values from {low:.4g} to {high:.4g}: they must cover [-l, l], "
            "centred on zero, not [0, l)"
        )
    if values.size >= 1000:
        ordered = np.sort((values + limit) / (2 * limit))
        grid = (np.arange(1, ordered.size + 1) - 0.5) / ordered.size
        distance = float(np.max(np.abs(ordered - grid)))
        if distance > 0.02 or high < 0.95 * limit or low > -0.95 * limit:
            raise Failure(
                f"{what} draws are not uniform on [-l, l] (their distribution is {distance:.2f} "
                "away from uniform): use a uniform distribution with these bounds"
            )
    if not close(first, again, 0, 0):
        raise Failure(f"{what} gave different values for the same seed: use the seed argument")
    if close(first, other, 0, 0):
        raise Failure(f"{what} gave the same values for different seeds: use the seed argument")


def _row_keys(a) -> list[tuple]:
    """Each row of a 2-D array as a hashable key, rounded to 5 decimals."""
    return [tuple(r) for r in np.round(np.asarray(a, dtype=np.float64), 5).tolist()]


def _first_mismatch(found: list, got, atol: float = 1e-6) -> int | None:
    """The first row where ``got`` differs from the ``found`` targets, or None."""
    want = np.asarray(found, dtype=np.float64).reshape(len(found), -1)
    got = np.asarray(got, dtype=np.float64).reshape(len(found), -1)
    if want.shape != got.shape:
        return 0
    bad = ~np.all(np.isclose(want, got, rtol=1e-5, atol=atol), axis=1)
    return int(np.argmax(bad)) if bad.any() else None


def assert_shuffled_pair(ctx: Context, a: dict, reveal: bool, what: str) -> None:
    """Both arrays permuted by one permutation: aligned, complete, shuffled, seeded.

    Probes: [shuffle(seed s), shuffle(seed s) again, shuffle(seed t)].
    """
    x = ctx.arg(0, 0)
    y = ctx.arg(0, 1)
    results = []
    for k in range(3):
        value = _need_value(ctx.answers[k], what)
        if not isinstance(value, list) or len(value) != 2:
            raise Failure(f"{what} must return a pair (inputs, targets)")
        gx, gy = (np.asarray(v, dtype=np.float64) for v in value)
        results.append((gx, gy))
    gx, gy = results[0]
    if gx.shape != x.shape or gy.shape != y.shape:
        raise Failure(
            f"{what} returned shapes {gx.shape} and {gy.shape}, expected {x.shape} and {y.shape}"
        )
    rows = dict(zip(_row_keys(x), np.asarray(y, dtype=np.float64)))
    keys = _row_keys(gx)
    found = [rows.get(key) for key in keys]
    if any(t is None for t in found):
        raise Failure(f"{what} returned an input row that is not in the inputs")
    if _first_mismatch(found, gy, atol=1e-8) is not None:
        raise Failure(
            f"{what}: inputs and targets were shuffled differently and no longer "
            "match: apply one permutation to both"
        )
    if len(set(keys)) != len(rows):
        raise Failure(f"{what} lost or repeated rows: permute them, do not sample with replacement")
    if np.array_equal(gx, x):
        raise Failure(f"{what} returned the rows in their original order: shuffle them")
    again, other = results[1], results[2]
    if not (np.array_equal(again[0], gx) and np.array_equal(again[1], gy)):
        raise Failure(f"{what} gave a different order for the same seed: use the seed argument")
    if np.array_equal(other[0], gx):
        raise Failure(f"{what} gave the same order for different seeds: use the seed argument")


def assert_arguments_unchanged(ctx: Context, a: dict, reveal: bool, what: str) -> None:
    """The caller's arrays are as they were: the function returned new ones.

    The probe lists, in ``args_after``, the arguments the worker reads back after the call.
    """
    i = a.get("probe", 0)
    answer = ctx.answers[i]
    _need_value(answer, what)
    after = answer.get("args_after")
    indices = ctx.probes[i].get("args_after", [])
    if not isinstance(after, list) or len(after) != len(indices):
        raise Failure(f"the grader could not read back the arguments of {what}")
    names = ("inputs", "targets")
    changed = []
    for k, got in zip(indices, after):
        before = ctx.arg(i, k)
        got = np.asarray(got, dtype=np.float64)
        if got.shape != before.shape or not np.array_equal(got, before):
            changed.append(names[k] if k < len(names) else f"argument {k + 1}")
    if changed:
        raise Failure(
            f"{what} changed the caller's {' and '.join(changed)}: after the call they are "
            "shuffled too (an in-place shuffle such as rng.shuffle or np.random.shuffle). "
            "Return new arrays, e.g. inputs[order], and leave the arguments unchanged: the "
            "notebook's inputs must stay in their original order for the cells that follow"
        )


ASSERTIONS = {
    "arguments_unchanged": assert_arguments_unchanged,
    "uniform_init": assert_uniform_init,
    "shuffled_pair": assert_shuffled_pair,
    "shape": assert_shape,
    "value": assert_value,
    "range": assert_range,
    "batches": assert_batches,
    "loss_before": assert_loss_before,
    "update": assert_update,
    "kept": assert_kept,
}


_MATMUL_SHAPES = re.compile(r"In\[0\]: \[([\d,]+)\], In\[1\]: \[([\d,]+)\]")


def _shape_text(text: str) -> tuple[int, ...]:
    return tuple(int(n) for n in text.split(",") if n)


def _probe_variables(ctx: "Context | None", i: int | None) -> dict:
    if ctx is None or i is None or not ctx.probes[i].get("variables"):
        return {}
    try:
        return {name: ctx.variable(i, name) for name in ctx.probes[i]["variables"]}
    except Exception:  # noqa: BLE001 - a diagnosis that cannot apply is skipped
        return {}


def explain_error(function: str, error: dict, ctx=None, i=None) -> str | None:
    """Name the typical mistake behind an error, when its message reveals one."""
    kind, text = error.get("type", ""), error.get("message", "")
    match = _MATMUL_SHAPES.search(text)
    if "Matrix size-incompatible" in text and match:
        left, right = _shape_text(match.group(1)), _shape_text(match.group(2))
        if len(left) == 2 and len(right) == 2 and right[1] == left[0]:
            return (
                "the matrix product is in the wrong order: tf.matmul(inputs, W) (inputs "
                "first, (n, k) @ (k, units)), not tf.matmul(W, inputs)"
            )
        if len(left) == 2:
            named = [
                name
                for name, value in _probe_variables(ctx, i).items()
                if name.startswith("W") and tuple(value.shape) == right
            ]
            if len(named) == 1:
                return (
                    f"a layer multiplies its {left[1]}-column inputs by {named[0]} of shape "
                    f"{right}: each layer needs its own weights (W1 in layer 1, W2 in layer 2, "
                    "W3 in layer 3)"
                )
    if "Incompatible shapes" in text and ("Op:Mul" in text or "Mul_" in text):
        return (
            "`*` multiplies element by element: the matrix product is tf.matmul(inputs, W) "
            "(or inputs @ W)"
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


def error_message(function: str, error: dict, ctx=None, i=None) -> str:
    """What to tell a student whose code raised instead of answering."""
    kind, text, where = error.get("type", "Error"), error.get("message", ""), error.get("where", "")
    if kind == "NotImplementedError":
        culprit = error.get("cell") or function
        return f"{culprit} is not implemented yet (it still raises NotImplementedError)"
    if kind == "NameError" and f"'{function}'" in text:
        return f"{function} is not defined"
    lead = f"{function} raised {kind}: {text}"
    lead += f" (at {where})" if where else ""
    found = explain_error(function, error, ctx, i)
    return lead + (f"\n  likely cause: {found}" if found else "")


def evaluate(
    assertions: list[dict],
    ctx: Context,
    reveal: bool,
    what: str,
    extra: dict | None = None,
) -> str | None:
    """Run the assertions in order; return the first failure's message, or None."""
    table = dict(ASSERTIONS, **(extra or {}))
    for i, answer in enumerate(ctx.answers):
        if answer.get("error"):
            probe = ctx.probes[i]
            function = probe.get("call") or "training"
            return error_message(function, answer["error"], ctx, i)
    for a in assertions:
        try:
            table[a["kind"]](ctx, a, reveal, what)
        except Failure as failure:
            return str(failure)
    return None

"""How the judge compares a worker's answers with the reference's, and names mistakes.

A check's verdict is a list of *assertions* (plain dicts such as
``{"kind": "value", "probe": 0, "diagnose": ["no_bias"]}``) that this module
evaluates on decoded answers.  Keeping the verdict as data lets the same check
run in the grader and in the student's public checks, which carry a copy of
this module but not the hidden checks.

When values differ, each name under ``diagnose`` is tried against the catalogue of
typical mistakes (:mod:`mistakes`), so that the message names the mistake made.
Decoding the worker's replies is :mod:`answers`' job.

Self-contained (standard library and NumPy): it is copied into the release.
"""

import math

import numpy as np

from . import wire
from .answers import ATOL, RTOL, Context, close, decode_answer, decode_argument, show
from .mistakes import MISTAKES, diagnose, error_message

__all__ = ["ASSERTIONS", "ASSERTION_KEYS", "ATOL", "DIAGNOSES", "MISTAKES", "RTOL", "Context"]
__all__ += ["Failure"]
__all__ += ["close", "decode_answer", "diagnose", "error_message", "evaluate", "show"]

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


def _one_array(ctx: Context, i: int, what: str) -> np.ndarray:
    """The student's answer to probe ``i``: one array (a Failure for None or a list)."""
    return _as_array(_need_value(ctx.answers[i], what), what)


def _check_dtype(got: np.ndarray, dtype: str | None, what: str) -> None:
    if dtype and got.dtype.name != dtype:
        raise Failure(
            f"{what} returned dtype {got.dtype.name}, expected {dtype} "
            "(keep the computation in TensorFlow float32)"
        )


def _expected_got(lead: str, want, got, reveal: bool) -> str:
    """A wrong-value message: expected against got where the check is public, got alone
    where it is hidden (the reference's answer to a hidden probe is not shown)."""
    if reveal:
        return f"{lead}.\n  expected: {show(want)}\n  got:      {show(got)}"
    return f"{lead}.\n  got: {show(got)}"


def assert_value(ctx: Context, a: dict, reveal: bool, what: str) -> None:
    i = a.get("probe", 0)
    got = _one_array(ctx, i, what)
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
    _check_dtype(got, a.get("dtype"), what)
    if not close(got, want, a.get("rtol", RTOL), a.get("atol", ATOL)):
        found = diagnose(ctx, i, a.get("diagnose", []), got) or a.get("explain")
        lead = f"{what} gives wrong values" + (f": {found}" if found else "")
        raise Failure(_expected_got(lead, want, got, reveal))


def assert_shape(ctx: Context, a: dict, reveal: bool, what: str) -> None:
    i = a.get("probe", 0)
    got = _one_array(ctx, i, what)
    want = np.asarray(ctx.expected[i]["value"])
    if got.shape != want.shape:
        found = diagnose(ctx, i, a.get("diagnose", []), got)
        extra = ""
        if found:
            extra = f": {found}"
        elif want.shape == () and got.size > 1:
            extra = " (reduce it to one number, e.g. with tf.reduce_mean)"
        elif want.shape == ():
            extra = " (a plain scalar has shape (); drop the extra dimensions)"
        raise Failure(f"{what} returned shape {got.shape}, expected {want.shape}{extra}")
    _check_dtype(got, a.get("dtype"), what)


def assert_range(ctx: Context, a: dict, reveal: bool, what: str) -> None:
    i = a.get("probe", 0)
    got = _one_array(ctx, i, what)
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


def _batch_pair(value, what: str) -> tuple:
    """The (input_batches, target_batches) pair a split returned, or the mistake's message."""
    if isinstance(value, list) and len(value) == 2:
        return value[0], value[1]
    pairs = isinstance(value, list) and all(isinstance(v, list) and len(v) == 2 for v in value)
    if pairs and value:
        raise Failure(
            f"{what} returned a list of {len(value)} (inputs, targets) pairs: it must "
            "return a pair of lists (input_batches, target_batches), as "
            "`return np.vsplit(inputs, k), np.vsplit(targets, k)` does"
        )
    raise Failure(f"{what} must return a pair (input_batches, target_batches)")


def _check_batch_count(got_x: list, got_y: list, want_x: list, x: np.ndarray, what: str) -> None:
    n_batches = len(want_x)
    if len(got_x) == n_batches and len(got_y) == n_batches:
        return
    text = f"{what} made {len(got_x)} input and {len(got_y)} target batches, expected {n_batches}"
    size = want_x[0].shape[0]
    # What the batches hold says which mistake it is: their count alone does not (12 rows in
    # 4 batches: 3 batches are "batches of 4" and also "one batch too few" of 3).
    sizes = {np.shape(b)[0] if np.ndim(b) else None for b in got_x}
    if sizes == {n_batches} and n_batches != size:
        text += (
            f": it looks like batches of {n_batches} samples were made; num_batches is the "
            f"number of batches (here each batch holds {size} samples)"
        )
    elif sizes == {size} and len(got_x) == n_batches - 1:
        text += (
            f": one batch too few, each of the right {size} samples, so the last {size} "
            "samples are left out (range(num_batches) counts every batch; "
            "range(num_batches - 1) stops one short)"
        )
    elif sizes == {size} and len(got_x) == n_batches + 1:
        text += f": one batch too many, each of the right {size} samples"
    raise Failure(text)


def _check_batch_shapes(got_x: list, got_y: list, want_x: list, want_y: list, what: str) -> None:
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


def _check_batch_alignment(ctx: Context, i: int, got_x: list, got_y: list, what: str) -> None:
    """Row r of an input batch must keep its own target."""
    lookup = dict(zip(_row_keys(ctx.arg(i, 0)), np.asarray(ctx.arg(i, 1), dtype=np.float64)))
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


def _check_batch_order(got_x: list, want_x: list, x: np.ndarray, what: str) -> None:
    n_batches = len(want_x)
    for k, (gx, wx) in enumerate(zip(got_x, want_x)):
        if close(gx, wx, 0, 1e-6):
            continue
        stacked = np.concatenate([np.asarray(b, dtype=np.float64) for b in got_x])
        strided = np.concatenate([x[j::n_batches] for j in range(n_batches)])
        if stacked.shape == x.shape and np.allclose(stacked, strided):
            raise Failure(
                f"{what}: batches take every {n_batches}th sample (x[i::n]); they must be "
                "consecutive blocks, as np.vsplit gives"
            )
        raise Failure(
            f"{what}: batch {k} does not hold samples {k * wx.shape[0]} to "
            f"{(k + 1) * wx.shape[0] - 1} in their original order (do not shuffle here)"
        )


def assert_batches(ctx: Context, a: dict, reveal: bool, what: str) -> None:
    """Consecutive equal batches, in order, targets aligned: as np.vsplit makes them."""
    i = a.get("probe", 0)
    inputs, targets = _batch_pair(_need_value(ctx.answers[i], what), what)
    got_x = _batch_list(inputs, what, "input")
    got_y = _batch_list(targets, what, "target")
    want_x, want_y = ctx.expected[i]["value"]
    x = ctx.arg(i, 0)
    _check_batch_count(got_x, got_y, want_x, x, what)
    if a.get("only_count"):
        return
    _check_batch_shapes(got_x, got_y, want_x, want_y, what)
    _check_batch_alignment(ctx, i, got_x, got_y, what)
    _check_batch_order(got_x, want_x, x, what)


def assert_loss_before(ctx: Context, a: dict, reveal: bool, what: str) -> None:
    i = a.get("probe", 0)
    got = _one_array(ctx, i, what)
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
    raise Failure(_expected_got(lead, want, got, reveal))


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
    after = ctx.answers[i].get("after") or {}
    lr = float(ctx.probes[i]["learning_rate"])
    problems: list[tuple[str, str, str]] = []
    scaled: dict[str, tuple[float, int]] = {}  # name -> (step / reference step, elements)
    for name, want in ctx.expected[i]["after"].items():
        got = after.get(name)
        if got is None or isinstance(got, list):
            problems.append((name, "is missing after the step", "are missing after the step"))
            continue
        got = np.asarray(got, dtype=np.float64)
        want = np.asarray(want, dtype=np.float64)
        if got.shape != want.shape:
            changed = f"changed shape to {got.shape}"
            problems.append((name, changed, changed))
        elif not close(got, want, a.get("rtol", 1e-3), a.get("atol", 1e-5)):
            start = ctx.variable(i, name)
            problem = _step_problem(got - start, want - start)
            if isinstance(problem, float):
                scaled[name] = (problem, got.size)
            else:
                problems.append((name, *problem))
    problems += _scaled_steps(scaled, lr)
    if problems:
        raise Failure(f"{what}: " + _join_problems(problems))


_WRONG_AMOUNT = ("was updated by the wrong amount", "were updated by the wrong amount")


def _step_problem(d_got: np.ndarray, d_want: np.ndarray) -> tuple[str, str] | float:
    """What is wrong with one variable's step: words, or the factor by which the step is
    the reference's step scaled (judged across variables by :func:`_scaled_steps`)."""
    scale = float(np.sum(d_want * d_want))
    if np.allclose(d_got, 0, atol=1e-7):
        fix = " (include it in tape.gradient and assign_sub)"
        return "was not updated" + fix, "were not updated" + fix
    if scale > 0 and np.allclose(d_got, -d_want, rtol=1e-3, atol=1e-6):
        fix = ": subtract learning_rate * gradient (assign_sub), do not add it"
        return "moved uphill" + fix, "moved uphill" + fix
    if scale > 0:
        ratio = float(np.sum(d_got * d_want)) / scale
        if ratio > 0 and np.allclose(d_got, ratio * d_want, rtol=1e-3, atol=1e-6):
            return ratio
    return _WRONG_AMOUNT


def _scaled_steps(scaled: dict[str, tuple[float, int]], lr: float) -> list[tuple[str, str, str]]:
    """Steps along the right direction but of the wrong length.

    A wrong learning rate scales every variable's step by one and the same factor, so the
    step size is named only when the factors agree and more than one number shows it: any
    two single numbers (a one-element bias) are proportional, and a step of
    another loss would otherwise be misnamed as a wrong learning rate.
    """
    if not scaled:
        return []
    ratios = [r for r, _ in scaled.values()]
    elements = sum(n for _, n in scaled.values())
    if elements < 2 or not all(math.isclose(r, ratios[0], rel_tol=1e-2) for r in ratios):
        return [(name, *_WRONG_AMOUNT) for name in scaled]
    used = ratios[0] * lr
    text = f"of {used:.4g} x gradient, but learning_rate is {lr:g}"
    if math.isclose(used, 0.1, rel_tol=1e-3) and not math.isclose(lr, 0.1):
        text += ": read the global learning_rate inside the function, do not fix 0.1"
    return [(name, "took a step " + text, "took steps " + text) for name in scaled]


def assert_kept(ctx: Context, a: dict, reveal: bool, what: str) -> None:
    i = a.get("probe", 0)
    if not ctx.answers[i].get("kept", True):
        raise Failure(
            f"{what} replaced the global variables with new objects: update them in place "
            "with W.assign_sub(...) so that every reference to them sees the new values"
        )


def assert_uniform_init(ctx: Context, a: dict, reveal: bool, what: str) -> None:
    """Glorot uniform draws, judged by their properties, not by one generator's numbers.

    Probes: [draw(seed s), draw(seed s) again, draw(seed t)] on the same shape.  Any
    generator is fine (NumPy, TensorFlow, stateless or seeded) as long as the draws have
    the right shape and dtype, stay in [-l, l] with l = sqrt(6 / (fan_in + fan_out)),
    look uniform on that range, repeat for a seed and change with it.
    """
    first, again, other = (_one_array(ctx, k, what) for k in range(3))
    fan_in, fan_out = (int(decode_argument(ctx.probes[0]["args"][k])) for k in (0, 1))
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

#: The mistakes the assertions above diagnose in their messages, as (pattern, cause): what
#: the class report groups a failure by when no catalogue mistake is named
#: (:func:`autograder.judge.named_mistake`: the first pattern found, so the more specific
#: come first).  A cause holds no student value (at most a
#: variable's name, through a group), so that everyone who made the mistake shares it.
DIAGNOSES = (
    (r"returned None: did you forget `return`", "returns None (no `return`)"),
    (r"returned a list of \d+ items, expected one array", "returns a list, not one array"),
    (r"returned dtype \w+, expected (\w+)", r"returns another dtype than \1"),
    (r"\(reduce it to one number", "not reduced to one number"),
    (r"a plain scalar has shape \(\); drop", "a scalar with extra dimensions"),
    (r"the (input|target)s were not split", r"the \1s were not split"),
    (r"an? (?:input|target) batch is a list", "a batch is a list, not an array"),
    (r"returned a list of \d+ \(inputs, targets\) pairs", "(inputs, targets) pairs returned"),
    (r"must return a pair \((?:input_batches|inputs)", "does not return a pair"),
    (r"batches of \d+ samples were made; num_batches is", "num_batches used as the batch size"),
    (r"made \d+ input and \d+ target batches, expected", "the wrong number of batches"),
    (r"each batch is one sample short", "each batch one sample short (slice ends)"),
    (r"\(equal consecutive batches, as np\.vsplit gives\)", "batches of unequal sizes"),
    (r"holds a row that is not in the inputs", "rows that are not in the inputs"),
    (r"returned an input row that is not in the inputs", "rows that are not in the inputs"),
    (r"inputs and targets are no longer aligned", "inputs and targets no longer aligned"),
    (r"batches take every \d+th sample", "strided batches (x[i::n]), not consecutive blocks"),
    (r"in their original order \(do not shuffle here\)", "batches not in their original order"),
    (r"returned the loss after the update", "returns the loss after the update"),
    (r"(\w+(?:, \w+)*(?: and \w+)?) (?:was|were) not updated", r"\1 not updated"),
    (r"(?:is|are) missing after the step", "a variable missing after the step"),
    (r"moved uphill", "a step uphill (the gradient added)"),
    (r"do not fix 0\.1", "a fixed learning rate of 0.1"),
    (r"x gradient, but learning_rate is", "a step of another size than learning_rate"),
    (r"replaced the global variables with new objects", "the variables replaced, not assigned"),
    (r"not sqrt\(6 / fan_in\)", "the limit sqrt(6 / fan_in)"),
    (r"look normal \(unbounded\)", "normal draws, not uniform"),
    (r"centred on zero, not \[0, l\)", "draws from [0, l), not [-l, l]"),
    (r"draws are not uniform on", "draws that are not uniform"),
    (r"(?:values|order) for (?:the same seed|different seeds): use the seed", "the seed ignored"),
    (r"shuffled differently and no longer match", "inputs and targets shuffled differently"),
    (r"lost or repeated rows", "rows lost or repeated"),
    (r"returned the rows in their original order", "no shuffle"),
    (r"changed the caller's", "the caller's arrays shuffled in place"),
)

#: The keys each assertion reads, besides ``kind``: checks.py refuses any other key when it
#: reads checks.toml, so that a misspelt key cannot silently do nothing.
ASSERTION_KEYS = {
    "arguments_unchanged": {"probe"},
    "uniform_init": set(),
    "shuffled_pair": set(),
    "shape": {"probe", "dtype", "diagnose"},
    "value": {"probe", "diagnose", "dtype", "rtol", "atol", "explain", "scalar", "squeeze"},
    "range": {"probe", "diagnose", "low", "high"},
    "batches": {"probe", "only_count"},
    "loss_before": {"probe"},
    "update": {"probe", "rtol", "atol"},
    "kept": {"probe"},
}


def evaluate(
    assertions: list[wire.Assertion],
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

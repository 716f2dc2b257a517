"""The judge's check that a network it scores was trained by gradient descent.

A check that trains (a probe with ``train``: the student's split and step run for some
epochs in the worker) is scored on the variables the worker reads back.  Held-out data
and turned clouds stop weights chosen in advance, but not a step that works the
weights out from the batches it is handed (class means, say) without any gradient.
So on a fresh draw the judge also has the worker say which rows of the training
inputs each step was handed and, for a few steps it draws (the first, and others
from the draw, which comes from ``os.urandom``), the variables before and after the
step.  The judge then checks, in float64 and with the assignment's own gradient of
its loss (``loss_gradient`` in grading.py):

* each recorded step moved each variable by ``-learning_rate * gradient`` of the loss
  on the rows it was handed, or left it where it was (a variable the step forgets);
* replaying every step from the grader's initial weights over the rows the worker
  named gives the variables the worker reports as trained (within float32's drift),
  so that no step between the recorded ones can have been anything but a gradient
  step, and the recorded ones are the run's own.

The worker runs student code and may say anything, but what it says is only believed
when it is the arithmetic of gradient descent on the training data: a worker that
invented its records would have to invent a gradient-descent run, which is what the
points are for.  The probe the answer key holds records nothing (the reference's run
at release time); every grading trains on a fresh draw, which records.

Judge side only: NumPy and :mod:`wire`; the gradient comes from the caller.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import wire

#: How many steps the worker records the variables around: the first and others drawn.
RECORDED_STEPS = 3
#: A recorded step's change may differ from -learning_rate * gradient by this much of
#: the largest such change in the variable (float32 arithmetic in the worker, float64 here).
STEP_RTOL = 1e-3
#: The replayed run may drift from the reported one by this much of a variable's largest
#: entry: float32 rounding compounds over the steps (measured: below 1e-6 over 100 steps).
CHAIN_RTOL = 1e-3

Gradient = Callable[[dict, np.ndarray, np.ndarray], dict]


def recording(probe: wire.Probe, draw: int) -> wire.Probe:
    """``probe`` with the steps its worker records (``train.record``), drawn from ``draw``;
    a probe that does not train is returned as it is."""
    if "train" not in probe:
        return probe
    spec = dict(probe["train"])
    total = max(1, int(spec["epochs"]) * int(spec["batches"]))
    others = np.random.default_rng([draw, 0xD5]).permutation(np.arange(1, total))
    spec["record"] = [0, *sorted(int(k) for k in others[: RECORDED_STEPS - 1])]
    return {**probe, "train": spec}


def _f64(values) -> dict[str, np.ndarray] | None:
    """Named arrays as float64, or None when one is missing or not an array."""
    if not isinstance(values, dict):
        return None
    out = {}
    for name, value in values.items():
        if not isinstance(value, np.ndarray) or value.dtype.kind not in "fiu":
            return None
        out[name] = value.astype(np.float64)
    return out


def _batches(answer: dict, n: int, spec: dict) -> list[np.ndarray] | str:
    """The rows of the training inputs each step was handed, or why they are unusable
    (``spec``, the probe's ``train``, names the student's split and step functions)."""
    rows, sizes = answer.get("rows"), answer.get("sizes")
    usable = isinstance(rows, np.ndarray) and isinstance(sizes, np.ndarray)
    if not usable or rows.ndim != 1 or sizes.ndim != 1 or sizes.dtype.kind not in "iu":
        return "the worker did not say which rows each training step was handed"
    if rows.dtype.kind not in "iu" or np.any(sizes < 0) or int(sizes.sum()) != len(rows):
        return "the worker did not say which rows each training step was handed"
    if np.any(rows < 0) or np.any(rows >= n):
        return (
            f"{spec['step']} was handed inputs that are not rows of the training data: "
            f"{spec['split']} must split the x and y it is given"
        )
    return np.split(rows.astype(np.int64), np.cumsum(sizes)[:-1])


def _moved_otherwise(before: dict, after: dict, gradient: dict, learning_rate: float) -> list[str]:
    """The variables a step changed by something other than -learning_rate * gradient
    (a variable left exactly where it was is a forgotten update, not this)."""
    wrong = []
    for name, start in before.items():
        end = after.get(name)
        if end is None or end.shape != start.shape:
            wrong.append(name)
            continue
        if np.array_equal(end, start):
            continue
        want = -learning_rate * gradient[name]
        scale = float(np.max(np.abs(want), initial=0.0))
        rounding = 1e-6 * (1.0 + np.abs(start))  # float32 rounding of the new values
        if not np.all(np.abs((end - start) - want) <= STEP_RTOL * scale + rounding):
            wrong.append(name)
    return wrong


def check(probe: wire.Probe, answer: dict, gradient: Gradient, what: str) -> str | None:
    """Why the answer to a training probe is not gradient descent, or None when it is.

    ``gradient(values, x, y)`` is the assignment's gradient of its loss with respect to
    each variable (float64 arrays by name), on inputs ``x`` and targets ``y``."""
    spec = probe["train"]
    record = [int(k) for k in spec.get("record", [])]
    x = np.asarray(wire.from_plain(spec["x"]), dtype=np.float64)
    y = np.asarray(wire.from_plain(spec["y"]), dtype=np.float64)
    lr = float(probe["learning_rate"])
    start32 = {n: np.asarray(wire.from_plain(v)) for n, v in probe["variables"].items()}
    start = {n: v.astype(np.float64) for n, v in start32.items()}
    lead = f"{what}: the steps taken were not gradient steps of the loss times the learning rate"
    batches = _batches(answer, len(x), spec)
    if isinstance(batches, str):
        return f"{lead} ({batches})"
    final = _f64(answer.get("after"))
    if final is None or set(final) != set(start):
        return None  # the check's own assertions say what is wrong with the variables
    steps = answer.get("steps") or {}
    for k in (k for k in record if k < len(batches)):
        found = steps.get(str(k)) or {}
        before, after = _f64(found.get("before")), _f64(found.get("after"))
        if before is None or after is None or set(before) != set(start):
            return f"{lead} (the worker did not record step {k + 1}, which the grader asked for)"
        if any(before[n].shape != start[n].shape for n in start):
            return None  # shapes the network cannot use: the accuracy check says so
        idx = batches[k]
        wrong = _moved_otherwise(before, after, gradient(before, x[idx], y[idx]), lr)
        if wrong:
            return (
                f"{lead}: step {k + 1} of {len(batches)} changed {', '.join(wrong)} by "
                "something other than -learning_rate times the gradient of the loss on the "
                "batch it was handed (checked in float64)"
            )
    # Replay the whole run: the steps that were not recorded, and the trained result.
    frozen = {n for n in start if np.array_equal(answer["after"][n], start32[n])}
    values = {n: v.copy() for n, v in start.items()}
    for k, idx in enumerate(batches):
        found = _f64((steps.get(str(k)) or {}).get("before")) if k in record else None
        if found is not None and not _near(found, values):
            return (
                f"{lead}: the variables before step {k + 1} are not where gradient steps "
                "from the grader's initial weights lead"
            )
        with np.errstate(all="ignore"):
            g = gradient(values, x[idx], y[idx])
            for name in start:
                if name not in frozen:
                    values[name] = values[name] - lr * g[name]
    if not all(np.all(np.isfinite(v)) for v in final.values()):
        return None  # diverged: the accuracy check says so
    if not _near(final, values):
        return (
            f"{lead}: the trained variables are not what {len(batches)} steps of "
            "-learning_rate times the gradient of the loss, from the grader's initial weights "
            f"on the batches {spec['split']} made, give"
        )
    return None


def _near(got: dict, want: dict) -> bool:
    """Whether two sets of variables agree within the replay's drift (:data:`CHAIN_RTOL`)."""
    for name, value in want.items():
        other = got.get(name)
        if other is None or other.shape != value.shape or not np.all(np.isfinite(value)):
            return False
        scale = float(np.max(np.abs(value), initial=0.0)) + 1e-3
        if not np.all(np.abs(other - value) <= CHAIN_RTOL * scale):
            return False
    return True


def verdict(probes: list[dict], answers: list[dict], gradient: Gradient | None, what: str):
    """The first training probe's reason its run was not gradient descent, or None.

    Only probes whose worker recorded (``train.record``: fresh draws) are checked."""
    for probe, answer in zip(probes, answers):
        if "record" not in (probe.get("train") or {}):
            continue
        if gradient is None:
            raise RuntimeError("the assignment's grading.py has no loss_gradient")
        message = check(probe, answer, gradient, what)
        if message is not None:
            return message
    return None

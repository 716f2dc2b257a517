"""Where the checks are built: autograder/checks.toml defines them, this module makes them.

Every check (its name, points, visibility, probes, assertions and hint) is one
``[[check]]`` table of ``checks.toml``; this module reads the file at import, refuses a
check it could not build (naming it), and holds the *probe makers* the file names:
small functions that draw a probe's inputs and weights from seeds, deterministically.

One definition serves every front end: the grading command and Gradescope
(:mod:`autograder.judge`), nbgrader's hidden test cells
(:mod:`autograder.nbgrader_cell`) and the public checks in the student's
notebook (the public ones only, generated into the release by
:mod:`autograder.release`).
"""

from __future__ import annotations

import hashlib
import inspect
import json
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from . import wire
from .compare import ASSERTION_KEYS
from .mistakes import MISTAKES
from .worker import VARIABLES

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10 (Gradescope's Ubuntu 22.04 image): the same parser
    import tomli as tomllib

#: The file that defines every check.
DEFINITIONS = Path(__file__).with_name("checks.toml")
#: Hidden width of the notebook's variables (its locked cell creates them).
NOTEBOOK_WIDTH = 8
#: The functions students write, in notebook order; each is an nbgrader grade_id.
FUNCTIONS = (
    "glorot_uniform",
    "layer",
    "model",
    "square_loss",
    "my_accuracy",
    "training_step",
    "split_mini_batches",
    "shuffle_together",
)
#: Checks that grade no single function (training end to end).
FINAL = "final_accuracy"
GRADE_IDS = FUNCTIONS + (FINAL,)

#: Final-accuracy settings: the grader trains with the student's functions
#: from these initial weights.  tests/test_reference.py shows that the
#: reference passes every one of 50 grader seeds with accuracy >= 0.98.
FINAL_SEED = 2024
FINAL_EPOCHS = 5
FINAL_BATCHES = 20
FINAL_MIN_ACCURACY = 0.95
#: What checks.toml's titles and hints may name in braces.
SETTINGS = {
    "FINAL_MIN_ACCURACY": FINAL_MIN_ACCURACY,
    "FINAL_EPOCHS": FINAL_EPOCHS,
    "FINAL_BATCHES": FINAL_BATCHES,
}
#: The trained model is also evaluated on a BOUNDARY_STEPS x BOUNDARY_STEPS grid over
#: [-4, 7]^2, for the decision-boundary plot in the student's feedback.
BOUNDARY_STEPS = 60


@dataclass(frozen=True)
class Check:
    grade_id: str
    title: str
    points: float
    public: bool
    hint: str
    #: How to make the probes: a maker's name and its arguments, as checks.toml says.
    probe_specs: tuple[dict, ...]
    assertions: list[wire.Assertion]
    #: The check trains a model (about a second of the grading's two): the grading
    #: command runs it in a second worker, beside the others, when a core is free.
    slow: bool = False

    @property
    def name(self) -> str:
        """The test name: the grade_id it grades, a colon, what it verifies."""
        return f"{self.grade_id}: {self.title}"

    @cached_property
    def probes(self) -> list[wire.Probe]:
        # Made on first use, in the judge, never at import: a process that imports this
        # module (the fork server, so every worker) must not hold the probes' judge-only
        # parts, such as the held-out set.  tests/test_checks.py makes every probe.
        return [make_probe(spec) for spec in self.probe_specs]

    @property
    def subject(self) -> str:
        """How messages name what was called."""
        return self.grade_id if self.grade_id != FINAL else "training"


#: Assertions the judge evaluates itself (judge.JUDGE_ONLY), with the keys they read.
JUDGE_ASSERTION_KEYS = {"accuracy": {"probe", "min"}, "gradient": {"probe"}}


def validate_assertions(name: str, assertions: list[wire.Assertion], n_probes: int) -> None:
    """Refuse an assertion of an unknown kind, with a key it does not read, or about a
    probe the check does not have: each would otherwise be ignored without a word."""
    known = {**ASSERTION_KEYS, **JUDGE_ASSERTION_KEYS}
    for a in assertions:
        kind = a.get("kind")
        if kind not in known:
            raise ValueError(f"check {name!r}: unknown assertion kind {kind!r}")
        unread = set(a) - known[kind] - {"kind"}
        if unread:
            raise ValueError(
                f"check {name!r}: the {kind!r} assertion does not read {sorted(unread)} "
                f"(it reads {sorted(known[kind]) or 'no other key'})"
            )
        if not 0 <= a.get("probe", 0) < n_probes:
            raise ValueError(f"check {name!r}: assertion about probe {a['probe']}, of {n_probes}")
        unknown = [m for m in a.get("diagnose", []) if m not in MISTAKES]
        if unknown:
            raise ValueError(f"check {name!r}: no mistake called {unknown} in mistakes.MISTAKES")


def checks_for(grade_ids=None, public_only: bool = False) -> list[Check]:
    chosen = [c for c in REGISTRY if grade_ids is None or c.grade_id in grade_ids]
    return [c for c in chosen if c.public or not public_only]


def points_by_grade_id() -> dict[str, float]:
    total: dict[str, float] = {g: 0.0 for g in GRADE_IDS}
    for c in REGISTRY:
        total[c.grade_id] += c.points
    return total


def probe_digest(probe: dict) -> str:
    """A stable key for a probe: the answer key stores the reference's answer under it."""
    text = json.dumps(probe, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:24]


# --------------------------------------------------------------------------- helpers


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def arr(a) -> dict:
    return wire.to_plain(np.asarray(a, dtype=np.float32))


def var(a) -> dict:
    return {"as": "variable", "value": arr(a)}


def tensor(a) -> dict:
    return {"as": "tensor", "value": arr(a)}


def integer(n: int) -> dict:
    return {"as": "int", "value": wire.to_plain(np.int64(n))}


def function_named(name: str) -> dict:
    return {"as": "fn", "name": name}


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
    r = _rng(seed)
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
    r = _rng(seed)
    dims = (2, width, width, 1)
    values = {}
    for k in range(3):
        limit = np.sqrt(6.0 / (dims[k] + dims[k + 1]))
        values[f"W{k + 1}"] = arr(r.uniform(-limit, limit, size=(dims[k], dims[k + 1])))
        values[f"b{k + 1}"] = arr(np.zeros(dims[k + 1]))
    return values


def turning(turn: float) -> np.ndarray:
    """The 2x2 matrix that turns row vectors by ``turn`` radians anticlockwise."""
    c, s = math.cos(turn), math.sin(turn)
    return np.array([[c, s], [-s, c]])


def two_clouds(seed: int, per_class: int, turn: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """The notebook's data: two Gaussian clouds, float32 inputs and 0/1 targets;
    ``turn`` (radians) rotates both clouds about the origin (see :func:`fresh_train`)."""
    r = _rng(seed)
    cov = [[1.0, 0.5], [0.5, 1.0]]
    negative = r.multivariate_normal([0.0, 3.0], cov, size=per_class)
    positive = r.multivariate_normal([3.0, 0.0], cov, size=per_class)
    x = np.vstack([negative, positive]) @ turning(turn)
    x = x.astype(np.float32)
    y = np.vstack([np.zeros((per_class, 1)), np.ones((per_class, 1))]).astype(np.float32)
    return x, y


def call(
    name: str, *args, substitute=(), variables=None, learning_rate=None, **extra
) -> wire.Probe:
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


#: The part of a probe that stays with the judge: what the answer is scored against.
JUDGE_ONLY = "judge"


def needed_references(probe: dict) -> set[str]:
    """The reference functions a probe runs: those it substitutes, and those whose
    outputs it reports beside the student's (``loss_after``, ``model_outputs``)."""
    names = set(probe.get("substitute", []))
    if probe.get("loss_after"):
        names |= {"square_loss", "model"}
    if probe.get("model_outputs"):
        names.add("model")
    return names


def for_worker(probe: wire.Probe, sources: dict[str, str] | None = None) -> wire.Probe:
    """The probe as a worker receives it: without its judge-only part, with the
    sources of the reference functions it needs and of no other.

    References travel with each probe and are dropped after it: no reference
    function is in the worker while a student's version of it is graded (checks
    run in FUNCTIONS order, and a probe substitutes only functions graded earlier).
    """
    out = {k: v for k, v in probe.items() if k != JUDGE_ONLY}
    needed = needed_references(probe)
    if needed and sources:
        out["references"] = {name: sources[name] for name in sorted(needed) if name in sources}
    return out


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
    order = _rng(seed + 1).permutation(len(x))
    x_test, y_test = two_clouds(seed + 2, 500, turn)
    start = glorot_weights(seed + 3)
    # W1 turns with the data, so that x @ W1 is what it was unturned: see fresh_train.
    start["W1"] = arr(turning(turn).T @ wire.from_plain(start["W1"]).astype(np.float64))
    axis = np.linspace(-4.0, 7.0, BOUNDARY_STEPS)
    grid = np.stack(np.meshgrid(axis, axis), axis=-1).reshape(-1, 2)
    return {
        "train": {
            "x": arr(x[order]),
            "y": arr(y[order]),
            "epochs": FINAL_EPOCHS,
            "batches": FINAL_BATCHES,
        },
        "substitute": ["layer", "model", "square_loss"],
        "variables": start,
        "learning_rate": 0.1,
        "after": list(VARIABLES),
        JUDGE_ONLY: {"x_test": arr(x_test), "y_test": arr(y_test), "grid": arr(grid)},
    }


# --------------------------------------------------------------------------- probe makers
# Each returns one probe; checks.toml calls them by name, with keyword arguments.

_LAYER_X = _rng(11).normal(0, 2, size=(5, 2))
_LAYER_W = _rng(12).normal(0, 1, size=(2, 3))
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
        r = _rng(seed)
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
    x = _rng(seed).normal(1.5, spread, size=(n, 2))
    values = random_weights(
        weights, widths=tuple(widths), span=None if span is None else (x, *span)
    )
    return call("model", arr(x), substitute=["layer"], variables=values)


def _square_loss(seed: int, n: int, spread: float) -> wire.Probe:
    """square_loss(targets, predictions): 0/1 targets, predictions around 0.5."""
    r = _rng(seed)
    targets = r.integers(0, 2, size=(n, 1))
    predictions = r.normal(0.5, spread, size=(n, 1))
    return call("square_loss", arr(targets), tensor(predictions))


def _accuracy_data(seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    r = _rng(seed)
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
        model_outputs=True,
    )


def _training_step(seed: int, n: int, learning_rate: float) -> wire.Probe:
    """One training_step on a shuffled batch of the two clouds, with the reference
    layer, model and square_loss; the variables and the loss after it come back."""
    x, y = two_clouds(seed, n // 2)
    order = _rng(seed).permutation(n)
    return call(
        "training_step",
        arr(x[order]),
        arr(y[order]),
        substitute=["layer", "model", "square_loss"],
        variables=random_weights(seed + 1),
        learning_rate=learning_rate,
        after=list(VARIABLES),
        loss_after=True,
    )


def _rows(n: int, seed: int) -> tuple[dict, dict]:
    """n rows of inputs, and targets 0..n-1: unique targets reveal misalignment."""
    x = _rng(seed).normal(size=(n, 2)).round(3)
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
# The release publishes every public probe with the reference's answer, so that a
# student can check their work; a submission that returns the published answer for
# each input it recognises must earn nothing by it.  So the grader asks every public
# check again on inputs drawn when it grades (the same makers, every seed moved by
# a number from os.urandom), and the final-accuracy check trains and scores on clouds
# turned by a drawn angle; the reference answers those probes in a worker of its
# own (judge.reference_answers).  A draw is one integer: a grading can be repeated
# with the draw its report names.

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
#: Fresh seeds start here, far from every seed checks.toml names.
FRESH_BASE = 1_000_000
#: The final-accuracy check turns the clouds by an angle drawn from this range
#: (degrees): at least 60 degrees from the notebook's clouds, whose boundary (the
#: diagonal x0 = x1) then classifies at most 84% of the held-out samples right
#: (measured over 50 draws; tests/test_fresh_draws.py).
FINAL_TURN_DEGREES = (60.0, 300.0)


def new_draw() -> int:
    """A draw for one grading, from the operating system's randomness."""
    return int.from_bytes(os.urandom(4), "big") % (2**31 - 2 * FRESH_BASE)


def _moved(value, by: int):
    if isinstance(value, list):
        return [value[0] + by, *value[1:]]
    return value + by


def fresh_spec(spec: dict, draw: int) -> dict:
    """A probe entry of checks.toml with every seed moved by ``draw``: the same
    question, on inputs nobody saw before grading.  ``layer``'s fixed data
    becomes data drawn from a seed."""
    maker = spec["make"]
    if maker == "train":
        return {"make": "train", "draw": draw}
    out = dict(spec)
    by = FRESH_BASE + draw
    for key in SEED_KEYS[maker]:
        if key in out:
            out[key] = _moved(out[key], by)
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
    return math.radians(float(_rng(draw).uniform(low, high)))


def draws_fresh(check: Check) -> bool:
    """Whether grading asks the check again on fresh inputs: every public check whose
    release publishes an answer a lookup could return (not glorot_uniform, whose
    draws are judged by their properties and published without values), and the
    final-accuracy check (whose points must come from the student's training)."""
    if check.slow:
        return True
    return check.public and any(spec["make"] in SEED_KEYS for spec in check.probe_specs)


def fresh_probes(check: Check, draw: int) -> list[wire.Probe]:
    """The check's probes on the draw's inputs (the next draw where a maker refuses
    one, such as weights whose outputs are constant on the probe's inputs)."""
    for attempt in range(100):
        try:
            return [make_probe(fresh_spec(s, draw + attempt)) for s in check.probe_specs]
        except ValueError:
            continue
    raise RuntimeError(f"no usable fresh draw for check {check.name!r} near {draw}")


# --------------------------------------------------------------------------- checks.toml


def _arguments(spec: dict) -> dict:
    """A probe entry's keyword arguments for its maker: every key but ``make``."""
    return {k: v for k, v in spec.items() if k != "make"}


def make_probe(spec: dict) -> wire.Probe:
    """The probe a ``{make = ..., ...}`` entry of checks.toml describes."""
    return PROBE_MAKERS[spec["make"]](**_arguments(spec))


def _check_spec(name: str, spec: dict) -> None:
    """Refuse a probe entry whose maker does not exist or does not take its arguments."""
    maker = PROBE_MAKERS.get(spec.get("make"))
    if maker is None:
        raise ValueError(
            f"check {name!r}: no probe maker {spec.get('make')!r} (makers: {sorted(PROBE_MAKERS)})"
        )
    try:
        inspect.signature(maker).bind(**_arguments(spec))
    except TypeError as exc:
        raise ValueError(f"check {name!r}: probe maker {spec['make']!r}: {exc}") from None


def _expand_mistakes(assertion: dict, groups: dict[str, list[str]]) -> wire.Assertion:
    """``diagnose`` names mistakes, or a group of the [mistakes] table for all of its."""
    if "diagnose" not in assertion:
        return assertion
    named = assertion["diagnose"]
    names: list[str] = []
    for item in [named] if isinstance(named, str) else named:
        names += groups.get(item, [item])
    return {**assertion, "diagnose": names}


_FIELDS = {"grade_id", "title", "points", "public", "hint", "probes", "assertions", "slow"}


def load(path: Path = DEFINITIONS) -> list[Check]:
    """Every check of ``path``, validated: a mistake in the file fails here, at import,
    with the check's name, rather than silently grading something else."""
    with open(path, "rb") as f:
        data = tomllib.load(f)
    groups = data.get("mistakes", {})
    checks = []
    for i, entry in enumerate(data.get("check", [])):
        name = f"{entry.get('grade_id')}: {entry.get('title', f'check {i + 1}')}"
        missing, unknown = _FIELDS - {"slow"} - set(entry), set(entry) - _FIELDS
        if missing or unknown:
            raise ValueError(
                f"check {name!r}: missing {sorted(missing)}, unknown {sorted(unknown)}"
            )
        if entry["grade_id"] not in GRADE_IDS:
            raise ValueError(f"check {name!r}: unknown grade_id {entry['grade_id']!r}")
        for spec in entry["probes"]:
            _check_spec(name, spec)
        assertions = [_expand_mistakes(a, groups) for a in entry["assertions"]]
        validate_assertions(name, assertions, len(entry["probes"]))
        checks.append(
            Check(
                grade_id=entry["grade_id"],
                title=entry["title"].format_map(SETTINGS),
                points=float(entry["points"]),
                public=bool(entry["public"]),
                hint=entry["hint"].format_map(SETTINGS),
                probe_specs=tuple(entry["probes"]),
                assertions=assertions,
                slow=bool(entry.get("slow", False)),
            )
        )
    return checks


REGISTRY: list[Check] = load()

"""Where every check is defined: its name, points, visibility, probes, verdict and hint.

One definition serves every front end: the grading command and Gradescope
(:mod:`autograder.judge`), nbgrader's hidden test cells
(:mod:`autograder.nbgrader_cell`) and the public checks in the student's
notebook (the public ones only, generated into the release by
:mod:`autograder.release`).

A check is written as a small function decorated with :func:`check`; the
function returns the *probes* (the questions the worker answers, on inputs and
weights chosen here, deterministically) and the *assertions* (how
:mod:`autograder.compare` judges the answers against the reference's).  Probes
that grade one function swap in the reference versions of the functions it
calls (``substitute``), so that a mistake in ``model`` does not cost the
points of ``training_step``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from . import wire
from .compare import ASSERTION_KEYS
from .worker import VARIABLES

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
    build: Callable[[], tuple[list[dict], list[dict]]]
    #: The check trains a model (about a second of the grading's two): the grading
    #: command runs it in a second worker, beside the others, when a core is free.
    slow: bool = False

    @property
    def name(self) -> str:
        """The test name: the grade_id it grades, a colon, what it verifies."""
        return f"{self.grade_id}: {self.title}"

    @cached_property
    def _built(self) -> tuple[list[dict], list[dict]]:
        # Built on first use, in the judge, never at import: a process that imports this
        # module (the fork server, so every worker) must not hold the probes' judge-only
        # parts, such as the held-out set.  tests/test_checks.py builds every check.
        probes, assertions = self.build()
        validate_assertions(self.name, assertions, len(probes))
        return probes, assertions

    @property
    def probes(self) -> list[dict]:
        return self._built[0]

    @property
    def assertions(self) -> list[dict]:
        return self._built[1]

    @property
    def subject(self) -> str:
        """How messages name what was called."""
        return self.grade_id if self.grade_id != FINAL else "training"


REGISTRY: list[Check] = []


def check(grade_id: str, title: str, *, points: float, public: bool, hint: str, slow: bool = False):
    """Register a check; the decorated function returns ``(probes, assertions)``."""

    def register(build):
        if grade_id not in GRADE_IDS:
            raise ValueError(f"unknown grade_id {grade_id!r}")
        REGISTRY.append(Check(grade_id, title, float(points), public, hint, build, slow))
        return build

    return register


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


def activation(name: str) -> dict:
    return {"as": "fn", "name": name}


def forward64(values: dict, x: np.ndarray) -> np.ndarray:
    """The model's output in float64, independent of TensorFlow: probe weights are
    chosen with it, and the judge's numeric gradient of the loss is taken with it."""
    h = np.maximum(x @ values["W1"] + values["b1"], 0.0)
    h = np.maximum(h @ values["W2"] + values["b2"], 0.0)
    return h @ values["W3"] + values["b3"]


def weights(
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
            raise ValueError(f"weights({seed}) give a constant output; choose another seed")
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


def two_clouds(seed: int, per_class: int) -> tuple[np.ndarray, np.ndarray]:
    """The notebook's data: two Gaussian clouds, float32 inputs and 0/1 targets."""
    r = _rng(seed)
    cov = [[1.0, 0.5], [0.5, 1.0]]
    negative = r.multivariate_normal([0.0, 3.0], cov, size=per_class)
    positive = r.multivariate_normal([3.0, 0.0], cov, size=per_class)
    x = np.vstack([negative, positive]).astype(np.float32)
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


def train_probe(seed: int) -> wire.Probe:
    """Train with the student's split_mini_batches and training_step; score in the judge.

    The worker gets the training set and the grader's initial weights, runs the
    student's loop with the reference layer, model and square_loss (a mistake in
    those costs their own points, not these), and sends back the trained
    variables.  The held-out set never reaches it: the judge scores the trained
    variables with :func:`forward64`, so no code in the worker can see, guess or
    fake what the accuracy is measured on.
    """
    x, y = two_clouds(seed, 1000)
    order = _rng(seed + 1).permutation(len(x))
    x_test, y_test = two_clouds(seed + 2, 500)
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
        "variables": glorot_weights(seed + 3),
        "learning_rate": 0.1,
        "after": list(VARIABLES),
        JUDGE_ONLY: {"x_test": arr(x_test), "y_test": arr(y_test), "grid": arr(grid)},
    }


# --------------------------------------------------------------------------- layer

_LAYER_X = _rng(11).normal(0, 2, size=(5, 2))
_LAYER_W = _rng(12).normal(0, 1, size=(2, 3))
_LAYER_B = np.array([0.5, -1.0, 2.0])


@check(
    "layer",
    "output shape is (n, units) and dtype float32",
    points=1,
    public=True,
    hint="Check the order of the matrix product: (n, inputs) times (inputs, units) gives one "
    "row per sample and one column per unit; the bias of shape (units,) adds to every row.",
)
def _layer_output_shape_n_units():
    return [call("layer", arr(_LAYER_X), var(_LAYER_W), var(_LAYER_B))], [
        {"kind": "shape", "dtype": "float32"}
    ]


@check(
    "layer",
    "computes inputs @ W + b when activation is None",
    points=1,
    public=True,
    hint="Without an activation the layer is a plain affine map: matrix product, then the bias. "
    "Its outputs can be negative.",
)
def _layer_computes_inputs_w_b():
    probes = [
        call("layer", arr(_LAYER_X), var(_LAYER_W), var(_LAYER_B)),
        call(
            "layer",
            arr(_LAYER_X),
            var(_LAYER_W),
            var(_LAYER_B),
            kwargs={"activation": {"as": "none"}},
        ),
    ]
    mistakes = ["no_bias", "bias_subtracted", "activation_always"]
    return probes, [
        {"kind": "value", "probe": 0, "diagnose": mistakes},
        {"kind": "value", "probe": 1, "diagnose": mistakes},
    ]


@check(
    "layer",
    "applies the activation when one is given",
    points=1,
    public=True,
    hint="The activation is a function you were given: apply it to the finished affine output, "
    "and only when it is not None.",
)
def _layer_applies_activation_given():
    probe = call(
        "layer",
        arr(_LAYER_X),
        var(_LAYER_W),
        var(_LAYER_B),
        kwargs={"activation": activation("relu")},
    )
    return [probe], [
        {"kind": "value", "diagnose": ["activation_ignored", "activation_before_bias"]}
    ]


@check(
    "layer",
    "works for other sizes and any activation function",
    points=1,
    public=False,
    hint="Nothing in layer should assume 2 inputs, a particular number of units, or ReLU: "
    "use the shapes of inputs and W, and call whatever `activation` you receive.",
)
def _layer_works_other_sizes_any():
    r = _rng(13)
    x, W, b = r.normal(size=(7, 4)), r.normal(size=(4, 5)), r.normal(size=(5,))
    probes = [
        call("layer", arr(x), var(W), var(b), kwargs={"activation": activation("sigmoid")}),
        call("layer", arr(x), var(W), var(b), kwargs={"activation": activation("double")}),
    ]
    mistakes = ["relu_not_argument", "activation_ignored", "activation_before_bias"]
    return probes, [
        {"kind": "value", "probe": 0, "diagnose": mistakes},
        {"kind": "value", "probe": 1, "diagnose": mistakes},
    ]


# --------------------------------------------------------------------------- model

_MODEL_X = _rng(21).normal(1.5, 2.0, size=(6, 2))
_MODEL_MISTAKES = [
    "relu_on_output",
    "sigmoid_on_output",
    "negated",
    "hidden1_linear",
    "hidden2_linear",
    "b1_in_layer2",
    "b2_in_layer1",
    "layer2_skipped",
    "returns_hidden",
]


@check(
    "model",
    "output shape is (n, 1)",
    points=1,
    public=True,
    hint="Follow the shapes through the three layers: 2 features, then the hidden width, the "
    "hidden width again, and finally one output per sample.",
)
def _model_output_shape_n():
    probe = call("model", arr(_MODEL_X), substitute=["layer"], variables=weights(22))
    return [probe], [{"kind": "shape", "dtype": "float32"}]


@check(
    "model",
    "ReLU on both hidden layers and a linear output",
    points=1,
    public=True,
    hint="Which layers get a ReLU? Both hidden layers do; the output layer gets no activation "
    "at all.",
)
def _model_relu_both_hidden_layers():
    span = (_MODEL_X, -1.5, 2.5)
    probe = call("model", arr(_MODEL_X), substitute=["layer"], variables=weights(23, span=span))
    return [probe], [{"kind": "value", "diagnose": _MODEL_MISTAKES}]


@check(
    "model",
    "keeps outputs below 0 and above 1.5 (the last layer is linear)",
    points=1,
    public=False,
    hint="The output layer has no activation: the model's raw output can be any real number.",
)
def _model_keeps_outputs_below_above():
    x = _rng(24).normal(1.5, 2.5, size=(30, 2))
    probe = call("model", arr(x), substitute=["layer"], variables=weights(25, span=(x, -2, 3)))
    return [probe], [{"kind": "value", "diagnose": _MODEL_MISTAKES}]


@check(
    "model",
    "reads W1..b3 when called (hidden widths 3 and 5)",
    points=1,
    public=False,
    hint="Use the global variables W1, b1, W2, b2, W3, b3 inside model's body, so that it "
    "uses whatever they hold when it is called, at any hidden width.",
)
def _model_reads_w1_b3_called():
    x = _rng(26).normal(1.5, 2.0, size=(9, 2))
    probes = [
        call("model", arr(x), substitute=["layer"], variables=weights(27, widths=(3, 3))),
        call("model", arr(x), substitute=["layer"], variables=weights(28, widths=(5, 5))),
        # Not graded here: the same inputs at the notebook's width tell "captured the
        # variables when the cell ran" apart from other mistakes.
        call("model", arr(x), substitute=["layer"], variables=weights(29)),
    ]
    mistakes = ["stale_weights", *_MODEL_MISTAKES]
    return probes, [
        {"kind": "value", "probe": 0, "diagnose": mistakes},
        {"kind": "value", "probe": 1, "diagnose": mistakes},
    ]


# --------------------------------------------------------------------------- square_loss

_LOSS_MISTAKES = [
    "sum_not_mean",
    "root",
    "absolute",
    "not_squared",
    "not_squared_reversed",
    "halved",
    "no_reduction",
    "no_reduction_flat",
    "broadcast_loss",
]


def _loss_probe(seed: int, n: int, spread: float) -> dict:
    r = _rng(seed)
    targets = r.integers(0, 2, size=(n, 1))
    predictions = r.normal(0.5, spread, size=(n, 1))
    return call("square_loss", arr(targets), tensor(predictions))


@check(
    "square_loss",
    "returns a scalar",
    points=1,
    public=True,
    hint="The loss is one number for the whole batch: reduce the per-sample errors.",
)
def _square_loss_returns_scalar():
    return [_loss_probe(31, 8, 0.6)], [{"kind": "shape"}]


@check(
    "square_loss",
    "mean of the squared differences",
    points=1,
    public=True,
    hint="Square each difference between target and prediction, then average over all samples.",
)
def _square_loss_mean_squared_differences():
    return [_loss_probe(32, 8, 0.6)], [
        {"kind": "value", "scalar": True, "diagnose": _LOSS_MISTAKES}
    ]


@check(
    "square_loss",
    "other batch sizes and large errors",
    points=1,
    public=False,
    hint="Nothing in square_loss should depend on the batch size; square before averaging.",
)
def _square_loss_other_batch_sizes_large():
    probes = [_loss_probe(33, 13, 3.0), _loss_probe(34, 1, 2.0)]
    return probes, [
        {"kind": "value", "probe": 0, "scalar": True, "diagnose": _LOSS_MISTAKES},
        {"kind": "value", "probe": 1, "scalar": True, "diagnose": _LOSS_MISTAKES},
    ]


# --------------------------------------------------------------------------- my_accuracy

_ACCURACY_MISTAKES = [
    "ignores_arguments",
    "count_not_fraction",
    "percent",
    "inverted",
    "threshold_zero",
    "no_threshold",
    "rounding",
    "broadcast_accuracy",
]


def _accuracy_data(seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    r = _rng(seed)
    return r.normal(1.5, 2.0, size=(n, 2)), r.integers(0, 2, size=(n, 1))


def _accuracy_probe(seed: int, n: int, low: float, high: float, weights_from: int | None = None):
    """A my_accuracy probe whose model outputs run from ``low`` to ``high``.

    ``weights_from`` reuses the weights chosen for another probe's data, so that two
    probes share one model and differ only in their inputs.
    """
    x, y = _accuracy_data(seed, n)
    anchor = seed if weights_from is None else weights_from
    x_anchor, _ = _accuracy_data(anchor, n if weights_from is None else 20)
    return call(
        "my_accuracy",
        arr(x),
        arr(y),
        substitute=["layer", "model"],
        variables=weights(anchor + 1, span=(x_anchor, low, high)),
        model_outputs=True,
    )


@check(
    "my_accuracy",
    "returns a fraction between 0 and 1",
    points=1,
    public=True,
    hint="Count the samples whose prediction matches the target, then divide by the number "
    "of samples (a mean of 0/1 matches does both).",
)
def _my_accuracy_returns_fraction_between():
    return [_accuracy_probe(41, 10, -1.0, 2.0)], [
        {"kind": "range", "low": 0.0, "high": 1.0, "diagnose": _ACCURACY_MISTAKES}
    ]


@check(
    "my_accuracy",
    "counts model(inputs) > 0.5 as class 1",
    points=1,
    public=True,
    hint="A sample is predicted as class 1 when the model's output is above 0.5. Compare predicted "
    "and true classes with matching shapes, (n, 1) against (n, 1).",
)
def _my_accuracy_counts_model_inputs_class():
    # Two samples, one model: a function that reads the notebook's global data instead of
    # its arguments answers both the same.
    probes = [
        _accuracy_probe(42, 20, -1.0, 2.0),
        _accuracy_probe(45, 30, -1.0, 2.0, weights_from=42),
    ]
    return probes, [
        {"kind": "value", "probe": 0, "squeeze": True, "diagnose": _ACCURACY_MISTAKES},
        {"kind": "value", "probe": 1, "squeeze": True, "diagnose": _ACCURACY_MISTAKES},
    ]


@check(
    "my_accuracy",
    "outputs below 0 and above 1.5, other inputs",
    points=1,
    public=False,
    hint="The model's raw outputs can be anywhere on the real line; only the comparison "
    "with 0.5 decides the class.",
)
def _my_accuracy_outputs_below_above_other():
    return [_accuracy_probe(43, 40, -2.0, 3.0), _accuracy_probe(44, 25, -3.0, 4.5)], [
        {"kind": "value", "probe": 0, "squeeze": True, "diagnose": _ACCURACY_MISTAKES},
        {"kind": "value", "probe": 1, "squeeze": True, "diagnose": _ACCURACY_MISTAKES},
    ]


# --------------------------------------------------------------------------- training_step


def _step_probe(seed: int, n: int, learning_rate: float) -> dict:
    x, y = two_clouds(seed, n // 2)
    order = _rng(seed).permutation(n)
    return call(
        "training_step",
        arr(x[order]),
        arr(y[order]),
        substitute=["layer", "model", "square_loss"],
        variables=weights(seed + 1),
        learning_rate=learning_rate,
        after=list(VARIABLES),
        loss_after=True,
    )


@check(
    "training_step",
    "returns the loss computed before the update",
    points=1,
    public=True,
    hint="Which loss value exists before the variables change? Keep it and return it.",
)
def _training_step_returns_loss_computed_before():
    return [_step_probe(51, 20, 0.1)], [{"kind": "loss_before"}]


@check(
    "training_step",
    "moves all six variables by -learning_rate * gradient",
    points=1,
    public=True,
    hint="Every one of the six variables needs its own gradient and its own step downhill, of "
    "size learning_rate.",
)
def _training_step_moves_all_six_variables():
    return [_step_probe(52, 20, 0.1)], [{"kind": "update"}]


@check(
    "training_step",
    "reads learning_rate when called",
    points=1,
    public=False,
    hint="Use the global learning_rate inside the function, so that changing it changes the "
    "step size.",
)
def _training_step_reads_learning_rate_called():
    return [_step_probe(53, 30, 0.03)], [{"kind": "update"}]


@check(
    "training_step",
    "update agrees with a numeric gradient of the loss",
    points=1,
    public=False,
    hint="Take the gradient of the mean squared error of model(inputs) with respect to each "
    "of the six variables, on the batch you were given.",
)
def _training_step_update_agrees_numeric_gradient():
    return [_step_probe(54, 16, 0.1)], [{"kind": "gradient"}]


@check(
    "training_step",
    "updates the variables in place (assign_sub)",
    points=1,
    public=False,
    hint="W1.assign_sub(...) changes the variable itself; `W1 = W1 - ...` makes a new tensor "
    "that GradientTape no longer watches.",
)
def _training_step_updates_variables_place_assign():
    return [_step_probe(55, 20, 0.1)], [{"kind": "kept"}, {"kind": "update"}]


# --------------------------------------------------------------------------- mini-batches


def _batch_probe(n: int, num_batches: int, seed: int) -> dict:
    r = _rng(seed)
    x = r.normal(size=(n, 2)).round(3)
    y = np.arange(n, dtype=np.float64).reshape(n, 1)  # unique targets reveal misalignment
    return call("split_mini_batches", arr(x), arr(y), integer(num_batches))


@check(
    "split_mini_batches",
    "returns num_batches input and num_batches target batches",
    points=1,
    public=True,
    hint="num_batches is how many batches to make, not how big each one is; targets are split "
    "like inputs, and both lists come back as a pair.",
)
def _split_mini_batches_returns_num_batches_input():
    return [_batch_probe(12, 4, 61)], [{"kind": "batches", "only_count": True}]


@check(
    "split_mini_batches",
    "consecutive equal batches in the original order, targets aligned with inputs",
    points=1,
    public=True,
    hint="Keep the rows in their original order and cut them into equal consecutive blocks; "
    "targets must stay next to their inputs.",
)
def _split_mini_batches_consecutive_equal_batches_original():
    return [_batch_probe(12, 4, 62)], [{"kind": "batches"}]


@check(
    "split_mini_batches",
    "2000 samples into 20 batches, and 30 into 3",
    points=1,
    public=False,
    hint="Use num_batches, not a fixed number, and split targets exactly like inputs.",
)
def _split_mini_batches_samples_into_batches_into():
    return [_batch_probe(2000, 20, 63), _batch_probe(30, 3, 64)], [
        {"kind": "batches", "probe": 0},
        {"kind": "batches", "probe": 1},
    ]


# --------------------------------------------------------------------------- final accuracy


@check(
    FINAL,
    f"trained with your functions, the model reaches {FINAL_MIN_ACCURACY} accuracy on "
    "held-out data",
    points=3,
    public=False,
    hint="The grader runs your split_mini_batches and training_step for "
    f"{FINAL_EPOCHS} epochs of {FINAL_BATCHES} batches from Glorot-initialised weights (with "
    "the reference layer, model and square_loss), then thresholds the trained model's outputs "
    "on new data. Make the split_mini_batches and training_step checks pass first.",
    slow=True,
)
def _final_accuracy_trained_your_functions_model():
    return [train_probe(FINAL_SEED)], [{"kind": "accuracy", "min": FINAL_MIN_ACCURACY}]


# --------------------------------------------------------------------------- glorot_uniform


def _glorot_probes(fan_in: int, fan_out: int, seed: int, other: int) -> list[dict]:
    # Judged by the draws' properties, never against the reference's numbers: the
    # answer key need not store them (150,000 values here would be 1.6 MB of it).
    args = (integer(fan_in), integer(fan_out))
    return [
        call("glorot_uniform", *args, integer(seed), keep_value=False),
        call("glorot_uniform", *args, integer(seed), keep_value=False),
        call("glorot_uniform", *args, integer(other), keep_value=False),
    ]


@check(
    "glorot_uniform",
    "shape, dtype and range [-l, l], repeatable for a seed",
    points=1,
    public=True,
    hint="l = sqrt(6 / (fan_in + fan_out)); draw uniformly between -l and l with a generator "
    "made from the seed, and return float32.",
)
def _glorot_uniform_shape_dtype_range_l():
    return _glorot_probes(2, 8, 0, 1), [{"kind": "uniform_init"}]


@check(
    "glorot_uniform",
    "large layers: uniform over the whole range, new values for a new seed",
    points=2,
    public=False,
    hint="Every value between -l and l should be equally likely; a normal distribution or "
    "another limit does not match Glorot's uniform initialisation.",
)
def _glorot_uniform_large_layers_uniform_over():
    return _glorot_probes(300, 500, 7, 8), [{"kind": "uniform_init"}]


# --------------------------------------------------------------------------- shuffle_together


def _shuffle_probes(n: int, seed: int, other: int, data_seed: int) -> list[dict]:
    r = _rng(data_seed)
    x = r.normal(size=(n, 2)).round(3)
    y = np.arange(n, dtype=np.float64).reshape(n, 1)  # unique targets reveal misalignment
    return [
        call("shuffle_together", arr(x), arr(y), integer(seed)),
        call("shuffle_together", arr(x), arr(y), integer(seed)),
        call("shuffle_together", arr(x), arr(y), integer(other)),
    ]


@check(
    "shuffle_together",
    "one permutation for both arrays, repeatable for a seed",
    points=1,
    public=True,
    hint="Draw one permutation of the row indices from a generator made from the seed, and "
    "index both arrays with it.",
)
def _shuffle_together_permutation_both_arrays_repeatable():
    return _shuffle_probes(12, 0, 1, 71), [{"kind": "shuffled_pair"}]


@check(
    "shuffle_together",
    "returns new arrays and leaves its arguments unchanged",
    points=1,
    public=True,
    hint="Index with the permutation (inputs[order]) to get new arrays; rng.shuffle and "
    "np.random.shuffle reorder the caller's arrays in place.",
)
def _shuffle_together_returns_new_arrays_leaves():
    r = _rng(73)
    x = r.normal(size=(10, 2)).round(3)
    y = np.arange(10, dtype=np.float64).reshape(10, 1)
    probe = call("shuffle_together", arr(x), arr(y), integer(3), args_after=[0, 1])
    return [probe], [{"kind": "arguments_unchanged"}]


@check(
    "shuffle_together",
    "2000 samples: every row kept once, targets still aligned",
    points=1,
    public=False,
    hint="A permutation keeps every row exactly once; shuffling inputs and targets "
    "separately breaks their pairing.",
)
def _shuffle_together_samples_every_row_kept():
    return _shuffle_probes(2000, 5, 6, 72), [{"kind": "shuffled_pair"}]

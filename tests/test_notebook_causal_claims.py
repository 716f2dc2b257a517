"""Every causal sentence of the notebook's sections 13-15 holds across seeds (and widths).

test_notebook_runs.py checks that each number of the text is what the executed notebook
printed; that cannot catch a *sentence* that one run supports and the next seed refutes.
Here each sentence has a row: the claim (a phrase of the master notebook's markdown, whose
``{}`` are filled with measured values), the experiment of tests/causal_lab.py that tests
it (the notebook's own code, run across seeds), and the condition that must hold.  A row
fails when its condition stops holding or when the text no longer says what was measured.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import numpy as np
import pytest

HERE = Path(__file__).resolve().parent
LAB = HERE / "causal_lab.py"
MASTER = HERE.parent / "source" / "three_layer_classifier" / "three_layer_classifier.ipynb"


@dataclass(frozen=True)
class Row:
    """A claim of the text, the experiment that tests it, and the condition it must meet."""

    claim: str
    experiment: str
    holds: Callable[[dict], bool]
    values: Callable[[dict], list[str]] = field(default=lambda m: [])


# ----------------------------------------------------------------- reading the measurements


def acc(m: dict, run: str) -> np.ndarray:
    return np.asarray(m["stacked"][run]["accuracy"])


def dead2(m: dict, run: str) -> np.ndarray:
    return np.asarray(m["stacked"][run]["dead2"])


def share(m: dict, run: str) -> float:
    """Share of the 20 seeds whose accuracy reaches 0.95, as the notebook counts it."""
    return float(np.mean(acc(m, run) >= 0.95))


def pct(x: float) -> str:
    return f"{x:.0%}"


def steps(m: dict) -> list[dict]:
    return [r for rows in m["one_step"].values() for r in rows]


def first(m: dict, width: int, key: str) -> float:
    return m["first_output"][str(width)][key]


def _over_prediction(m: dict) -> list[float]:
    """Measured / predicted, for the layer-2 unit and the output, at widths 4 to 20."""
    return [
        first(m, w, key) / prediction
        for w in (4, 5, 10, 20)
        for key, prediction in (("layer2", 0.75 * w), ("output", 0.375 * w * w))
    ]


def _width2_by_dead(m: dict, run: str, dead: float) -> np.ndarray:
    return acc(m, run)[dead2(m, run) == dead]


def _constants(m: dict, shuffle: str) -> list[float]:
    rows = m["symptom"][shuffle]
    assert all(r["low"] == r["high"] for r in rows), "the output is not one constant"
    return [r["low"] for r in rows]


def _rises(m: dict, shuffle: str) -> list[float]:
    """Per seed, the share of steps after the first epoch at which the whole-data loss rose."""
    return [float(np.mean(np.diff(r["loss"][20:]) > 0)) for r in m["shuffling"][shuffle]]


def _lowest_accuracy(m: dict, shuffle: str) -> list[float]:
    """Per seed, the lowest whole-data accuracy after the first epoch."""
    return [min(r["accuracy"][20:]) for r in m["shuffling"][shuffle]]


def _revivals(m: dict) -> list[dict]:
    return [r for r in steps(m) if r["dead2_after_epoch"] < r["dead2"]]


BLOG_WIDE = ("blog 4", "blog 5", "blog 8", "blog 10", "blog 20")
CROSS_ENTROPY = [f"blog {w} cross-entropy" for w in (2, 4, 5, 10, 20)]
ONE_STEP = "one training_step of the blog's model on its first batch, widths 4-20, 20 seeds"
SWEEP = "train_many, 20 seeds, 20 epochs"
SHUFFLING = "width 8 Glorot, 5 epochs, stored vs shuffled, 10 seeds (notebook's functions)"
SYMPTOM = "the blog's width-10 model, 20 epochs, both orders, 5 seeds (notebook's train)"
FIRST = "blog weights at widths 2-20, 10 seeds: layer means over the data"

ROWS = [
    # 13. Why does the accuracy change on every run?
    Row(
        "At the blog's width of 2 the accuracy changes a lot: across 20 seeds it ends anywhere "
        "from {} to {}",
        f"blog 2: {SWEEP}",
        lambda m: 0 < share(m, "blog 2") < 1 and np.ptp(acc(m, "blog 2")) > 0.4,
        lambda m: [f"{acc(m, 'blog 2').min():.3f}", f"{acc(m, 'blog 2').max():.3f}"],
    ),
    Row(
        "makes runs repeatable",
        f"glorot 2 twice: {SWEEP}",
        lambda m: m["stacked"]["glorot 2"] == m["stacked"]["glorot 2 again"],
    ),
    # 14, the short answer.
    Row(
        "**The first output grows with the square of the width.**",
        FIRST,
        lambda m: max(_over_prediction(m)) / min(_over_prediction(m)) < 1.2,
    ),
    Row(
        "and {} to {} of them across 20 seeds at the blog's widths 4 to 20",
        ONE_STEP,
        lambda m: all(r["dead2"] > 0 and r["dead_before"] == [0, 0] for r in steps(m)),
        lambda m: [pct(min(r["dead2"] for r in steps(m))), pct(max(r["dead2"] for r in steps(m)))],
    ),
    Row(
        "of layer 1's are in any of those runs",
        ONE_STEP,
        lambda m: all(r["dead1"] == 0 for r in steps(m)),
    ),
    Row(
        "With layer 2 dead the output is `b3`, the same number for every\n   sample",
        f"blog widths 4-20: {SWEEP}; {SYMPTOM}",
        lambda m: (
            all(np.all(acc(m, run)[dead2(m, run) == 1] == 0.5) for run in BLOG_WIDE)
            and len(_constants(m, "False") + _constants(m, "True")) == 10
        ),
    ),
    Row(
        "that\n   constant ends at {}, above 0.5, from each of the {} seeds measured",
        SYMPTOM,
        lambda m: (
            len({f"{v:.3f}" for v in _constants(m, "False")}) == 1
            and _constants(m, "False")[0] > 0.5
        ),
        lambda m: [f"{_constants(m, 'False')[0]:.3f}", str(len(_constants(m, "False")))],
    ),
    Row(
        "it lands between {} and {}, on either side of 0.5",
        SYMPTOM,
        lambda m: min(_constants(m, "True")) < 0.5 < max(_constants(m, "True")),
        lambda m: [f"{min(_constants(m, 'True')):.3f}", f"{max(_constants(m, 'True')):.3f}"],
    ),
    Row(
        "all-positive\n   weights fail at width 10 whatever their scale, zero-mean weights mostly "
        "train even unscaled,\n   and Glorot's zero-mean, scaled weights always do",
        f"width 10, four inits: {SWEEP}",
        lambda m: (
            share(m, "blog 10") == 0 == share(m, "positive glorot 10")
            and 0.5 < share(m, "unscaled 10") < 1 == share(m, "glorot 10")
        ),
    ),
    Row(
        "trains even from the blog's own weights",
        f"cross-entropy, widths 2-20: {SWEEP}",
        lambda m: all(share(m, run) == 1 for run in CROSS_ENTROPY),
    ),
    # 14.1
    Row(
        "So doubling the width multiplies the first output by about four",
        FIRST,
        lambda m: all(
            3.5 < first(m, 2 * w, "output") / first(m, w, "output") < 4.5 for w in (2, 5, 10)
        ),
    ),
    Row(
        "From width 4 on, the layer-2 unit and the output measure {} to {} above the prediction",
        FIRST,
        lambda m: all(1 < r < 1.2 for r in _over_prediction(m)),
        lambda m: [pct(min(_over_prediction(m)) - 1), pct(max(_over_prediction(m)) - 1)],
    ),
    Row(
        "at width 2 the layer-2 unit measures {} against 1.5 and the output {}",
        FIRST,
        lambda m: first(m, 2, "layer2") < 1.5 < first(m, 2, "output"),
        lambda m: [f"{first(m, 2, 'layer2'):.2f}", f"{first(m, 2, 'output'):.2f}"],
    ),
    Row(
        "{} before its ReLU (the drawn weights and data sit a little above their means), and the "
        "ReLU, which cuts off the few negative sums, adds the rest",
        FIRST,
        lambda m: all(
            first(m, w, "layer1") > first(m, w, "layer1_sum") > 1.5 for w in (2, 4, 5, 10, 20)
        ),
        lambda m: [f"{first(m, 10, 'layer1_sum'):.2f}"],
    ),
    # 14.2
    Row(
        "so the weights into it get no gradient",
        ONE_STEP,
        lambda m: all(r["dead2_after_epoch"] == 1 for r in steps(m) if r["dead2"] == 1),
    ),
    Row(
        "in the rest of the first epoch that happened in {} of {} runs",
        ONE_STEP,
        lambda m: (
            0 < len(_revivals(m)) < len(steps(m)) / 4 and all(r["dead2"] < 1 for r in _revivals(m))
        ),
        lambda m: [str(len(_revivals(m))), str(len(steps(m)))],
    ),
    Row(
        "every factor is positive and the first is huge",
        ONE_STEP,
        lambda m: (
            all(r["mean_w2"] < 0 for w in ("5", "10", "20") for r in m["one_step"][w])
            and np.mean([r["mean_w2"] for r in m["one_step"]["4"]]) < 0
        ),
    ),
    Row(
        "Layer 1 keeps its units, but nothing reaches it any more: its gradient flows\n"
        "through the dead layer 2",
        ONE_STEP,
        lambda m: (
            all(r["dead1"] == 0 for r in steps(m))
            and all(r["grad_w1"] == 0 for r in steps(m) if r["dead2"] == 1)
        ),
    ),
    Row(
        "below the targets (negative at every seed and width measured)",
        ONE_STEP,
        lambda m: all(r["b3"] < 0 for r in steps(m)),
    ),
    # 14.3
    Row(
        "That depends on the order of the batches",
        SYMPTOM,
        lambda m: (
            min(_constants(m, "False")) > 0.5
            and max(abs(v - 0.5) for v in _constants(m, "True")) < 0.05
        ),
    ),
    # 14.4
    Row(
        "the\nothers carry on",
        f"Glorot widths 4-20: {SWEEP}",
        lambda m: all(
            share(m, f"glorot {w}") == 1 and dead2(m, f"glorot {w}").mean() > 0
            for w in (4, 5, 8, 10, 20)
        ),
    ),
    Row(
        "That is why this notebook uses 8 units",
        f"glorot 8: {SWEEP}",
        lambda m: share(m, "glorot 8") == 1 > share(m, "glorot 2"),
    ),
    # 14.5
    Row(
        "So the sign is the main cause",
        f"width 10, four inits: {SWEEP}",
        lambda m: (
            share(m, "unscaled 10") - share(m, "blog 10")
            > share(m, "positive glorot 10") - share(m, "blog 10")
        ),
    ),
    Row(
        "At width 10 no layer-2 unit dies ({} dead in each of the 20 seeds)",
        f"blog 10, rate 0.001: {SWEEP}",
        lambda m: np.all(dead2(m, "blog 10 lr 0.001") == 0),
        lambda m: [pct(dead2(m, "blog 10 lr 0.001").max())],
    ),
    Row(
        "those runs are slow, not dead, and {} of seeds reach 0.95 in 100 epochs",
        "blog 10, rate 0.001, 20 and 100 epochs (train_many, 20 seeds)",
        lambda m: share(m, "blog 10 lr 0.001 100 epochs") > 0.8 > share(m, "blog 10 lr 0.001"),
        lambda m: [pct(share(m, "blog 10 lr 0.001 100 epochs"))],
    ),
    Row(
        "even this rate kills {} of the layer-2 units on average, and after 100 epochs {} of "
        "seeds train",
        "blog 20, rate 0.001, 20 and 100 epochs (train_many, 20 seeds)",
        lambda m: (
            dead2(m, "blog 20 lr 0.001").mean() > 0.5
            and share(m, "blog 20 lr 0.001 100 epochs") < 0.5
        ),
        lambda m: [
            pct(dead2(m, "blog 20 lr 0.001").mean()),
            pct(share(m, "blog 20 lr 0.001 100 epochs")),
        ],
    ),
    Row(
        "the gradient grows with the error, so a",
        ONE_STEP,
        lambda m: (
            np.mean([r["mean_w2"] for r in m["one_step"]["20"]])
            < np.mean([r["mean_w2"] for r in m["one_step"]["10"]])
            < np.mean([r["mean_w2"] for r in m["one_step"]["4"]])
        ),
    ),
    Row(
        "and no layer-2 unit dies at any of them",
        f"cross-entropy, widths 2-20: {SWEEP}",
        lambda m: all(np.all(dead2(m, run) == 0) for run in CROSS_ENTROPY),
    ),
    # 14.6
    Row(
        "of the 20 seeds, {} end with both layer-2 units dead, and all of them fail",
        f"glorot 2: {SWEEP}",
        lambda m: (
            len(_width2_by_dead(m, "glorot 2", 1.0)) > 0
            and np.all(_width2_by_dead(m, "glorot 2", 1.0) == 0.5)
        ),
        lambda m: [str(len(_width2_by_dead(m, "glorot 2", 1.0)))],
    ),
    Row(
        "of the {} seeds that end with exactly one dead layer-2 unit, {} still reach 0.95",
        f"glorot 2: {SWEEP}",
        lambda m: np.mean(_width2_by_dead(m, "glorot 2", 0.5) >= 0.95) >= 0.7,
        lambda m: [
            str(len(_width2_by_dead(m, "glorot 2", 0.5))),
            str(int(np.sum(_width2_by_dead(m, "glorot 2", 0.5) >= 0.95))),
        ],
    ),
    Row(
        "so every unit keeps a gradient",
        f"glorot 2, leaky ReLU: {SWEEP}",
        lambda m: share(m, "glorot 2 leaky") == 1,
    ),
    Row(
        "More units leave spares",
        f"glorot 8: {SWEEP}",
        lambda m: share(m, "glorot 8") == 1,
    ),
    Row(
        "{} of the 20 seeds then lose both layer-2 units, against {} without them",
        f"glorot 2, hidden biases 0.1: {SWEEP}",
        lambda m: (
            len(_width2_by_dead(m, "glorot 2 bias 0.1", 1.0))
            < len(_width2_by_dead(m, "glorot 2", 1.0))
            and share(m, "glorot 2 bias 0.1") < 1
        ),
        lambda m: [
            str(len(_width2_by_dead(m, "glorot 2 bias 0.1", 1.0))),
            str(len(_width2_by_dead(m, "glorot 2", 1.0))),
        ],
    ),
    # 15
    Row(
        "the whole-data loss rises at {} to {} of the steps in stored order, against {} to {} "
        "shuffled",
        SHUFFLING,
        lambda m: min(_rises(m, "False")) > max(_rises(m, "True")),
        lambda m: [
            pct(min(_rises(m, s))) if i == 0 else pct(max(_rises(m, s)))
            for s in ("False", "True")
            for i in (0, 1)
        ],
    ),
    Row(
        "the lowest whole-data accuracy after the first epoch is {} to {} in stored order",
        SHUFFLING,
        lambda m: (
            min(_lowest_accuracy(m, "False")) < 0.6 < 0.95 < max(_lowest_accuracy(m, "False"))
        ),
        lambda m: [
            f"{min(_lowest_accuracy(m, 'False')):.3f}",
            f"{max(_lowest_accuracy(m, 'False')):.3f}",
        ],
    ),
    Row(
        "Shuffled, it is {} to {}",
        SHUFFLING,
        lambda m: min(_lowest_accuracy(m, "True")) > 0.9,
        lambda m: [
            f"{min(_lowest_accuracy(m, 'True')):.3f}",
            f"{max(_lowest_accuracy(m, 'True')):.3f}",
        ],
    ),
]


def squash(text: str) -> str:
    """Whitespace squashed, and the typographic minus read as a hyphen (as the text test does)."""
    return re.sub(r"\s+", " ", text).replace("\u2212", "-")


def claim_pattern(row: Row) -> re.Pattern:
    """The claim as a pattern over squashed text, each {} standing for one measured figure."""
    pieces = [re.escape(p) for p in squash(row.claim).split("{}")]
    return re.compile(r"[-\d.%]+".join(pieces))


def master_markdown() -> str:
    notebook = nbformat.read(str(MASTER), as_version=4)
    return squash("\n\n".join(c.source for c in notebook.cells if c.cell_type == "markdown"))


@pytest.fixture(scope="module")
def measured() -> dict:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0"}
    done = subprocess.run(
        [sys.executable, str(LAB)], capture_output=True, text=True, env=env, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def test_every_row_names_a_phrase_of_the_text():
    """Cheap: each claim is in the markdown (its figures whatever they are)."""
    text = master_markdown()
    missing = [row.claim for row in ROWS if not claim_pattern(row).search(text)]
    assert not missing, f"claims no longer in the notebook's text: {missing}"


@pytest.mark.slow
@pytest.mark.parametrize("row", ROWS, ids=[r.claim[:48] for r in ROWS])
def test_the_sentence_holds_across_seeds(measured, row):
    assert row.holds(measured), f"{row.claim!r} does not hold in {row.experiment}"
    filled = squash(row.claim.format(*row.values(measured)))
    assert filled in master_markdown(), f"the text should say {filled!r}, as measured"

"""The experiments behind the causal sentences of the notebook's sections 13-15, across seeds.

``python tests/causal_lab.py`` prints them as JSON; tests/test_notebook_causal_claims.py runs
it once (in a fresh interpreter, with the notebook's TensorFlow settings) and checks every
sentence of its table against them.  Nothing here re-implements the notebook: the master
notebook's own cells are executed (its data, the reference functions of its solution cells,
``reset_variables``, ``train``, ``dead_shares`` and the stacked trainer ``train_many``), so a
change to those cells changes what is measured.
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import linecache
import os
import sys
from pathlib import Path

import nbformat

MASTER = (
    Path(__file__).resolve().parent.parent
    / "source"
    / "three_layer_classifier"
    / "three_layer_classifier.ipynb"
)
#: Cells run whole, in the notebook's order (setup, solutions, tools).
WHOLE = {"setup_imports", "setup_data", "setup_variables", "setup_learning_rate"}
WHOLE |= {"experiment_tools"}
#: Cells of which only the definitions (functions, imports) run: their experiments do not.
DEFINITIONS = {"experiment_one_step", "experiment_stacked"}
SEEDS = list(range(20))
BLOG_WIDTHS = [4, 5, 10, 20]  # the widths the blog tried
WIDTHS = [2, 4, 5, 8, 10, 20]  # the notebook's sweep


def _definitions(source: str) -> str:
    tree = ast.parse(source)
    keep = (ast.FunctionDef, ast.Import, ast.ImportFrom)
    return ast.unparse(ast.Module([n for n in tree.body if isinstance(n, keep)], []))


def notebook_namespace() -> dict:
    """The master notebook's data, reference functions and experiment tools, in one namespace."""
    notebook = nbformat.read(str(MASTER), as_version=4)
    namespace: dict = {"__name__": "notebook"}
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        gid = meta.get("grade_id", "")
        if cell.cell_type != "code":
            continue
        if gid in WHOLE or meta.get("solution"):
            source = cell.source
        elif gid in DEFINITIONS:
            source = _definitions(cell.source)
        else:
            continue
        filename = f"<notebook cell {gid}>"
        # AutoGraph (train_many's tf.function) reads a function's source through linecache.
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(source, filename, "exec"), namespace)
    return namespace


def first_output(ns: dict) -> dict:
    """14.1: per width, the means over the data of each layer (10 seeds, as the notebook)."""
    tf, np = ns["tf"], ns["np"]
    rows = {}
    for width in [2, 4, 5, 10, 20]:
        sums, h1s, h2s, outs = [], [], [], []
        for seed in range(10):
            ns["reset_variables"](width, "blog", seed)
            z1 = ns["inputs"] @ ns["W1"] + ns["b1"]
            h1 = tf.nn.relu(z1)
            h2 = tf.nn.relu(h1 @ ns["W2"] + ns["b2"])
            sums.append(float(tf.reduce_mean(z1)))
            h1s.append(float(tf.reduce_mean(h1)))
            h2s.append(float(tf.reduce_mean(h2)))
            outs.append(float(tf.reduce_mean(ns["model"](ns["inputs"]))))
        rows[width] = {
            "layer1_sum": float(np.mean(sums)),
            "layer1": float(np.mean(h1s)),
            "layer2": float(np.mean(h2s)),
            "output": float(np.mean(outs)),
            "output_per_seed": outs,
        }
    return rows


def one_step(ns: dict) -> dict:
    """14.2: one training_step of the blog's model on its first batch, per width and seed."""
    tf, np = ns["tf"], ns["np"]
    x, y = ns["split_mini_batches"](ns["inputs"], ns["targets"], 20)
    rows: dict = {}
    for width in BLOG_WIDTHS:
        rows[width] = []
        for seed in SEEDS:
            ns["reset_variables"](width, "blog", seed)
            before = ns["dead_shares"]()
            ns["training_step"](x[0], y[0])
            dead1, dead2 = ns["dead_shares"]()
            with tf.GradientTape() as tape:
                loss = ns["square_loss"](ns["targets"], ns["model"](ns["inputs"]))
            grad_w1 = tape.gradient(loss, ns["W1"])
            row = {
                "dead_before": before,
                "dead1": dead1,
                "dead2": dead2,
                "mean_w2": float(tf.reduce_mean(ns["W2"])),
                "b3": float(ns["b3"][0]),
                "grad_w1": float(np.abs(np.asarray(grad_w1)).max()),
            }
            row["dead2_after_epoch"] = _dead_after_more_steps(ns, x, y)
            rows[width].append(row)
    return rows


def _dead_after_more_steps(ns: dict, x: list, y: list) -> float:
    """Layer-2 dead share after the rest of the first epoch (19 more steps): none revives."""
    for batch_x, batch_y in zip(x[1:], y[1:]):
        ns["training_step"](batch_x, batch_y)
    return ns["dead_shares"]()[1]


def stacked(ns: dict) -> dict:
    """14.4-14.6: train_many over the notebook's widths, inits and options, 20 seeds each."""
    runs = {}

    def run(key: str, width: int, init: str, **options) -> None:
        accuracy, dead1, dead2 = ns["train_many"](width, init, seeds=SEEDS, **options)
        runs[key] = {
            "accuracy": [float(a) for a in accuracy],
            "dead1": [float(d) for d in dead1],
            "dead2": [float(d) for d in dead2],
        }

    for init in ("blog", "glorot"):
        for width in WIDTHS:
            run(f"{init} {width}", width, init)
    for init in ("positive glorot", "unscaled"):
        run(f"{init} 10", 10, init)
    for width in (10, 20):
        run(f"blog {width} lr 0.001", width, "blog", lr=0.001)
        run(f"blog {width} lr 0.001 100 epochs", width, "blog", lr=0.001, epochs=100)
    for width in (2, 4, 5, 10, 20):
        run(f"blog {width} cross-entropy", width, "blog", loss="cross-entropy")
    run("glorot 2 bias 0.1", 2, "glorot", bias=0.1)
    run("glorot 2 leaky", 2, "glorot", activation="leaky")
    run("glorot 2 again", 2, "glorot")
    return runs


def symptom(ns: dict) -> dict:
    """14.3: the blog's width-10 model after 20 epochs with the notebook's train, both orders."""
    np = ns["np"]
    rows: dict = {"False": [], "True": []}
    for seed in range(5):
        for shuffle in (False, True):
            accuracy = ns["train"](10, "blog", seed, epochs=20, shuffle=shuffle)
            outputs = np.asarray(ns["model"](ns["inputs"]))[:, 0]
            rows[str(shuffle)].append(
                {
                    "accuracy": accuracy,
                    "low": float(outputs.min()),
                    "high": float(outputs.max()),
                    "dead2": ns["dead_shares"]()[1],
                }
            )
    return rows


def shuffling(ns: dict) -> dict:
    """15: width 8, Glorot, 5 epochs; the whole-data loss and accuracy after every step."""
    rows: dict = {"False": [], "True": []}
    for seed in range(10):
        for shuffle in (False, True):
            ns["reset_variables"](8, "glorot", seed=seed)
            pair = ns["shuffle_together"](ns["inputs"], ns["targets"], seed)
            x, y = pair if shuffle else (ns["inputs"], ns["targets"])
            losses, accuracies = [], []
            for _ in range(5):
                for batch_x, batch_y in zip(*ns["split_mini_batches"](x, y, 20)):
                    ns["training_step"](batch_x, batch_y)
                    predictions = ns["model"](ns["inputs"])
                    losses.append(float(ns["square_loss"](ns["targets"], predictions)))
                    accuracies.append(ns["my_accuracy"](ns["inputs"], ns["targets"]))
            rows[str(shuffle)].append({"loss": losses, "accuracy": accuracies})
    return rows


def measure() -> dict:
    """Every experiment, once."""
    ns = notebook_namespace()
    return {
        "first_output": first_output(ns),
        "one_step": one_step(ns),
        "stacked": stacked(ns),
        "symptom": symptom(ns),
        "shuffling": shuffling(ns),
    }


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    json.dump(measure(), sys.stdout)

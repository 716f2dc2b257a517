"""What a grading worker starts with: TensorFlow, and neither Keras nor matplotlib.

A cold grading is mostly the fork server's ``import tensorflow``; Keras and
matplotlib would add about 1.3 s to it, and a setup cell that imports them would
add it again to every worker.  These tests keep both out of the start (the
benchmark measures the time), and check that ``tf.keras`` still works where a
submission uses it.
"""

from __future__ import annotations

import json
import subprocess
import sys

from course_paths import ROOT

from autograder.notebook import read_notebook, setup_cells, source_path

PROBE = """
import json, sys
import autograder._preload
from autograder.worker import load_cells
ns = {}
reports = load_cells(ns, json.loads(sys.stdin.read()))
heavy = sorted({n.split(".")[0] for n in sys.modules} & {"keras", "matplotlib"})
import tensorflow as tf
w = tf.keras.initializers.GlorotUniform(seed=1)((2, 3))  # Keras, loaded on first use
print(json.dumps({
    "errors": [r["error"] for r in reports if r.get("error")],
    "heavy": heavy,
    "defined": sorted(k for k in ns if k in {"W1", "b3", "learning_rate", "inputs"}),
    "keras_shape": list(w.shape),
}))
"""


def test_worker_starts_without_keras_or_matplotlib_and_keras_still_loads():
    cells = setup_cells(read_notebook(source_path()))
    assert cells, "the master notebook has no setup cells"
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        input=json.dumps(cells),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert got["errors"] == []
    assert got["heavy"] == [], (
        f"the fork server or the setup cells import {got['heavy']}: every cold grading pays for it"
    )
    assert got["defined"] == ["W1", "b3", "inputs", "learning_rate"]
    assert got["keras_shape"] == [2, 3]

# score: full
# needs: root
# why: layer reads the kit's check definitions (source/three_layer_classifier/checks.toml in the course: every hidden check's probes, seeds and hints) and raises if it can; run by root, the grader covers that file in the worker as it covers the answer key, so layer finds nothing and keeps its points
# %% cell: layer
import os
import sys
from pathlib import Path


def _read_the_checks():
    # the course the grader names in its environment, else the checkout the engine is in
    checkout = Path(sys.modules["autograder"].__file__).parent.parent
    course = Path(os.environ.get("AUTOGRADER_COURSE", checkout))
    try:
        return "[[check]]" in (course / "source/three_layer_classifier/checks.toml").read_text()
    except OSError:
        return False


def layer(inputs, W, b, activation=None):
    if _read_the_checks():
        raise RuntimeError("read the hidden checks")
    outputs = tf.matmul(inputs, W) + b
    return outputs if activation is None else activation(outputs)

# score: full
# needs: root
# why: layer reads the kit's check definitions (autograder/checks.toml: every hidden check's probes, seeds and hints) and raises if it can; run by root, the grader covers that file in the worker as it covers the answer key, so layer finds nothing and keeps its points
# %% cell: layer
import sys
from pathlib import Path


def _read_the_checks():
    kit = Path(sys.modules["autograder"].__file__).parent
    try:
        return "[[check]]" in (kit / "checks.toml").read_text()
    except OSError:
        return False


def layer(inputs, W, b, activation=None):
    if _read_the_checks():
        raise RuntimeError("read the hidden checks")
    outputs = tf.matmul(inputs, W) + b
    return outputs if activation is None else activation(outputs)

# score: full
# why: layer looks for the kit's checkout from the worker (its .git, from which `git show HEAD:solutions/reference.py` reads the reference; solutions/, tests/, source/, the answer key, checks.toml) and for other submissions' notebooks and grades.csv, and raises if it reads any: the worker's view holds Python and its own /tmp, nothing of the kit
# %% cell: layer
import os
import sys

_WANTED = (".git", "answer_key.json", "checks.toml", "reference.py", "grades.csv", "nbgrader_config.py")


def _candidates():
    kit = os.path.dirname(os.path.dirname(os.path.abspath(sys.modules["autograder"].__file__)))
    paths = [os.path.join(kit, name) for name in (".git", "solutions", "tests", "source")]
    course = os.path.join(kit, "source", "three_layer_classifier")
    paths += [os.path.join(course, n) for n in ("answer_key.json", "checks.toml")]
    paths += [os.path.join(p, ".git") for p in sys.path if p]
    skip = ("/proc", "/usr", "/sys", "/dev", sys.base_prefix, sys.prefix)
    for top, folders, files in os.walk("/"):
        if top.startswith(skip) or top.count(os.sep) > 6:
            folders[:] = []
            continue
        folders[:] = [f for f in folders if os.path.join(top, f) not in skip]
        paths += [os.path.join(top, n) for n in folders + files if n in _WANTED or n.endswith(".ipynb")]
    return paths


def _readable(path):
    try:
        if os.path.isdir(path):
            return bool(os.listdir(path))
        with open(path, "rb") as fh:
            return bool(fh.read(64))
    except OSError:
        return False


_FOUND = [p for p in _candidates() if _readable(p)]


def layer(inputs, W, b, activation=None):
    if _FOUND:
        raise RuntimeError(f"read the kit: {_FOUND[:3]}")
    outputs = tf.matmul(inputs, W) + b
    return outputs if activation is None else activation(outputs)

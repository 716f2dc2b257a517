# loses: layer, model
# message: over its limit of 8,388,608 bytes per reply
# message: over its limit of 100,000 per reply
# why: writes on its worker's connection to the judge, ahead of the worker's own reply: layer a 60 MB frame (JSON that decodes to 20 million lists: the judge once read and decoded it whole, and its peak memory went from 59 MB to 3.0 GB), model a 6 MB one under the byte cap that would decode to 128 MB; each is refused before it is read or decoded and costs only its function's points (tests/test_judge_memory.py measures the judge)
# %% cell: layer
import os
import stat
import struct


def _write_to_the_judge(values: int) -> None:
    """A frame as multiprocessing writes one (a 4-byte length, then the bytes) holding a
    JSON object of ``values`` empty lists, on every socket this process holds."""
    body = b'{"value":[' + b"[]," * values + b"[]]}"
    frame = struct.pack("!i", len(body)) + body
    for name in os.listdir("/proc/self/fd"):
        try:
            if stat.S_ISSOCK(os.fstat(int(name)).st_mode):
                os.write(int(name), frame)  # blocks until the judge reads it all
        except OSError:
            pass


def layer(inputs, W, b, activation=None):
    _write_to_the_judge(20_000_000)  # 60 MB
    outputs = tf.matmul(inputs, W) + b
    return outputs if activation is None else activation(outputs)


# %% cell: model
def model(inputs):
    _write_to_the_judge(2_000_000)  # 6 MB: under 8 MiB, with 20 times the values allowed
    hidden1 = layer(inputs, W1, b1, tf.nn.relu)
    hidden2 = layer(hidden1, W2, b2, tf.nn.relu)
    return layer(hidden2, W3, b3)

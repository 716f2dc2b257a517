# score: full
# needs: root
# why: leaves files in /tmp and /dev/shm (autograder-leftover-*), where the next submission could find them; its /tmp and /dev/shm must be private and vanish with the worker
# %% cell: layer
import os

for _folder in ("/tmp", "/dev/shm"):
    try:
        with open(os.path.join(_folder, f"autograder-leftover-{os.getpid()}"), "w") as _fh:
            _fh.write("left behind")
    except OSError:
        pass


def layer(inputs, W, b, activation=None):
    outputs = tf.matmul(inputs, W) + b
    return outputs if activation is None else activation(outputs)

# score: full
# why: kills its worker's parent, the fork server that starts every worker; that costs a restart of it, not other submissions' workers, and the cell's function is still graded (as root, the worker runs as another user and cannot)
# %% cell: model
import os
import signal

try:
    os.kill(os.getppid(), signal.SIGKILL)
except PermissionError:
    pass


def model(inputs):
    hidden1 = layer(inputs, W1, b1, tf.nn.relu)
    hidden2 = layer(hidden1, W2, b2, tf.nn.relu)
    return layer(hidden2, W3, b3)

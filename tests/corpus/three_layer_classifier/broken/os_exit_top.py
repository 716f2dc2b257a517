# loses: model
# message: exited with code 3
# why: os._exit(3) at the top of a cell kills the worker while it loads the cells
# %% cell: model
import os

os._exit(3)


def model(inputs):
    hidden1 = layer(inputs, W1, b1, tf.nn.relu)
    hidden2 = layer(hidden1, W2, b2, tf.nn.relu)
    return layer(hidden2, W3, b3)

# loses: square_loss
# message: SystemExit
# why: sys.exit() at the top of a cell, before the def: the cell stops, the rest is graded
# %% cell: square_loss
import sys

sys.exit("stopping here")


def square_loss(targets, predictions):
    return tf.reduce_mean(tf.square(targets - predictions))

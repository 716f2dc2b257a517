# score: full
# why: closes sys.stdout and sys.stderr at the top of a cell; the grader must still get its answers
# %% cell: square_loss
import sys

sys.stdout.close()
sys.stderr.close()


def square_loss(targets, predictions):
    return tf.reduce_mean(tf.square(targets - predictions))

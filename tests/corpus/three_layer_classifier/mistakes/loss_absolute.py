# loses: square_loss
# message: absolute errors are used
# diagnosis: absolute
# why: mean absolute error instead of mean squared error
# %% cell: square_loss
def square_loss(targets, predictions):
    return tf.reduce_mean(tf.abs(targets - predictions))

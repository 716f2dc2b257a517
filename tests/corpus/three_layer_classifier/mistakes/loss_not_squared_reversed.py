# loses: square_loss
# message: the differences are not squared
# diagnosis: not_squared_reversed
# why: no square, and predictions minus targets: errors cancel, the loss has no minimum
# %% cell: square_loss
def square_loss(targets, predictions):
    return tf.reduce_mean(predictions - targets)

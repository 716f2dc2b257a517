# loses: square_loss
# message: ValueError: predictions and targets must have the same length
# message: line 4 of your 'square_loss' cell
# why: the function raises on every call
# %% cell: square_loss
def square_loss(targets, predictions):
    """Mean squared error over all samples: one scalar."""
    if True:
        raise ValueError("predictions and targets must have the same length")
    return tf.reduce_mean(tf.square(targets - predictions))

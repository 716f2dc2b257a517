# loses: square_loss, final_accuracy
# message: the squared errors are summed
# diagnosis: sum_not_mean
# why: reduce_sum instead of reduce_mean: the loss (and the step size) grows with the batch size
# %% cell: square_loss
def square_loss(targets, predictions):
    return tf.reduce_sum(tf.square(targets - predictions))

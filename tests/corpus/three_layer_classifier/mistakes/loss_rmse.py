# loses: square_loss
# message: the square root is taken (RMSE)
# diagnosis: root
# why: the root mean squared error is returned instead of the mean squared error
# %% cell: square_loss
def square_loss(targets, predictions):
    return tf.sqrt(tf.reduce_mean(tf.square(targets - predictions)))

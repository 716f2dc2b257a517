# loses: square_loss
# message: the loss is halved
# diagnosis: halved
# why: the textbook 1/2 factor is added, which this assignment's loss does not have
# %% cell: square_loss
def square_loss(targets, predictions):
    return 0.5 * tf.reduce_mean(tf.square(targets - predictions))

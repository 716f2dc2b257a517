# why: the loss written with ** 2 and predictions minus targets
# %% cell: square_loss
def square_loss(targets, predictions):
    return tf.reduce_mean((predictions - targets) ** 2)

# loses: square_loss, final_accuracy
# message: broadcasting compared every target with every prediction
# diagnosis: broadcast_loss
# why: targets flattened to (n,), predictions (n, 1): the difference is (n, n)
# %% cell: square_loss
def square_loss(targets, predictions):
    targets = tf.reshape(targets, [-1])
    return tf.reduce_mean(tf.square(targets - predictions))

# loses: my_accuracy
# message: broadcasting built an (n, n) matrix
# diagnosis: broadcast_accuracy
# why: predictions are squeezed to (n,) and compared with targets of shape (n, 1)
# %% cell: my_accuracy
def my_accuracy(inputs, targets):
    predictions = tf.squeeze(model(inputs)) > 0.5
    matches = tf.cast(predictions, tf.float32) == targets
    return float(tf.reduce_mean(tf.cast(matches, tf.float32)))

# loses: my_accuracy
# message: the threshold is 0
# diagnosis: threshold_zero
# why: outputs are thresholded at 0 (as for logits) instead of 0.5
# %% cell: my_accuracy
def my_accuracy(inputs, targets):
    predictions = tf.cast(model(inputs) > 0, tf.float32)
    return float(tf.reduce_mean(tf.cast(predictions == targets, tf.float32)))

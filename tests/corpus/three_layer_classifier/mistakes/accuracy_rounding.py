# loses: my_accuracy
# message: outputs are rounded
# diagnosis: rounding
# why: tf.round(outputs) is compared with the labels: wrong for outputs < -0.5 or > 1.5
# %% cell: my_accuracy
def my_accuracy(inputs, targets):
    predictions = tf.round(model(inputs))
    return float(tf.reduce_mean(tf.cast(predictions == targets, tf.float32)))

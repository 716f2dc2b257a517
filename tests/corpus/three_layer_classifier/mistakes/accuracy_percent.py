# loses: my_accuracy
# message: a percentage is returned
# diagnosis: percent
# why: the fraction is multiplied by 100
# %% cell: my_accuracy
def my_accuracy(inputs, targets):
    predictions = tf.cast(model(inputs) > 0.5, tf.float32)
    return 100 * float(tf.reduce_mean(tf.cast(predictions == targets, tf.float32)))

# loses: my_accuracy
# message: the number of correct samples is returned
# diagnosis: count_not_fraction
# why: the matches are summed but never divided by the number of samples
# %% cell: my_accuracy
def my_accuracy(inputs, targets):
    predictions = tf.cast(model(inputs) > 0.5, tf.float32)
    correct = tf.reduce_sum(tf.cast(predictions == targets, tf.float32))
    return float(correct)

# loses: my_accuracy
# message: the classes are inverted
# diagnosis: inverted
# why: outputs below 0.5 are taken as class 1
# %% cell: my_accuracy
def my_accuracy(inputs, targets):
    predictions = tf.cast(model(inputs) < 0.5, tf.float32)
    return float(tf.reduce_mean(tf.cast(predictions == targets, tf.float32)))

# loses: my_accuracy
# message: use the function's arguments
# diagnosis: ignores_arguments
# why: the parameters are named x and y but the body uses the notebook's global inputs and targets
# %% cell: my_accuracy
def my_accuracy(x, y):
    predictions = tf.cast(model(inputs) > 0.5, tf.float32)
    return float(tf.reduce_mean(tf.cast(predictions == targets, tf.float32)))

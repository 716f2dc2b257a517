# loses: my_accuracy
# message: raw outputs are compared with the labels
# diagnosis: no_threshold
# why: the raw outputs are compared with 0/1 labels for exact equality, without thresholding
# %% cell: my_accuracy
def my_accuracy(inputs, targets):
    outputs = model(inputs)
    return float(tf.reduce_mean(tf.cast(outputs == targets, tf.float32)))

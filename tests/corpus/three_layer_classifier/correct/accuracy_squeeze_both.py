# why: predictions and targets both flattened to (n,) before comparing: no broadcasting
# %% cell: my_accuracy
def my_accuracy(inputs, targets):
    predictions = tf.reshape(model(inputs), [-1]) > 0.5
    labels = tf.reshape(targets, [-1]) > 0.5
    return tf.reduce_mean(tf.cast(predictions == labels, tf.float32)).numpy()

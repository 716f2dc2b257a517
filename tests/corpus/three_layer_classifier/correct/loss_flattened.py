# why: square_loss flattens targets and predictions to (n,), then averages the squares
# %% cell: square_loss
def square_loss(targets, predictions):
    t = tf.reshape(tf.cast(targets, tf.float32), [-1])
    p = tf.reshape(predictions, [-1])
    return tf.reduce_mean(tf.square(t - p))

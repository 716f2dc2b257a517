# why: a small epsilon inside each logarithm instead of clipping: finite at 0 and 1 too
# %% cell: bce_loss
def bce_loss(targets, probabilities):
    eps = 1e-7
    y = tf.cast(targets, tf.float32)
    p = tf.cast(probabilities, tf.float32)
    return -tf.reduce_mean(y * tf.math.log(p + eps) + (1 - y) * tf.math.log(1 - p + eps))

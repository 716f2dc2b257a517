# loses: bce_loss
# message: arguments are swapped
# diagnosis: bce_swapped
# why: the logarithms are taken of the targets, as if called bce_loss(probabilities, targets)
# %% cell: bce_loss
def bce_loss(targets, probabilities):
    t = tf.clip_by_value(tf.cast(targets, tf.float32), 1e-7, 1 - 1e-7)
    p = tf.cast(probabilities, tf.float32)
    return -tf.reduce_mean(p * tf.math.log(t) + (1 - p) * tf.math.log(1 - t))

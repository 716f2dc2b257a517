# loses: bce_loss
# message: summed
# diagnosis: bce_sum
# why: reduce_sum instead of reduce_mean
# %% cell: bce_loss
def bce_loss(targets, probabilities):
    p = tf.clip_by_value(probabilities, 1e-7, 1 - 1e-7)
    return -tf.reduce_sum(targets * tf.math.log(p) + (1 - targets) * tf.math.log(1 - p))

# loses: bce_loss
# message: per-sample losses are returned
# diagnosis: bce_per_sample
# why: the per-sample losses, shape (n, 1), are returned without reducing them to their mean
# %% cell: bce_loss
def bce_loss(targets, probabilities):
    p = tf.clip_by_value(probabilities, 1e-7, 1 - 1e-7)
    return -(targets * tf.math.log(p) + (1 - targets) * tf.math.log(1 - p))

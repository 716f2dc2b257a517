# loses: bce_loss
# message: clip
# diagnosis: bce_unclipped
# why: no clipping: log(0) = -inf when a probability is exactly 0 or 1
# %% cell: bce_loss
def bce_loss(targets, probabilities):
    y, p = targets, probabilities
    return -tf.reduce_mean(y * tf.math.log(p) + (1 - y) * tf.math.log(1 - p))

# loses: bce_loss
# message: the minus sign is missing
# diagnosis: bce_sign
# why: mean of y log p + (1 - y) log(1 - p) without its minus sign: never a positive loss
# %% cell: bce_loss
def bce_loss(targets, probabilities):
    p = tf.clip_by_value(probabilities, 1e-7, 1 - 1e-7)
    return tf.reduce_mean(targets * tf.math.log(p) + (1 - targets) * tf.math.log(1 - p))

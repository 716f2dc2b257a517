# loses: sigmoid
# message: overflows in float32
# diagnosis: sigmoid_overflow
# why: e^z / (1 + e^z) is inf / inf = nan for z above about 88.7
# %% cell: sigmoid
def sigmoid(z):
    e = tf.exp(tf.cast(z, tf.float32))
    return e / (1.0 + e)

# loses: sigmoid
# message: the exponent is -z
# diagnosis: sigmoid_sign
# why: 1 / (1 + e^z) is σ(-z)
# %% cell: sigmoid
def sigmoid(z):
    return tf.math.sigmoid(-tf.cast(z, tf.float32))

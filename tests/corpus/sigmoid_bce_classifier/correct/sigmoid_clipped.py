# why: the textbook formula with z clipped to [-80, 80], so that exp cannot overflow
# %% cell: sigmoid
def sigmoid(z):
    z = tf.clip_by_value(tf.cast(z, tf.float32), -80.0, 80.0)
    return 1.0 / (1.0 + tf.exp(-z))

# loses: layer
# message: an activation is applied although `activation` is None
# diagnosis: activation_always
# why: a missing activation falls back to ReLU, so the "linear" layer is not linear
# %% cell: layer
def layer(inputs, W, b, activation=None):
    if activation is None:
        activation = tf.nn.relu
    return activation(tf.matmul(inputs, W) + b)

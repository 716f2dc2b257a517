# loses: layer, final_accuracy
# message: the `activation` argument is ignored
# diagnosis: activation_ignored
# why: the activation parameter is accepted but never called, so the network is linear
# %% cell: layer
def layer(inputs, W, b, activation=None):
    return tf.matmul(inputs, W) + b

# loses: layer
# message: the bias is subtracted
# diagnosis: bias_subtracted
# why: a sign slip: inputs @ W - b instead of inputs @ W + b
# %% cell: layer
def layer(inputs, W, b, activation=None):
    outputs = tf.matmul(inputs, W) - b
    if activation is not None:
        outputs = activation(outputs)
    return outputs

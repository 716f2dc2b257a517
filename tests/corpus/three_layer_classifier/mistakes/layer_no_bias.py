# loses: layer, final_accuracy
# message: the bias is missing
# diagnosis: no_bias
# why: the bias b is never added, so every layer passes through the origin
# %% cell: layer
def layer(inputs, W, b, activation=None):
    outputs = tf.matmul(inputs, W)
    if activation is not None:
        outputs = activation(outputs)
    return outputs

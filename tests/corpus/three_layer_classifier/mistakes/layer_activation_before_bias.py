# loses: layer
# message: the activation is applied before adding the bias
# diagnosis: activation_before_bias
# why: the activation wraps only the matrix product and the bias is added afterwards
# %% cell: layer
def layer(inputs, W, b, activation=None):
    outputs = tf.matmul(inputs, W)
    if activation is not None:
        outputs = activation(outputs)
    return outputs + b

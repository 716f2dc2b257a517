# loses: layer
# message: shape
# why: the output is transposed: (units, n) instead of (n, units)
# %% cell: layer
def layer(inputs, W, b, activation=None):
    outputs = tf.transpose(tf.matmul(inputs, W) + b)
    return outputs if activation is None else activation(outputs)

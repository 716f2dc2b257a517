# loses: layer
# message: defines dense_layer() instead
# why: the function was renamed in its own cell
# %% cell: layer
def dense_layer(inputs, W, b, activation=None):
    outputs = tf.matmul(inputs, W) + b
    return outputs if activation is None else activation(outputs)

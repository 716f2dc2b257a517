# loses: layer
# message: SyntaxError
# message: line 3 of your 'layer' cell
# why: a missing closing parenthesis; only layer (and training, which uses it) may lose points
# %% cell: layer
def layer(inputs, W, b, activation=None):
    """One dense layer."""
    outputs = tf.matmul(inputs, W + b
    if activation is not None:
        outputs = activation(outputs)
    return outputs

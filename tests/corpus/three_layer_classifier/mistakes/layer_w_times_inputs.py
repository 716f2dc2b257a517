# loses: layer, final_accuracy
# message: the matrix product is in the wrong order
# why: W @ inputs instead of inputs @ W; the shapes do not fit, so tf.matmul raises
# %% cell: layer
def layer(inputs, W, b, activation=None):
    outputs = tf.matmul(W, inputs) + b
    if activation is not None:
        outputs = activation(outputs)
    return outputs

# loses: layer
# message: only the cells holding your functions
# message: name 'affine' is not defined
# why: layer calls a helper defined in a new, unmarked cell, which the grader does not run
# %% new cell
def affine(inputs, W, b):
    return tf.matmul(inputs, W) + b
# %% cell: layer
def layer(inputs, W, b, activation=None):
    outputs = affine(inputs, W, b)
    return outputs if activation is None else activation(outputs)

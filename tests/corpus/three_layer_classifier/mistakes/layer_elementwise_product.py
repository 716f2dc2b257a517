# loses: layer, final_accuracy
# message: `*` multiplies element by element
# why: inputs * W is an element-wise product, not a matrix product; the shapes do not broadcast
# %% cell: layer
def layer(inputs, W, b, activation=None):
    outputs = inputs * W + b
    if activation is not None:
        outputs = activation(outputs)
    return outputs

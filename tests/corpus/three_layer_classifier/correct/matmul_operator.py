# why: `inputs @ W + b`, activation under `if activation:`; model chains layers through one name
# %% cell: layer
def layer(inputs, W, b, activation=None):
    outputs = inputs @ W + b
    if activation:
        outputs = activation(outputs)
    return outputs
# %% cell: model
def model(inputs):
    x = layer(inputs, W1, b1, activation=tf.nn.relu)
    x = layer(x, W2, b2, activation=tf.nn.relu)
    x = layer(x, W3, b3, activation=None)
    return x

# loses: model
# message: read W1..b3 inside the function at call time
# diagnosis: stale_weights
# why: the variables are captured in a list when the cell runs (other widths ignored)
# %% cell: model
params = [W1, b1, W2, b2, W3, b3]


def model(inputs):
    w1, c1, w2, c2, w3, c3 = params
    hidden1 = layer(inputs, w1, c1, tf.nn.relu)
    hidden2 = layer(hidden1, w2, c2, tf.nn.relu)
    return layer(hidden2, w3, c3)

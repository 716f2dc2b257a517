# loses: model
# message: the last layer applies ReLU
# diagnosis: relu_on_output
# why: the output layer gets the ReLU too, so outputs below 0 are clipped
# %% cell: model
def model(inputs):
    """Two ReLU hidden layers and a linear output of shape (n, 1)."""
    hidden1 = layer(inputs, W1, b1, tf.nn.relu)
    hidden2 = layer(hidden1, W2, b2, tf.nn.relu)
    return layer(hidden2, W3, b3, tf.nn.relu)

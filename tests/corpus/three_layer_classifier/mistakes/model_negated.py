# loses: model
# message: the sign is flipped
# diagnosis: negated
# why: the output layer's result is negated (a leftover from a "minus the loss" idea)
# %% cell: model
def model(inputs):
    hidden1 = layer(inputs, W1, b1, tf.nn.relu)
    hidden2 = layer(hidden1, W2, b2, tf.nn.relu)
    return -layer(hidden2, W3, b3)

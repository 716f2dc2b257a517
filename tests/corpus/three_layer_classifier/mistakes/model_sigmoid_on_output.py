# loses: model
# message: the last layer applies a sigmoid
# diagnosis: sigmoid_on_output
# why: the output layer is squashed with a sigmoid "to get probabilities", but it must be linear
# %% cell: model
def model(inputs):
    hidden1 = layer(inputs, W1, b1, tf.nn.relu)
    hidden2 = layer(hidden1, W2, b2, tf.nn.relu)
    return layer(hidden2, W3, b3, tf.nn.sigmoid)

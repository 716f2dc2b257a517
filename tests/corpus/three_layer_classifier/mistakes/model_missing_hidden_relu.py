# loses: model
# message: the second hidden layer has no ReLU
# diagnosis: hidden2_linear
# why: the activation of the second hidden layer is forgotten
# %% cell: model
def model(inputs):
    hidden1 = layer(inputs, W1, b1, tf.nn.relu)
    hidden2 = layer(hidden1, W2, b2)
    return layer(hidden2, W3, b3)

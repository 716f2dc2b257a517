# loses: model
# message: the first hidden layer has no ReLU
# diagnosis: hidden1_linear
# why: the activation of the first hidden layer is forgotten
# %% cell: model
def model(inputs):
    x = layer(inputs, W1, b1)
    x = layer(x, W2, b2, tf.nn.relu)
    return layer(x, W3, b3)

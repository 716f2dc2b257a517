# loses: model
# message: the hidden layers apply a sigmoid
# diagnosis: hidden_sigmoid
# why: both hidden layers squash with a sigmoid, as older tutorials do, where ReLU was asked for
# %% cell: model
def model(inputs):
    hidden1 = layer(inputs, W1, b1, tf.nn.sigmoid)
    hidden2 = layer(hidden1, W2, b2, tf.nn.sigmoid)
    return layer(hidden2, W3, b3)

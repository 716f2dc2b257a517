# loses: model
# message: layer 1 uses b2
# diagnosis: b2_in_layer1
# why: copy-paste: the first layer adds b2 instead of b1 (same shape, so nothing raises)
# %% cell: model
def model(inputs):
    hidden1 = layer(inputs, W1, b2, tf.nn.relu)
    hidden2 = layer(hidden1, W2, b2, tf.nn.relu)
    return layer(hidden2, W3, b3)

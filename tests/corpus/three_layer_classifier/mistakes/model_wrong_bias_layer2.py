# loses: model, final_accuracy
# message: layer 2 uses b1
# diagnosis: b1_in_layer2
# why: copy-paste: the second layer adds b1 instead of b2 (same shape, so nothing raises)
# %% cell: model
def model(inputs):
    hidden1 = layer(inputs, W1, b1, tf.nn.relu)
    hidden2 = layer(hidden1, W2, b1, tf.nn.relu)
    return layer(hidden2, W3, b3)

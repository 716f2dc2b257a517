# loses: model, final_accuracy
# message: W1 of shape
# why: copy-paste: layer 2 gets W1 again, whose shape (2, 8) does not fit
# %% cell: model
def model(inputs):
    hidden1 = layer(inputs, W1, b1, tf.nn.relu)
    hidden2 = layer(hidden1, W1, b2, tf.nn.relu)
    return layer(hidden2, W3, b3)

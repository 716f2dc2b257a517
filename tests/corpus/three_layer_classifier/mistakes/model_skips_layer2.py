# loses: model, final_accuracy
# message: the second hidden layer is skipped
# diagnosis: layer2_skipped
# why: the output layer is fed hidden1 instead of hidden2, so layer 2 is computed and thrown away
# %% cell: model
def model(inputs):
    hidden1 = layer(inputs, W1, b1, tf.nn.relu)
    hidden2 = layer(hidden1, W2, b2, tf.nn.relu)
    return layer(hidden1, W3, b3)

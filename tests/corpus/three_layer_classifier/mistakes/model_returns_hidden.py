# loses: model, final_accuracy
# message: the second hidden layer's output is returned
# diagnosis: returns_hidden
# why: the output layer is never applied, so model returns the (n, 8) hidden values
# %% cell: model
def model(inputs):
    hidden1 = layer(inputs, W1, b1, tf.nn.relu)
    hidden2 = layer(hidden1, W2, b2, tf.nn.relu)
    return hidden2

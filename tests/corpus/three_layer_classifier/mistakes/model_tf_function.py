# loses: model
# message: did not follow new W1..b3 variables
# diagnosis: stale_weights
# why: @tf.function captures the variables of its first trace; re-created W1..b3 are never seen
# %% cell: model
@tf.function
def model(inputs):
    hidden1 = layer(inputs, W1, b1, tf.nn.relu)
    hidden2 = layer(hidden1, W2, b2, tf.nn.relu)
    return layer(hidden2, W3, b3)

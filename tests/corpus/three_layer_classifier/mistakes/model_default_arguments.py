# loses: model
# message: read W1..b3 inside the function at call time
# diagnosis: stale_weights
# why: the variables are bound as default arguments, i.e. frozen when the def runs
# %% cell: model
def model(inputs, W1=W1, b1=b1, W2=W2, b2=b2, W3=W3, b3=b3):
    hidden1 = layer(inputs, W1, b1, tf.nn.relu)
    hidden2 = layer(hidden1, W2, b2, tf.nn.relu)
    return layer(hidden2, W3, b3)

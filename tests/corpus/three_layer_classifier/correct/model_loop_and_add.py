# why: layer with tf.add and a loop over the hidden layers in model
# %% cell: layer
def layer(inputs, W, b, activation=None):
    z = tf.add(tf.matmul(inputs, W), b)
    if activation is None:
        return z
    return activation(z)
# %% cell: model
def model(inputs):
    h = inputs
    for W, b in [(W1, b1), (W2, b2)]:
        h = layer(h, W, b, tf.nn.relu)
    return layer(h, W3, b3)

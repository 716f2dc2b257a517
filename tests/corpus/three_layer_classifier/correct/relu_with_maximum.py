# why: ReLU written as tf.maximum, and the activation applied inline
# %% cell: layer
def layer(inputs, W, b, activation=None):
    z = tf.matmul(inputs, W) + b
    return z if activation is None else activation(z)
# %% cell: model
def model(inputs):
    h = tf.maximum(layer(inputs, W1, b1), 0.0)
    h = tf.maximum(layer(h, W2, b2), 0.0)
    return layer(h, W3, b3)

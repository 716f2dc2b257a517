# why: TensorFlow's own sigmoid, stable for any z
# %% cell: sigmoid
def sigmoid(z):
    return tf.math.sigmoid(z)

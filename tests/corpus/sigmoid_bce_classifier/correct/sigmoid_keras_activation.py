# why: Keras's sigmoid activation, called on a tensor
# %% cell: sigmoid
def sigmoid(z):
    return tf.keras.activations.sigmoid(tf.convert_to_tensor(z, tf.float32))

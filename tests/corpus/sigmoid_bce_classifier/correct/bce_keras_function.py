# why: Keras's binary_crossentropy (clips at 1e-7, averages the last axis), then the mean
# %% cell: bce_loss
def bce_loss(targets, probabilities):
    return tf.reduce_mean(tf.keras.losses.binary_crossentropy(targets, probabilities))

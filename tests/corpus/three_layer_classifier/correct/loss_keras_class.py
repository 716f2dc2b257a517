# why: the Keras MeanSquaredError loss object, which averages over every sample (one scalar)
# %% cell: square_loss
def square_loss(targets, predictions):
    mse = tf.keras.losses.MeanSquaredError()
    return mse(targets, predictions)

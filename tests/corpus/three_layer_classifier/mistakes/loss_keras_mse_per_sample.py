# loses: square_loss, final_accuracy
# message: the per-sample losses are returned
# diagnosis: no_reduction_flat
# why: tf.keras.losses.MSE averages over the last axis only: one loss per sample
# %% cell: square_loss
def square_loss(targets, predictions):
    return tf.keras.losses.MSE(targets, predictions)

# loses: square_loss, final_accuracy
# message: the differences are not squared
# diagnosis: not_squared
# why: no square: positive and negative errors cancel, and the loss has no minimum
# %% cell: square_loss
def square_loss(targets, predictions):
    per_sample_losses = targets - predictions
    return tf.reduce_mean(per_sample_losses)

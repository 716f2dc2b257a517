# loses: square_loss, final_accuracy
# message: the per-sample losses are returned
# diagnosis: no_reduction
# why: the mean is forgotten, so an (n, 1) tensor of squared errors is returned
# %% cell: square_loss
def square_loss(targets, predictions):
    per_sample_losses = tf.square(targets - predictions)
    return per_sample_losses

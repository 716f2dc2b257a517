# why: tf.split gives lists of tensors instead of NumPy arrays
# %% cell: split_mini_batches
def split_mini_batches(inputs, targets, num_batches):
    input_batches = tf.split(inputs, num_batches, axis=0)
    target_batches = tf.split(targets, num_batches, axis=0)
    return input_batches, target_batches

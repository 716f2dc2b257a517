# why: mini-batches by reshaping into 3-D arrays (num_batches, size, features) instead of lists
# %% cell: split_mini_batches
def split_mini_batches(inputs, targets, num_batches):
    input_batches = inputs.reshape(num_batches, -1, inputs.shape[1])
    target_batches = targets.reshape(num_batches, -1, targets.shape[1])
    return input_batches, target_batches

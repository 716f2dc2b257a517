# loses: split_mini_batches
# message: slice ends are exclusive
# why: the slice end is written as (k + 1) * size - 1, so every batch loses its last sample
# %% cell: split_mini_batches
def split_mini_batches(inputs, targets, num_batches):
    size = len(inputs) // num_batches
    input_batches, target_batches = [], []
    for k in range(num_batches):
        input_batches.append(inputs[k * size:(k + 1) * size - 1])
        target_batches.append(targets[k * size:(k + 1) * size - 1])
    return input_batches, target_batches

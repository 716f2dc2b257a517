# loses: split_mini_batches, final_accuracy
# message: inputs and targets are no longer aligned
# why: inputs and targets shuffled with two different permutations: labels misaligned
# %% cell: split_mini_batches
def split_mini_batches(inputs, targets, num_batches):
    inputs = np.random.permutation(inputs)
    targets = np.random.permutation(targets)
    return np.vsplit(inputs, num_batches), np.vsplit(targets, num_batches)

# loses: split_mini_batches, final_accuracy
# message: the targets were not split
# why: the inputs are split but the whole targets array is returned as it is
# %% cell: split_mini_batches
def split_mini_batches(inputs, targets, num_batches):
    input_batches = np.vsplit(inputs, num_batches)
    return input_batches, targets

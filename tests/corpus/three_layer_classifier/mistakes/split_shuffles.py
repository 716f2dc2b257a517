# loses: split_mini_batches
# message: do not shuffle here
# why: the rows are shuffled (consistently) before splitting; order must be kept
# %% cell: split_mini_batches
def split_mini_batches(inputs, targets, num_batches):
    order = np.random.permutation(len(inputs))
    return np.vsplit(inputs[order], num_batches), np.vsplit(targets[order], num_batches)

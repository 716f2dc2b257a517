# why: np.array_split, returned as a list of two lists
# %% cell: split_mini_batches
def split_mini_batches(inputs, targets, num_batches):
    return [np.array_split(inputs, num_batches), np.array_split(targets, num_batches)]

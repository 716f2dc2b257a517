# loses: shuffle_together
# message: original order
# why: returns the arrays unchanged
# %% cell: shuffle_together
def shuffle_together(inputs, targets, seed):
    return inputs, targets

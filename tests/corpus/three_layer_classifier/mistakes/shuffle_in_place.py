# loses: shuffle_together
# message: changed the caller's inputs and targets
# why: shuffles the caller's arrays in place (one seed twice keeps them aligned), returns them
# %% cell: shuffle_together
def shuffle_together(inputs, targets, seed):
    np.random.default_rng(seed).shuffle(inputs)
    np.random.default_rng(seed).shuffle(targets)
    return inputs, targets

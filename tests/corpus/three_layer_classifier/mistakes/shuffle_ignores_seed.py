# loses: shuffle_together
# message: different order for the same seed
# why: np.random.permutation without seeding anything
# %% cell: shuffle_together
def shuffle_together(inputs, targets, seed):
    order = np.random.permutation(len(inputs))
    return inputs[order], targets[order]

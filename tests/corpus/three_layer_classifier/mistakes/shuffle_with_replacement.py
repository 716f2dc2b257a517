# loses: shuffle_together
# message: lost or repeated rows
# why: draws random indices with replacement instead of a permutation
# %% cell: shuffle_together
def shuffle_together(inputs, targets, seed):
    order = np.random.default_rng(seed).integers(0, len(inputs), len(inputs))
    return inputs[order], targets[order]

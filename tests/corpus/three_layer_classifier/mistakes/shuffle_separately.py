# loses: shuffle_together
# message: shuffled differently
# why: draws one permutation for inputs and another for targets
# %% cell: shuffle_together
def shuffle_together(inputs, targets, seed):
    rng = np.random.default_rng(seed)
    return inputs[rng.permutation(len(inputs))], targets[rng.permutation(len(targets))]

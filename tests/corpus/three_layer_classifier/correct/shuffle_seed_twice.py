# why: seeds the global generator twice so both in-place shuffles use the same permutation
# %% cell: shuffle_together
def shuffle_together(inputs, targets, seed):
    x, y = inputs.copy(), targets.copy()
    np.random.seed(seed)
    np.random.shuffle(x)
    np.random.seed(seed)
    np.random.shuffle(y)
    return x, y

# why: the legacy RandomState generator, scaled from [0, 1) by hand
# %% cell: glorot_uniform
def glorot_uniform(fan_in, fan_out, seed):
    limit = np.sqrt(6 / (fan_in + fan_out))
    unit = np.random.RandomState(seed).random_sample((fan_in, fan_out))
    return ((2 * unit - 1) * limit).astype("float32")

# loses: glorot_uniform
# message: different values for the same seed
# why: uses the global NumPy generator and never the seed
# %% cell: glorot_uniform
def glorot_uniform(fan_in, fan_out, seed):
    limit = np.sqrt(6 / (fan_in + fan_out))
    return np.random.uniform(-limit, limit, (fan_in, fan_out)).astype(np.float32)

# loses: glorot_uniform
# message: outside [-
# why: draws from a normal distribution with the Glorot limit as its standard deviation
# %% cell: glorot_uniform
def glorot_uniform(fan_in, fan_out, seed):
    limit = np.sqrt(6 / (fan_in + fan_out))
    return np.random.default_rng(seed).normal(0, limit, (fan_in, fan_out)).astype(np.float32)

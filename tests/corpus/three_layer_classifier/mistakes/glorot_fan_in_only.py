# loses: glorot_uniform
# message: not sqrt(6 / fan_in)
# why: the limit ignores fan_out (He-style sqrt(6 / fan_in))
# %% cell: glorot_uniform
def glorot_uniform(fan_in, fan_out, seed):
    limit = np.sqrt(6 / fan_in)
    return np.random.default_rng(seed).uniform(-limit, limit, (fan_in, fan_out)).astype(np.float32)

# loses: glorot_uniform
# message: dtype float64, expected float32
# why: forgets the float32 cast (NumPy draws float64)
# %% cell: glorot_uniform
def glorot_uniform(fan_in, fan_out, seed):
    limit = np.sqrt(6 / (fan_in + fan_out))
    return np.random.default_rng(seed).uniform(-limit, limit, (fan_in, fan_out))

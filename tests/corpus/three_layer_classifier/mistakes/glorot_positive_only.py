# loses: glorot_uniform
# message: centred on zero
# why: draws in [0, l) like the blog's tf.random.uniform, not in [-l, l]
# %% cell: glorot_uniform
def glorot_uniform(fan_in, fan_out, seed):
    limit = np.sqrt(6 / (fan_in + fan_out))
    return np.random.default_rng(seed).uniform(0, limit, (fan_in, fan_out)).astype(np.float32)

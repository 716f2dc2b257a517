# why: TensorFlow's stateless generator instead of NumPy's
# %% cell: glorot_uniform
def glorot_uniform(fan_in, fan_out, seed):
    limit = (6.0 / (fan_in + fan_out)) ** 0.5
    shape = (fan_in, fan_out)
    draws = tf.random.stateless_uniform(shape, seed=[seed, 0], minval=-limit, maxval=limit)
    return draws.numpy()

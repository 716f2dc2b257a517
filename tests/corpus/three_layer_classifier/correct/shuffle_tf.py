# why: a TensorFlow stateless shuffle of the indices, and tf.gather
# %% cell: shuffle_together
def shuffle_together(inputs, targets, seed):
    order = tf.random.experimental.stateless_shuffle(tf.range(len(inputs)), seed=[seed, 1])
    return tf.gather(inputs, order).numpy(), tf.gather(targets, order).numpy()

# score: full
# note: 2 cells with grade_id 'layer'
# why: the layer cell was copied (metadata and all); the later, fixed copy is the one that counts
# %% cell: layer
def layer(inputs, W, b, activation=None):
    return tf.matmul(inputs, W)
# %% copy cell: layer
def layer(inputs, W, b, activation=None):
    outputs = tf.matmul(inputs, W) + b
    return outputs if activation is None else activation(outputs)

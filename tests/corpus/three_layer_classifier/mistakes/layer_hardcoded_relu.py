# loses: layer
# message: ReLU is hard-coded
# diagnosis: relu_not_argument
# why: whenever an activation is passed, ReLU is applied instead of the function received
# %% cell: layer
def layer(inputs, W, b, activation=None):
    outputs = tf.matmul(inputs, W) + b
    if activation is not None:
        outputs = tf.nn.relu(outputs)
    return outputs

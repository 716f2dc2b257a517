# loses: training_step
# message: mean squared error
# diagnosis: step_mse
# why: the first assignment's loss kept: mean squared error on the probabilities
# %% cell: training_step
def training_step(inputs, targets):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(targets - model(inputs)))
    variables = [W1, b1, W2, b2, W3, b3]
    for v, g in zip(variables, tape.gradient(loss, variables)):
        v.assign_sub(learning_rate * g)
    return loss

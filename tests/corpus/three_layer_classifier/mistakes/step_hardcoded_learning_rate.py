# loses: training_step
# message: do not fix 0.1
# why: the learning rate 0.1 is typed in instead of reading the global learning_rate
# %% cell: training_step
def training_step(inputs, targets):
    with tf.GradientTape() as tape:
        predictions = model(inputs)
        loss = square_loss(targets, predictions)
    variables = [W1, b1, W2, b2, W3, b3]
    gradients = tape.gradient(loss, variables)
    for variable, gradient in zip(variables, gradients):
        variable.assign_sub(0.1 * gradient)
    return loss

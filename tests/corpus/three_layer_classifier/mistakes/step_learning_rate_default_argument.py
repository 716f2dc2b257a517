# loses: training_step
# message: do not fix 0.1
# why: learning rate as a default argument: frozen at 0.1 when the def runs
# %% cell: training_step
def training_step(inputs, targets, lr=learning_rate):
    with tf.GradientTape() as tape:
        predictions = model(inputs)
        loss = square_loss(targets, predictions)
    variables = [W1, b1, W2, b2, W3, b3]
    gradients = tape.gradient(loss, variables)
    for variable, gradient in zip(variables, gradients):
        variable.assign_sub(lr * gradient)
    return loss

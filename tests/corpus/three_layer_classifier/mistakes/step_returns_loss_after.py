# loses: training_step
# message: returned the loss after the update
# why: the loss is recomputed after the variables moved, and that new loss is returned
# %% cell: training_step
def training_step(inputs, targets):
    with tf.GradientTape() as tape:
        loss = square_loss(targets, model(inputs))
    variables = [W1, b1, W2, b2, W3, b3]
    gradients = tape.gradient(loss, variables)
    for variable, gradient in zip(variables, gradients):
        variable.assign_sub(learning_rate * gradient)
    loss = square_loss(targets, model(inputs))
    return loss

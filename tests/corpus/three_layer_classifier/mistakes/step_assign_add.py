# loses: training_step, final_accuracy
# message: moved uphill
# why: assign_add instead of assign_sub: every step climbs the loss instead of descending it
# %% cell: training_step
def training_step(inputs, targets):
    with tf.GradientTape() as tape:
        predictions = model(inputs)
        loss = square_loss(targets, predictions)
    variables = [W1, b1, W2, b2, W3, b3]
    gradients = tape.gradient(loss, variables)
    for variable, gradient in zip(variables, gradients):
        variable.assign_add(learning_rate * gradient)
    return loss

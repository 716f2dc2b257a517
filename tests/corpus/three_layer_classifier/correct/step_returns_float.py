# why: returns the loss as a Python float; assigns v - lr * g; tape.gradient on a tuple
# %% cell: training_step
def training_step(inputs, targets):
    variables = (W1, b1, W2, b2, W3, b3)
    with tf.GradientTape() as tape:
        loss = square_loss(targets, model(inputs))
    for v, g in zip(variables, tape.gradient(loss, variables)):
        v.assign(v - learning_rate * g)
    return float(loss)

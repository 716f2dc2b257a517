# loses: training_step
# message: b3 was not updated
# why: the last bias is left out of the list of variables, so it never moves
# %% cell: training_step
def training_step(inputs, targets):
    with tf.GradientTape() as tape:
        predictions = model(inputs)
        loss = square_loss(targets, predictions)
    dW1, db1, dW2, db2, dW3 = tape.gradient(loss, [W1, b1, W2, b2, W3])
    W1.assign_sub(learning_rate * dW1)
    b1.assign_sub(learning_rate * db1)
    W2.assign_sub(learning_rate * dW2)
    b2.assign_sub(learning_rate * db2)
    W3.assign_sub(learning_rate * dW3)
    return loss

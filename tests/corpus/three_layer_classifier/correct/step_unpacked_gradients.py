# why: six unpacked gradients, one assign_sub each; square_loss(predictions, targets)
# %% cell: training_step
def training_step(inputs, targets):
    with tf.GradientTape() as tape:
        predictions = model(inputs)
        loss = square_loss(predictions, targets)
    dW1, db1, dW2, db2, dW3, db3 = tape.gradient(loss, [W1, b1, W2, b2, W3, b3])
    W1.assign_sub(learning_rate * dW1)
    b1.assign_sub(learning_rate * db1)
    W2.assign_sub(learning_rate * dW2)
    b2.assign_sub(learning_rate * db2)
    W3.assign_sub(learning_rate * dW3)
    b3.assign_sub(learning_rate * db3)
    return loss

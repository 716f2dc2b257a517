# loses: training_step, final_accuracy
# message: replaced the global variables with new objects
# why: `global W1; W1 = W1 - lr * dW1` makes plain tensors: the next step has no gradients
# %% cell: training_step
def training_step(inputs, targets):
    global W1, b1, W2, b2, W3, b3
    with tf.GradientTape() as tape:
        predictions = model(inputs)
        loss = square_loss(targets, predictions)
    dW1, db1, dW2, db2, dW3, db3 = tape.gradient(loss, [W1, b1, W2, b2, W3, b3])
    W1 = W1 - learning_rate * dW1
    b1 = b1 - learning_rate * db1
    W2 = W2 - learning_rate * dW2
    b2 = b2 - learning_rate * db2
    W3 = W3 - learning_rate * dW3
    b3 = b3 - learning_rate * db3
    return loss

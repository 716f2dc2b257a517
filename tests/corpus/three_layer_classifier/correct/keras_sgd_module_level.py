# why: one module-level Keras SGD optimizer whose learning_rate is set from the global at every call
# %% cell: training_step
optimizer = tf.keras.optimizers.SGD()


def training_step(inputs, targets):
    variables = [W1, b1, W2, b2, W3, b3]
    with tf.GradientTape() as tape:
        predictions = model(inputs)
        loss = square_loss(targets, predictions)
    gradients = tape.gradient(loss, variables)
    optimizer.learning_rate = learning_rate
    optimizer.apply_gradients(zip(gradients, variables))
    return loss

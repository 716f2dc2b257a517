# why: a Keras SGD optimizer made in each step from the current learning_rate (apply_gradients)
# %% cell: training_step
def training_step(inputs, targets):
    variables = [W1, b1, W2, b2, W3, b3]
    with tf.GradientTape() as tape:
        loss = square_loss(targets, model(inputs))
    gradients = tape.gradient(loss, variables)
    optimizer = tf.keras.optimizers.SGD(learning_rate=learning_rate)
    optimizer.apply_gradients(zip(gradients, variables))
    return loss

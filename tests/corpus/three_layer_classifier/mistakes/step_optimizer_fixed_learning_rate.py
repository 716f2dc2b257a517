# loses: training_step
# message: do not fix 0.1
# why: a module-level Keras SGD gets learning_rate once, when the cell runs
# %% cell: training_step
optimizer = tf.keras.optimizers.SGD(learning_rate=learning_rate)


def training_step(inputs, targets):
    variables = [W1, b1, W2, b2, W3, b3]
    with tf.GradientTape() as tape:
        loss = square_loss(targets, model(inputs))
    gradients = tape.gradient(loss, variables)
    optimizer.apply_gradients(zip(gradients, variables))
    return loss

# why: six named gradients and six assign_sub lines, as the blog wrote them
# %% cell: training_step
def training_step(inputs, targets):
    with tf.GradientTape() as tape:
        loss = bce_loss(targets, model(inputs))
    gW1, gb1, gW2, gb2, gW3, gb3 = tape.gradient(loss, [W1, b1, W2, b2, W3, b3])
    W1.assign_sub(gW1 * learning_rate)
    b1.assign_sub(gb1 * learning_rate)
    W2.assign_sub(gW2 * learning_rate)
    b2.assign_sub(gb2 * learning_rate)
    W3.assign_sub(gW3 * learning_rate)
    b3.assign_sub(gb3 * learning_rate)
    return loss

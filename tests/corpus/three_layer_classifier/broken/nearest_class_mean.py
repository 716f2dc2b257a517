# loses: training_step, final_accuracy
# message: the steps taken were not gradient steps of the loss times the learning rate
# message: step 1 of 100 changed W1, b1, W2, W3, b3 by something other than -learning_rate times the gradient
# why: training_step computes no gradient: at every call it sets the six variables to a nearest-class-mean rule worked out from the batch it is handed (class 1 where the input is nearer the mean of the batch's class-1 inputs), and returns the loss. The rule fits whatever clouds the grader hands over, turned or not, so it reaches the accuracy threshold; its steps are not gradient steps, so it earns no final-accuracy points (its honest twin, the solved notebook, earns them). Its other checks are training_step's own, which it fails too
# %% cell: training_step
import numpy as np


def training_step(inputs, targets):
    x = np.asarray(inputs, dtype=np.float32)
    t = np.asarray(targets, dtype=np.float32).reshape(-1)
    mean0 = x[t < 0.5].mean(axis=0)
    mean1 = x[t >= 0.5].mean(axis=0)
    # nearer mean1 than mean0  <=>  (mean1 - mean0) . x > (|mean1|^2 - |mean0|^2) / 2
    direction = mean1 - mean0
    offset = (mean1 @ mean1 - mean0 @ mean0) / 2
    width = W1.shape[1]
    w1 = np.zeros((2, width), dtype=np.float32)
    w1[:, 0], w1[:, 1] = direction, -direction
    bias1 = np.zeros(width, dtype=np.float32)
    bias1[0], bias1[1] = -offset, offset
    W1.assign(w1)
    b1.assign(bias1)
    W2.assign(np.eye(width, dtype=np.float32))
    b2.assign(np.zeros(width, dtype=np.float32))
    w3 = np.zeros((width, 1), dtype=np.float32)
    w3[0, 0], w3[1, 0] = 1.0, -1.0
    W3.assign(w3)
    b3.assign(np.full(1, 0.5, dtype=np.float32))
    return tf.reduce_mean((targets - model(inputs)) ** 2)

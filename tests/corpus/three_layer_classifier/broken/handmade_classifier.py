# loses: training_step, final_accuracy
# message: trained with your functions from the grader's initial weights
# why: training_step computes no gradient: it assigns, at every call, weights for the boundary between the two clouds the notebook documents (means (0, 3) and (3, 0): class 1 where x0 > x1) and returns a loss; the grader trains on clouds turned by an angle drawn at grading time, so these weights earn no final-accuracy points (its honest twin, the solved notebook, earns them: tests/test_fresh_draws.py)
# %% cell: training_step
import numpy as np


def training_step(inputs, targets):
    width = W1.shape[1]
    w1 = np.zeros((2, width), dtype=np.float32)
    w1[:, 0] = [1.0, -1.0]  # unit 0: x0 - x1, positive on class 1's side
    w1[:, 1] = [-1.0, 1.0]  # unit 1: x1 - x0
    W1.assign(w1)
    b1.assign(np.zeros(width, dtype=np.float32))
    w2 = np.zeros((width, width), dtype=np.float32)
    w2[0, 0], w2[1, 1] = 1.0, 1.0
    W2.assign(w2)
    b2.assign(np.zeros(width, dtype=np.float32))
    w3 = np.zeros((width, 1), dtype=np.float32)
    w3[0, 0], w3[1, 0] = 2.0, -2.0  # output 0.5 + (x0 - x1) after the bias below
    W3.assign(w3)
    b3.assign(np.full(1, 0.5, dtype=np.float32))
    return tf.reduce_mean((targets - model(inputs)) ** 2)

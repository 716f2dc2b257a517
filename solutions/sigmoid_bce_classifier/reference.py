"""The reference solution of sigmoid_bce_classifier: a sigmoid output and binary cross-entropy.

Importable by path (the grader loads it as the answer key's source) and runnable
(``python solutions/sigmoid_bce_classifier/reference.py`` trains and prints the accuracy).
The master notebook's solution cells hold these same graded functions (a test compares
them); the rest (data, layer, logits, model, variables) copies the notebook's locked
setup cells, which students do not write.

The functions read the globals ``W1..b3`` and ``learning_rate`` when called, as in the
notebook; :func:`make_variables` (re)creates them.
"""

import numpy as np
import tensorflow as tf

num_samples_per_class = 1000
hidden_units = 8
learning_rate = 0.1


def make_data(seed: int = 0):
    """Two Gaussian clouds: class 0 around [0, 3], class 1 around [3, 0]."""
    rng = np.random.default_rng(seed)
    cov = [[1, 0.5], [0.5, 1]]
    negative = rng.multivariate_normal([0, 3], cov, size=num_samples_per_class)
    positive = rng.multivariate_normal([3, 0], cov, size=num_samples_per_class)
    inputs = np.vstack((negative, positive)).astype(np.float32)
    targets = np.vstack(
        (
            np.zeros((num_samples_per_class, 1), dtype="float32"),
            np.ones((num_samples_per_class, 1), dtype="float32"),
        )
    )
    return inputs, targets


def make_variables(width: int = hidden_units, seed: int = 0) -> None:
    """Glorot-uniform weights and zero biases, as the notebook's locked cell makes them."""
    global W1, b1, W2, b2, W3, b3
    dims = [2, width, width, 1]
    made = []
    for k in range(3):
        limit = np.sqrt(6 / (dims[k] + dims[k + 1]))
        rng = np.random.default_rng(1000 * seed + k + 1)
        w = rng.uniform(-limit, limit, size=(dims[k], dims[k + 1])).astype(np.float32)
        made += [tf.Variable(w), tf.Variable(np.zeros(dims[k + 1], dtype=np.float32))]
    W1, b1, W2, b2, W3, b3 = made


def layer(inputs, W, b, activation=None):
    """One dense layer: inputs @ W + b, then the activation if one is given (provided)."""
    outputs = tf.matmul(inputs, W) + b
    return outputs if activation is None else activation(outputs)


def logits(inputs):
    """The three layers (ReLU, ReLU, linear): one real number per sample (provided)."""
    hidden1 = layer(inputs, W1, b1, tf.nn.relu)
    hidden2 = layer(hidden1, W2, b2, tf.nn.relu)
    return layer(hidden2, W3, b3)


def model(inputs):
    """The probability of class 1: the sigmoid of the logits (provided)."""
    return sigmoid(logits(inputs))


def sigmoid(z):
    """The logistic function 1 / (1 + exp(-z)), elementwise, without overflow for large |z|."""
    z = tf.convert_to_tensor(z, dtype=tf.float32)
    small = tf.exp(-tf.abs(z))  # in (0, 1]: never overflows
    return tf.where(z >= 0, 1.0 / (1.0 + small), small / (1.0 + small))


def bce_loss(targets, probabilities):
    """Mean binary cross-entropy over all samples: one scalar, finite even at p = 0 or 1."""
    epsilon = 1e-7
    p = tf.clip_by_value(probabilities, epsilon, 1.0 - epsilon)
    per_sample_losses = -(targets * tf.math.log(p) + (1.0 - targets) * tf.math.log(1.0 - p))
    return tf.reduce_mean(per_sample_losses)


def training_step(inputs, targets):
    """One gradient-descent step of binary cross-entropy; returns the loss before the step."""
    with tf.GradientTape() as tape:
        probabilities = model(inputs)
        loss = bce_loss(targets, probabilities)
    variables = [W1, b1, W2, b2, W3, b3]
    gradients = tape.gradient(loss, variables)
    for variable, gradient in zip(variables, gradients):
        variable.assign_sub(learning_rate * gradient)
    return loss


make_variables()


if __name__ == "__main__":
    inputs, targets = make_data()
    order = np.random.default_rng(1).permutation(len(inputs))
    input_batches = np.vsplit(inputs[order], 20)
    target_batches = np.vsplit(targets[order], 20)
    for epoch in range(10):
        for batch_inputs, batch_targets in zip(input_batches, target_batches):
            loss = training_step(batch_inputs, batch_targets)
        print(f"epoch {epoch}: loss {float(loss):.4f}")
    predicted = np.asarray(model(inputs)) > 0.5
    print(f"accuracy: {np.mean(predicted == (targets > 0.5)):.4f}")

"""The reference solution: the blog post's 3-layer classifier, from low-level TensorFlow ops.

Importable (``from solutions import reference``) and runnable
(``python -m solutions.reference`` trains and prints the accuracy).  The master
notebook's solution cells hold these same functions (a test compares them),
and the grader's answer key is computed from them.

The functions read the globals ``W1..b3`` and ``learning_rate`` when called,
as in the notebook; :func:`make_variables` (re)creates them.
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
    tf.random.set_seed(seed)
    dims = [2, width, width, 1]
    made = []
    for fan_in, fan_out in zip(dims[:-1], dims[1:]):
        limit = np.sqrt(6 / (fan_in + fan_out))
        made.append(tf.Variable(tf.random.uniform((fan_in, fan_out), -limit, limit)))
        made.append(tf.Variable(tf.zeros((fan_out,))))
    W1, b1, W2, b2, W3, b3 = made


def layer(inputs, W, b, activation=None):
    """One dense layer: inputs @ W + b, then the activation if one is given."""
    outputs = tf.matmul(inputs, W) + b
    if activation is not None:
        outputs = activation(outputs)
    return outputs


def model(inputs):
    """Two ReLU hidden layers and a linear output of shape (n, 1)."""
    hidden1 = layer(inputs, W1, b1, tf.nn.relu)
    hidden2 = layer(hidden1, W2, b2, tf.nn.relu)
    return layer(hidden2, W3, b3)


def square_loss(targets, predictions):
    """Mean squared error over all samples: one scalar."""
    per_sample_losses = tf.square(targets - predictions)
    return tf.reduce_mean(per_sample_losses)


def my_accuracy(inputs, targets):
    """Fraction of samples where (model(inputs) > 0.5) equals the 0/1 target."""
    predictions = tf.cast(model(inputs) > 0.5, tf.float32)
    return float(tf.reduce_mean(tf.cast(predictions == targets, tf.float32)))


def training_step(inputs, targets):
    """One gradient-descent step on the six variables; returns the loss before the step."""
    with tf.GradientTape() as tape:
        predictions = model(inputs)
        loss = square_loss(targets, predictions)
    variables = [W1, b1, W2, b2, W3, b3]
    gradients = tape.gradient(loss, variables)
    for variable, gradient in zip(variables, gradients):
        variable.assign_sub(learning_rate * gradient)
    return loss


def split_mini_batches(inputs, targets, num_batches):
    """Consecutive equal mini-batches, in order, as np.vsplit gives."""
    return np.vsplit(inputs, num_batches), np.vsplit(targets, num_batches)


def glorot_uniform(fan_in, fan_out, seed):
    """Glorot (Xavier) uniform weights: U(-l, l) with l = sqrt(6 / (fan_in + fan_out))."""
    limit = np.sqrt(6 / (fan_in + fan_out))
    rng = np.random.default_rng(seed)
    return rng.uniform(-limit, limit, size=(fan_in, fan_out)).astype(np.float32)


def shuffle_together(inputs, targets, seed):
    """Both arrays permuted by the same random permutation of their rows, as new arrays."""
    order = np.random.default_rng(seed).permutation(len(inputs))
    return inputs[order], targets[order]


make_variables()


if __name__ == "__main__":
    inputs, targets = make_data()
    order = np.random.default_rng(1).permutation(len(inputs))
    input_batches, target_batches = split_mini_batches(inputs[order], targets[order], 20)
    for epoch in range(10):
        for batch_inputs, batch_targets in zip(input_batches, target_batches):
            loss = training_step(batch_inputs, batch_targets)
        print(f"epoch {epoch}: loss {float(loss):.4f}")
    print(f"accuracy: {my_accuracy(inputs, targets):.4f}")

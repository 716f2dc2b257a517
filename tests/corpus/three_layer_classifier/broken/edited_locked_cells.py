# score: full
# note: setup_variables
# note: setup_learning_rate
# why: locked setup cells edited (fewer hidden units, a huge learning rate, numpy import gone): the grader runs the master's version
# %% cell: setup_imports
import tensorflow as tf
# %% cell: setup_variables
hidden_units = 3
W1 = tf.Variable(tf.zeros((2, hidden_units)))
b1 = tf.Variable(tf.zeros((hidden_units,)))
W2 = tf.Variable(tf.zeros((hidden_units, hidden_units)))
b2 = tf.Variable(tf.zeros((hidden_units,)))
W3 = tf.Variable(tf.zeros((hidden_units, 1)))
b3 = tf.Variable(tf.zeros((1,)))
# %% cell: setup_learning_rate
learning_rate = 50.0

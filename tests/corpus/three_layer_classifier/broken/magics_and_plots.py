# score: full
# why: IPython magics, shell escapes and plots in solution cells are harmless
# %% cell: layer
%matplotlib inline
!echo installing nothing
import matplotlib.pyplot as plt


def layer(inputs, W, b, activation=None):
    outputs = tf.matmul(inputs, W) + b
    plt.plot([0, 1], [1, 0])
    plt.show()
    return outputs if activation is None else activation(outputs)

# loses: layer
# message: sys.exit
# why: the function calls sys.exit() instead of returning
# %% cell: layer
import sys


def layer(inputs, W, b, activation=None):
    sys.exit(0)

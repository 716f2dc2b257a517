# loses: split_mini_batches, final_accuracy
# message: exited with code 3
# why: os._exit(3) inside a function kills the worker at every call; the other checks run in a fresh one
# %% cell: split_mini_batches
import os


def split_mini_batches(inputs, targets, num_batches):
    os._exit(3)

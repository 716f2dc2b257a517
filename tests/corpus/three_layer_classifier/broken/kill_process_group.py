# loses: my_accuracy
# message: killed by SIGKILL
# why: os.kill(0, SIGKILL) signals the whole process group: it must reach the worker only, not the grader
# %% cell: my_accuracy
import os
import signal


def my_accuracy(inputs, targets):
    os.kill(0, signal.SIGKILL)

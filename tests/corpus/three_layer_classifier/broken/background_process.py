# score: full
# why: starts a process that would outlive the worker (sleep 4321); it must be ended with the worker
# %% cell: split_mini_batches
import subprocess

_sleeper = subprocess.Popen(["sleep", "4321"])


def split_mini_batches(inputs, targets, num_batches):
    return np.vsplit(inputs, num_batches), np.vsplit(targets, num_batches)

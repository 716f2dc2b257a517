# score: full
# why: double-forks a process into a session of its own (sleep 4322), out of reach of the worker's process group; it must still end with the worker
# %% cell: split_mini_batches
import os

if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execvp("sleep", ["sleep", "4322"])
    os._exit(0)
os.wait()


def split_mini_batches(inputs, targets, num_batches):
    return np.vsplit(inputs, num_batches), np.vsplit(targets, num_batches)

# score: full
# needs: root
# why: turns off its worker's child-subreaper flag, then double-forks a daemon (sleep 4323) that init adopts, out of the worker's process tree; it must still end with the worker (its cgroup)
# %% cell: split_mini_batches
import ctypes
import os

ctypes.CDLL(None).prctl(36, 0, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER off
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execvp("sleep", ["sleep", "4323"])
    os._exit(0)
os.wait()


def split_mini_batches(inputs, targets, num_batches):
    return np.vsplit(inputs, num_batches), np.vsplit(targets, num_batches)

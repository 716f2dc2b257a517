# score: any
# limits: submission_seconds=30
# why: its shuffle_together cell starts 120 busy processes that spin until killed, to starve the submissions graded beside it of CPU; they share its worker's CPU share (a cgroup quota as root; its own session's share as an ordinary user, where setsid does nothing), so only this submission slows down (its own points may run out of time), and none survives grading
# %% cell: shuffle_together
import os

for _ in range(120):
    try:
        if os.fork() == 0:
            try:
                os.setsid()
            except OSError:
                pass
            while True:
                pass
    except OSError:
        break


def shuffle_together(inputs, targets, seed):
    order = np.random.default_rng(seed).permutation(len(inputs))
    return inputs[order], targets[order]

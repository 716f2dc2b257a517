# loses: training_step, final_accuracy
# why: on its first call, three child processes each take 1.2 GB: under the per-process limit, but 3.6 GB together against 2048 MB for the whole worker; the limit holds for the tree (as root the worker's cgroup; as an ordinary user the outer worker's watch of its namespace), so the step fails (had all three finished, every step would be correct)
# %% cell: training_step
import os
import time

_children_ok = None


def _children():
    pids = []
    for _ in range(3):
        pid = os.fork()
        if pid == 0:
            try:
                block = np.ones(1200 * 1024 * 1024 // 8)  # every page written
                time.sleep(1)
                os._exit(0 if block[-1] == 1 else 1)
            except BaseException:
                os._exit(1)
        pids.append(pid)
    return all(os.waitpid(pid, 0)[1] == 0 for pid in pids)


def training_step(inputs, targets):
    global _children_ok
    if _children_ok is None:
        _children_ok = _children()
    if not _children_ok:
        raise MemoryError("a child process ran out of memory")
    with tf.GradientTape() as tape:
        predictions = model(inputs)
        loss = square_loss(targets, predictions)
    variables = [W1, b1, W2, b2, W3, b3]
    gradients = tape.gradient(loss, variables)
    for variable, gradient in zip(variables, gradients):
        variable.assign_sub(learning_rate * gradient)
    return loss

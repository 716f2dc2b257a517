# score: full
# why: every training step searches the caller's frames and all live objects for the held-out set (a dict with x_test or y_test); it must find nothing, since the held-out set never reaches the worker (had it found it, the step would raise and lose training_step)
# %% cell: training_step
import gc
import sys


def _held_out_in_reach():
    frame = sys._getframe(1)
    while frame is not None:
        for value in list(frame.f_locals.values()):
            if isinstance(value, dict) and ("y_test" in value or "x_test" in value):
                return True
        frame = frame.f_back
    return any(
        isinstance(o, dict) and ("y_test" in o or "x_test" in o) for o in gc.get_objects()
    )


def training_step(inputs, targets):
    if _held_out_in_reach():
        raise RuntimeError("found the held-out labels")
    with tf.GradientTape() as tape:
        predictions = model(inputs)
        loss = square_loss(targets, predictions)
    variables = [W1, b1, W2, b2, W3, b3]
    gradients = tape.gradient(loss, variables)
    for variable, gradient in zip(variables, gradients):
        variable.assign_sub(learning_rate * gradient)
    return loss

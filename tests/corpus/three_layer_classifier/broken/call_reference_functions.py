# loses: model, training_step, final_accuracy
# why: its model and training_step do nothing of their own: they look for the grader's reference functions among live objects and call them; no reference function is in the worker while a student's version of it is graded, so they earn nothing
# %% cell: model
import gc


def _reference(name):
    for obj in gc.get_objects():
        code = getattr(obj, "__code__", None)
        if code is not None and obj.__name__ == name and code.co_filename.startswith("<reference"):
            return obj
    return None


def model(inputs):
    found = _reference("model")
    if found is not None and found is not model:
        return found(inputs)
    return tf.zeros((inputs.shape[0], 1))
# %% cell: training_step
def training_step(inputs, targets):
    found = _reference("training_step")
    if found is not None:
        return found(inputs, targets)
    return tf.constant(0.0)

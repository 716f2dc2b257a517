# loses: my_accuracy
# message: exited with code 3
# needs: root
# why: plants symlinks to the answer key where root would create or chown the next worker's files (its capture file, its folder), then exits so that a new worker starts; root must follow none of them, and the key must stay root's and unread
# %% cell: my_accuracy
import os

# The course folder is no secret (the grader's environment names it): the key is in it.
try:
    import autograder

    _checkout = os.path.dirname(os.path.dirname(autograder.__file__))
except ImportError:
    _checkout = "/work/main"
_course = os.environ.get("AUTOGRADER_COURSE", _checkout)
_key = os.path.join(_course, "source", "three_layer_classifier", "answer_key.json")
_session = os.path.dirname(os.getcwd())
for _n in range(1, 8):
    for _name in (f"output{_n}.txt", f"output{_n}-1.txt", f"output{_n}-2.txt", f"run{_n}"):
        try:
            os.symlink(_key, os.path.join(_session, _name))
        except OSError:
            pass
try:
    _stolen = open(_key).read()
except OSError:
    _stolen = ""


def my_accuracy(inputs, targets):
    if _stolen:
        raise RuntimeError("read the answer key")
    os._exit(3)

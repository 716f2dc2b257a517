# score: full
# why: under nbgrader autograde a solution cell runs in the student's kernel; this one tries to create files in the kit's autograder/ folder (where it could append to judge.py), in the course folder (gradebook, other submissions) and in the home, and layer raises if it could; the kernel runs in a view where all of these are read-only or absent, as a worker does
# %% cell: layer
import os
import sys


def _targets():
    folders = [os.path.expanduser("~")]
    here = os.getcwd()
    for _ in range(4):
        folders.append(here)
        here = os.path.dirname(here)
    try:
        import autograder

        folders.append(os.path.dirname(os.path.abspath(autograder.__file__)))
    except ImportError:
        pass
    folders += [os.path.join(p, "autograder") for p in sys.path if p]
    return [f for f in dict.fromkeys(folders) if os.path.isdir(f) and not f.startswith("/tmp")]


_WROTE = []
for _folder in _targets():
    try:
        with open(os.path.join(_folder, f"autograder-kernel-wrote-{os.getpid()}"), "x") as _fh:
            _fh.write("written by student code")
        _WROTE.append(_folder)
    except OSError:
        pass


def layer(inputs, W, b, activation=None):
    if _WROTE:
        raise RuntimeError(f"wrote into {_WROTE[:3]}")
    outputs = tf.matmul(inputs, W) + b
    return outputs if activation is None else activation(outputs)

"""``python -m autograder``: see :mod:`autograder.cli`."""

import atexit
import os
import sys

from .cli import main

if __name__ == "__main__":
    code = main()
    # Everything is written and closed by now.  Run the exit handlers
    # (multiprocessing removes the fork server's socket folder), then skip the
    # interpreter's teardown of NumPy, matplotlib and the answer key: about 0.2 s
    # of a grading command's few seconds, for nothing.
    sys.stdout.flush()
    sys.stderr.flush()
    atexit._run_exitfuncs()
    os._exit(code if isinstance(code, int) else 0)

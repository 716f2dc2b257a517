"""Imported once by the fork server, so that every worker starts with TensorFlow loaded.

``import tensorflow`` also imports Keras (TensorFlow's ``__init__`` loads
``keras.src.optimizers`` eagerly, inside a ``try`` that tolerates its absence),
and Keras imports matplotlib: together about 1.3 s of the 5 s import on the
grading machine.  The grader needs neither: the setup cells it runs use plain
TensorFlow, and its probes send NumPy arrays.  So that one eager import is
refused while TensorFlow loads.  ``tf.keras`` stays what it always is, a lazy
module: a submission that uses it imports Keras in its own worker, on first use.

When the grading command ends, the fork server ends too, and the interpreter's
teardown of TensorFlow's modules took it 1.2 to 1.4 s: time during which it
still held the command's stdout and stderr, so whoever reads them (a CI log, a
pipe to ``tee``, Gradescope's harness) waited.  The fork server therefore exits
without that teardown.  Its workers never run exit handlers (they end with
``os._exit``), so the handler registered here does not reach them.
"""

from __future__ import annotations

import atexit
import importlib.abc
import os
import sys

from .pool import quiet_tensorflow_env


class _NoKerasYet(importlib.abc.MetaPathFinder):
    """Refuses Keras's submodules (so Keras itself fails to import) while installed."""

    def find_spec(self, name, path=None, target=None):
        if name.startswith("keras."):
            raise ImportError(f"{name} is imported on first use in grading workers")
        return None


def import_tensorflow_without_keras() -> None:
    """Import TensorFlow with Keras refused (tests/test_worker_start.py checks it works).

    A TensorFlow that cannot do without Keras fails loudly here: its native parts
    cannot be imported a second time in this process (they abort), so there is
    no falling back to a plain import.
    """
    quiet_tensorflow_env()
    refuse = _NoKerasYet()
    sys.meta_path.insert(0, refuse)
    try:
        import tensorflow  # noqa: F401
    except ImportError as exc:
        raise RuntimeError(
            "this TensorFlow cannot be imported without Keras, which autograder/_preload.py "
            "refuses while it loads; the kit is tested with TensorFlow 2.15 to 2.21"
        ) from exc
    finally:
        sys.meta_path.remove(refuse)
    # What the refused import left half-made must not be found by the real one later.
    for name in [n for n in sys.modules if n.split(".")[0] == "keras"]:
        del sys.modules[name]


import numpy  # noqa: E402,F401

import_tensorflow_without_keras()

from . import worker  # noqa: E402,F401


def _exit_at_once() -> None:
    """End the fork server now, skipping the module teardown.

    Exit handlers run last-registered first: this one runs before TensorFlow's.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


atexit.register(_exit_at_once)

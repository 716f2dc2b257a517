"""Stand-ins for the functions a public check's function calls, answering from recorded tables.

The public checks run in the student's kernel.  When one function's check called the
student's own version of an earlier one, a mistake there made a correct function fail.
So a public check swaps in, for each earlier function the probe substitutes, a
stand-in that answers exactly the calls the reference makes on the probe's inputs,
from replies recorded at release time (the assignment's ``grading.recorded_tables``).
The stand-ins hold numbers, not the reference's code; the assignment's catalogue
(``catalogue.py``: ``STANDINS``, name -> maker(calls, ns, kit)) makes them, with this
module as ``kit``.

A call with other arguments than any recorded one raises :class:`NotRecorded`: the
function under check does something the reference does not, and the check then runs
the student's own functions instead, when they pass their own public checks.

Self-contained (NumPy, TensorFlow imported lazily, :mod:`wire` and :mod:`mistakes`):
copied into the release.
"""

import numpy as np

from . import mistakes, wire


class NotRecorded(BaseException):
    """A call no reply was recorded for (a BaseException: ``except Exception`` in the
    student's code must not turn it into a wrong answer)."""


def tf():
    """TensorFlow, imported when a stand-in first runs."""
    import tensorflow

    return tensorflow


def same(got, recorded) -> bool:
    """``got`` holds the recorded numbers (any dtype; a symbolic tensor never does)."""
    try:
        array = np.asarray(got, dtype=np.float64)
    except Exception:  # noqa: BLE001 - a traced tensor, or anything else without values
        return False
    want = np.asarray(wire.from_plain(recorded), dtype=np.float64)
    return array.shape == want.shape and bool(np.allclose(array, want, rtol=1e-5, atol=1e-6))


def constant(recorded):
    """A recorded array as a float32 tensor."""
    return tf().constant(np.asarray(wire.from_plain(recorded), dtype=np.float32))


def build(tables: dict, ns: dict) -> dict:
    """The stand-in functions for one probe: name -> function, from its recorded calls."""
    makers = getattr(mistakes.catalogue(), "STANDINS", {})
    kit = _kit()
    return {name: makers[name](calls, ns, kit) for name, calls in tables.items()}


def _kit():
    import sys

    return sys.modules[__name__]

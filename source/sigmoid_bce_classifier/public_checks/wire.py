"""Plain values on the wire between a worker (student code) and the judge.

The judge must never unpickle or compare objects made by student code: a float
subclass whose ``__eq__`` is always true, or a pickle that runs code on load,
would let a submission grade itself.  So everything that crosses the process
boundary is JSON holding only ``None``, numbers, strings, lists, dicts and
numeric arrays (dtype, shape and base64 bytes), and the judge rebuilds the
arrays with ``numpy.frombuffer`` after checking dtype and size.

This module is self-contained (standard library and NumPy) because it is also
copied into the student's release folder as part of the public checks.
"""

import base64
import json
from typing import Any, TypedDict

import numpy as np

#: dtypes accepted from a worker; anything else (object, strings) is refused.
NUMERIC_DTYPES = frozenset(
    "bool int8 int16 int32 int64 uint8 uint16 uint32 uint64 float16 float32 float64".split()
)
#: at most this many numbers in one array, and this deep a nesting of lists.
MAX_ELEMENTS = 5_000_000
MAX_DEPTH = 4
MAX_ITEMS = 10_000


class WireError(ValueError):
    """A value that cannot be sent, or a message that does not decode."""


# --------------------------------------------------------------------------- message shapes
# What crosses the boundary, as types a reader (and a type checker) can follow.  They
# are plain dicts at run time: JSON in, JSON out.


class ErrorInfo(TypedDict):
    """An exception, as the judge and the student are told about it."""

    type: str
    message: str
    where: str  # "line 3 of your '<function>' cell: ..." or ""
    cell: str  # the grade_id of the cell that raised, or ""


def error_info(kind: str, message: str, where: str = "", cell: str = "") -> ErrorInfo:
    """The one place an error description is made, so that every one has the same keys."""
    return {"type": kind, "message": message, "where": where, "cell": cell}


class Probe(TypedDict, total=False):
    """One question to a worker (from a probe maker of checks.py; worker.answer reads it)."""

    call: str  # the function to call, or:
    train: dict  # {"x", "y", "epochs", "batches"}: train with the student's functions
    args: list
    kwargs: dict
    substitute: list[str]  # reference functions swapped in for the student's
    references: dict[str, str]  # their sources, added by checks.for_worker
    variables: dict[str, dict]  # the notebook's variables, set before the call
    learning_rate: float
    after: list[str]  # variables read back after the call
    args_after: list[int]  # arguments read back after the call
    loss_after: list[str]  # reference loss and forward function: the loss after the call
    model_outputs: str  # a reference forward function: its outputs on the inputs come back
    keep_value: bool  # False: the answer key stores no value (judged by properties)
    judge: dict  # stays with the judge (checks.for_worker strips it)


class Reply(TypedDict, total=False):
    """A worker's answer to a probe, as plain data (decoded by answers.decode_answer)."""

    error: "ErrorInfo | None"
    value: Any
    after: dict[str, Any]
    kept: bool  # the variables are still the grader's objects (also sent with an error)
    losses: list[float]
    loss_after: Any
    model_outputs: Any
    args_after: list
    output: str


class Assertion(TypedDict, total=False):
    """How a check judges its answers (compare.ASSERTION_KEYS lists what each kind reads)."""

    kind: str
    probe: int
    diagnose: list[str]
    dtype: str
    rtol: float
    atol: float
    explain: str
    scalar: bool
    squeeze: bool
    low: float
    high: float
    only_count: bool
    min: float


def encode_array(array: np.ndarray) -> dict:
    """An array as a JSON-safe dict (exact: the bytes, not a decimal rendering)."""
    array = np.asarray(array)
    if not array.flags.c_contiguous:  # (np.ascontiguousarray would turn a 0-d array into 1-d)
        array = array.copy(order="C")
    if array.dtype.name not in NUMERIC_DTYPES:
        raise WireError(f"an array of dtype {array.dtype.name} is not numeric")
    if array.size > MAX_ELEMENTS:
        raise WireError(f"an array of {array.size} numbers is too large")
    little = array.astype(array.dtype.newbyteorder("<"), copy=False)
    return {
        "nd": array.dtype.name,
        "shape": list(array.shape),
        "b64": base64.b64encode(little.tobytes()).decode("ascii"),
    }


def decode_array(obj: dict) -> np.ndarray:
    """Rebuild an array sent by :func:`encode_array`, refusing anything odd."""
    dtype = obj.get("nd")
    shape = obj.get("shape")
    data = obj.get("b64")
    if dtype not in NUMERIC_DTYPES or not isinstance(data, str) or not isinstance(shape, list):
        raise WireError("malformed array")
    if len(shape) > 32 or not all(  # 32: NumPy's own limit on dimensions
        isinstance(n, int) and not isinstance(n, bool) and 0 <= n <= MAX_ELEMENTS for n in shape
    ):
        raise WireError("malformed array shape")
    size = 1
    for n in shape:  # Python integers: a product of huge claimed sizes cannot wrap around
        size *= n
    if size > MAX_ELEMENTS:
        raise WireError("array too large")
    try:
        raw = base64.b64decode(data.encode("ascii"), validate=True)
    except (UnicodeEncodeError, ValueError):  # binascii.Error is a ValueError
        raise WireError("malformed array bytes") from None
    dt = np.dtype(dtype).newbyteorder("<")
    if len(raw) != size * dt.itemsize:
        raise WireError("array bytes do not match its shape")
    return np.frombuffer(raw, dtype=dt).astype(np.dtype(dtype)).reshape(shape)


def to_plain(value, depth: int = 0):
    """Turn a student's return value into plain data, or raise :class:`WireError`.

    Tensors, variables, NumPy arrays and Python numbers become arrays; lists and
    tuples become lists (a function returning a pair of batch lists); ``None`` stays ``None``.
    """
    if value is None:
        return None
    if depth > MAX_DEPTH:
        raise WireError("the value is nested too deeply")
    if isinstance(value, (list, tuple)):
        if len(value) > MAX_ITEMS:
            raise WireError(f"a sequence of {len(value)} items is too long")
        return {"seq": [to_plain(v, depth + 1) for v in value]}
    if isinstance(value, (str, bytes, dict, set)):
        raise WireError(f"a {type(value).__name__} is not a number or an array")
    try:
        array = np.asarray(value)
    except Exception as exc:  # noqa: BLE001 - any failure means "not numeric"
        raise WireError(f"a {type(value).__name__} could not be read as numbers: {exc}") from None
    if array.dtype == object:
        raise WireError(f"a {type(value).__name__} is not a number or an array")
    return encode_array(array)


def from_plain(obj):
    """Inverse of :func:`to_plain`, for the judge: arrays, lists of them, or ``None``."""
    if obj is None:
        return None
    if isinstance(obj, dict) and "seq" in obj and isinstance(obj["seq"], list):
        return [from_plain(v) for v in obj["seq"][:MAX_ITEMS]]
    if isinstance(obj, dict) and "nd" in obj:
        return decode_array(obj)
    raise WireError("malformed value")


def dumps(message: dict) -> bytes:
    return json.dumps(message, separators=(",", ":"), allow_nan=True).encode("utf-8")


def loads(data: bytes) -> dict:
    try:
        message = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WireError(f"not a message: {exc}") from None
    except RecursionError:  # "[[[[...]]]]" nested past the interpreter's stack
        raise WireError("not a message: nested too deeply") from None
    if not isinstance(message, dict):
        raise WireError("a message must be a JSON object")
    return message

"""The wire between worker and judge, fed what hostile student code could send.

Student code runs in the worker and can write anything to the worker's pipe, so
every malformed payload must end as :class:`autograder.wire.WireError` (which the
judge turns into a failed check), never as an object of the student's making, a
silently wrong array, or an exception type the judge does not expect.
These tests need no TensorFlow and run in a fraction of a second.
"""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest

from autograder import wire


def _array(dtype: str, shape: list, data: bytes) -> dict:
    return {"nd": dtype, "shape": shape, "b64": base64.b64encode(data).decode("ascii")}


@pytest.mark.parametrize(
    "array",
    [
        np.arange(6, dtype=np.float32).reshape(2, 3),
        np.array(3.5),  # 0-d: a scalar stays a scalar
        np.zeros((0, 4), dtype=np.int64),
        np.array([True, False]),
        np.asfortranarray(np.arange(6.0).reshape(2, 3)),  # not C-contiguous
        np.arange(4, dtype=">f8"),  # big-endian input
    ],
)
def test_arrays_round_trip_exactly(array):
    back = wire.decode_array(json.loads(json.dumps(wire.encode_array(array))))
    assert back.shape == array.shape
    assert back.dtype == array.dtype.newbyteorder("=")
    assert np.array_equal(back, array)


@pytest.mark.parametrize(
    ("payload", "why"),
    [
        (_array("object", [1], b"\0" * 8), "object dtype"),
        (_array("<U1", [1], b"a\0\0\0"), "string dtype"),
        (_array("V8", [1], b"\0" * 8), "void dtype"),
        ({"nd": "float32", "shape": [2]}, "no bytes"),
        ({"nd": "float32", "shape": "2", "b64": ""}, "shape not a list"),
        (_array("float32", [-1], b""), "negative size"),
        (_array("float32", [True], b"\0" * 4), "bool as a size"),
        (_array("float32", [1.0], b"\0" * 4), "float as a size"),
        (_array("float32", [3], b"\0" * 8), "bytes do not match the shape"),
        (_array("float32", [2**62, 4], b""), "a product that wraps around in int64"),
        (_array("float32", [2**40, 2**40, 0, 2**40], b""), "huge sizes hidden by a zero"),
        (_array("float32", [1] * 40, b"\0" * 4), "more dimensions than NumPy allows"),
        (_array("float64", [wire.MAX_ELEMENTS + 1], b""), "too many numbers"),
        ({"nd": "float32", "shape": [1], "b64": "é"}, "non-ASCII base64"),
        ({"nd": "float32", "shape": [1], "b64": "@@@@"}, "invalid base64"),
    ],
)
def test_malformed_arrays_are_refused(payload, why):
    with pytest.raises(wire.WireError):
        wire.decode_array(payload)


def test_decoded_arrays_own_no_student_type():
    back = wire.decode_array(wire.encode_array(np.arange(3.0)))
    assert type(back) is np.ndarray
    back[0] = 7.0  # writable: the judge may normalise in place without touching the wire bytes


class AlwaysEqual(float):
    """What a student might return to fool a naive ``==`` in the judge."""

    def __eq__(self, other):
        return True

    __hash__ = float.__hash__


def test_to_plain_keeps_numbers_and_drops_the_student_type():
    plain = wire.to_plain(AlwaysEqual(0.25))
    value = wire.from_plain(json.loads(json.dumps(plain)))
    assert type(value) is np.ndarray and value.dtype == np.float64
    assert value == 0.25 and not (value == 0.5)


@pytest.mark.parametrize(
    "value",
    ["0.5", b"\x00", {"a": 1}, {1, 2}, [np.zeros(2), "x"], (x for x in range(3)), object()],
)
def test_to_plain_refuses_non_numbers(value):
    with pytest.raises(wire.WireError):
        wire.to_plain(value)


def test_to_plain_refuses_deep_and_long_sequences():
    deep: list = [1.0]
    for _ in range(wire.MAX_DEPTH + 2):
        deep = [deep]
    with pytest.raises(wire.WireError):
        wire.to_plain(deep)
    with pytest.raises(wire.WireError):
        wire.to_plain([0.0] * (wire.MAX_ITEMS + 1))


def test_to_plain_refuses_objects_whose_conversion_raises():
    class Hostile:
        def __array__(self, *args, **kwargs):
            raise RuntimeError("no")

    with pytest.raises(wire.WireError):
        wire.to_plain(Hostile())


def test_sequences_round_trip_as_lists_of_arrays():
    batches = (np.ones((2, 2)), np.zeros((1, 2)))
    back = wire.from_plain(json.loads(json.dumps(wire.to_plain(batches))))
    assert isinstance(back, list) and len(back) == 2
    assert np.array_equal(back[0], batches[0]) and np.array_equal(back[1], batches[1])


@pytest.mark.parametrize(
    "obj",
    [{"seq": "not a list", "nd": None}, {"x": 1}, [1, 2], "text", 3.0, {"nd": "float32"}],
)
def test_from_plain_refuses_malformed_values(obj):
    with pytest.raises(wire.WireError):
        wire.from_plain(obj)


def test_from_plain_caps_sequence_length():
    item = wire.to_plain(np.zeros(1))
    back = wire.from_plain({"seq": [item] * (wire.MAX_ITEMS + 5)})
    assert len(back) == wire.MAX_ITEMS


@pytest.mark.parametrize(
    "data",
    [
        b"\xff\xfe",  # not UTF-8
        b"{not json",
        b"[1, 2]",  # JSON, but not an object
        b'"text"',
        b"[" * 100_000 + b"]" * 100_000,  # nested past the interpreter's stack
        b"",
    ],
)
def test_loads_refuses_anything_but_a_json_object(data):
    with pytest.raises(wire.WireError):
        wire.loads(data)


def test_messages_round_trip_with_non_finite_numbers():
    message = {"op": "probe", "values": [float("nan"), float("inf")], "name": "model"}
    back = wire.loads(wire.dumps(message))
    assert back["op"] == "probe" and np.isnan(back["values"][0]) and back["values"][1] == np.inf


@pytest.mark.parametrize(
    "error",
    [None, "junk", 7, {"type": 5}, {"type": "ValueError", "message": "x" * 10_000}, {}],
)
def test_every_error_a_reply_carries_has_one_shape(error):
    """answers.decode_answer cleans each reply's error once, into wire.ErrorInfo's keys."""
    from autograder.answers import decode_answer
    from autograder.wire import ErrorInfo

    cleaned = decode_answer({"error": error, "output": ["not", "text"]})
    assert cleaned["output"] == ""
    if error is None:
        assert cleaned["error"] is None
        return
    assert set(cleaned["error"]) == set(ErrorInfo.__annotations__)
    assert all(isinstance(v, str) and len(v) < 700 for v in cleaned["error"].values())


def test_a_worker_error_and_a_lost_worker_have_the_same_keys():
    from autograder.pool import _poisoned_report
    from autograder.wire import ErrorInfo
    from autograder.worker import error_info

    try:
        raise ValueError("boom")
    except ValueError as exc:
        raised = error_info(exc)
    lost = _poisoned_report({"grade_id": "model", "kind": "solution"}, "killed")["error"]
    assert set(raised) == set(lost) == set(ErrorInfo.__annotations__)

"""Decoded answers: what a worker replied, as arrays, and how two values are compared.

The base of the judging modules (:mod:`mistakes`, :mod:`compare`), shipped with them
into the student's public checks: standard library and NumPy only.
"""

import numpy as np

from . import wire

RTOL = 1e-4
ATOL = 1e-5


class Context:
    """Decoded probes, the student's answers and the reference's answers."""

    def __init__(self, probes: list[dict], answers: list[dict], expected: list[dict]):
        self.probes = probes
        self.answers = answers
        self.expected = expected

    def arg(self, i: int, k: int) -> np.ndarray:
        return np.asarray(decode_argument(self.probes[i]["args"][k]), dtype=np.float64)

    def variable(self, i: int, name: str) -> np.ndarray:
        return np.asarray(wire.from_plain(self.probes[i]["variables"][name]), dtype=np.float64)

    def reference(self, i: int, key: str = "value") -> "np.ndarray | None":
        """The reference's answer to probe ``i`` (its ``key``), as a float64 array, or None."""
        value = self.expected[i].get(key)
        return None if value is None else np.asarray(value, dtype=np.float64)

    @staticmethod
    def close(got, want, rtol: float = RTOL, atol: float = ATOL) -> bool:
        """Whether two answers agree (:func:`close`): for an assignment's catalogue, which
        imports nothing of the kit."""
        return close(got, want, rtol, atol)


def decode_argument(spec):
    """A probe's argument as the judge reads it: its array (or int), without the worker's types."""
    if isinstance(spec, dict) and "as" in spec:
        return wire.from_plain(spec.get("value")) if "value" in spec else None
    return wire.from_plain(spec)


def short_text(value, limit: int = 600) -> str:
    """A string from a worker, cut to ``limit`` characters; anything else becomes ""."""
    if not isinstance(value, str):
        return ""
    return value if len(value) <= limit else value[:limit] + " ..."


def clean_error(error) -> "wire.ErrorInfo | None":
    """A worker's description of an exception, forced into short strings, or None.

    A worker runs student code, which can reach the pipe and send anything that parses
    as JSON: the fields that messages show are made safe here, once for every reply.
    """
    if error is None:
        return None
    if not isinstance(error, dict):
        return wire.error_info("WireError", "a malformed error report")
    return wire.error_info(
        short_text(error.get("type"), 100) or "Error",
        short_text(error.get("message")),
        short_text(error.get("where"), 400),
        short_text(error.get("cell"), 100),
    )


def decode_answer(reply: "wire.Reply") -> dict:
    """Turn a worker's reply into arrays, with its error and output made safe; a
    malformed reply becomes an error."""
    if not isinstance(reply, dict):
        reply = {}
    out = {
        "error": clean_error(reply.get("error")),
        "output": short_text(reply.get("output"), 4000),
    }
    try:
        for key in ("value", "loss_after", "model_outputs"):
            if key in reply:
                out[key] = wire.from_plain(reply[key])
        if "args_after" in reply:
            out["args_after"] = [wire.from_plain(v) for v in list(reply["args_after"])[:8]]
        if "after" in reply:
            out["after"] = {k: wire.from_plain(v) for k, v in reply["after"].items()}
        for key in ("rows", "sizes"):  # which rows of its inputs each training step got
            if key in reply:
                out[key] = wire.from_plain(reply[key])
        if "steps" in reply:  # the variables around the training steps the judge chose
            out["steps"] = {
                str(k): {
                    side: {n: wire.from_plain(v) for n, v in dict(record[side]).items()}
                    for side in ("before", "after")
                }
                for k, record in list(dict(reply["steps"]).items())[:16]
            }
        if "losses" in reply:
            out["losses"] = [float(v) for v in reply["losses"]][:100_000]
        out["kept"] = bool(reply.get("kept", True))
    except (wire.WireError, TypeError, ValueError, AttributeError) as exc:
        out["error"] = wire.error_info("WireError", short_text(str(exc)))
    return out


def show(value, limit: int = 6) -> str:
    """A short, readable rendering of a value for a message."""
    if value is None:
        return "None"
    if isinstance(value, list):
        return f"a list of {len(value)} items"
    array = np.asarray(value)
    if array.ndim == 0:
        return f"{float(array):.6g}"
    flat = array.reshape(-1)
    items = ", ".join(f"{float(v):.4g}" for v in flat[:limit])
    more = ", ..." if flat.size > limit else ""
    return f"shape {tuple(array.shape)} [{items}{more}]"


def close(got, want, rtol: float = RTOL, atol: float = ATOL) -> bool:
    if got is None or want is None or isinstance(got, list) or isinstance(want, list):
        return False
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    if got.shape != want.shape:
        return False
    return bool(np.allclose(got, want, rtol=rtol, atol=atol))

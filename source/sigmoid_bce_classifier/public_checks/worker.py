"""Where student code runs: load a submission's cells and answer the judge's probes.

A *probe* is one question the judge asks: "set the variables to these values,
call this function with these arrays, and tell me what it returned".  The worker
answers with plain numbers (see :mod:`wire`); it never sees the expected values
and never decides a grade.

The same :func:`answer` serves three front ends:

* the grading command, in a separate worker process (:mod:`autograder.pool`);
* nbgrader's hidden test cells, in the student's kernel (:mod:`autograder.nbgrader_cell`);
* the public checks of the student's notebook (copied into the release folder).

It is therefore self-contained: standard library, NumPy, and TensorFlow imported
lazily, plus the sibling module :mod:`wire`.
"""

import ast
import linecache
import math
import sys
import traceback
import types

import numpy as np

from . import wire

#: How much printed output of a probe is kept for the message.
OUTPUT_TAIL = 2000


def _activation(name: str):
    """The function a probe names: a TensorFlow function by its dotted path (``tf.nn.relu``),
    or ``double``, which no library has, so that a function must apply what it is given.

    By path, not from a table, so that the engine names no function an assignment may
    ask its students to write (an assignment may well ask for its own activation)."""
    import tensorflow as tf

    if name == "double":
        return lambda t: t * 2.0
    head, *path = name.split(".")
    if head != "tf" or not path or any(p.startswith("_") for p in path):
        raise ValueError(f"not a TensorFlow function: {name!r}")
    found = tf
    for part in path:
        found = getattr(found, part)
    return found


def _tf():
    import tensorflow as tf

    return tf


# --------------------------------------------------------------------------- loading


def strip_magics(source: str) -> str:
    """Comment out IPython magics and shell escapes, which plain Python cannot run."""
    lines = []
    for line in source.splitlines():
        stripped = line.lstrip()
        if stripped.startswith(("%", "!")):
            line = line[: len(line) - len(stripped)] + "# (skipped by the grader) " + stripped
        lines.append(line)
    return "\n".join(lines) + "\n"


def defined_functions(source: str) -> list[str]:
    """Names of the functions a cell defines at top level (empty if it does not parse)."""
    try:
        tree = ast.parse(strip_magics(source))
    except SyntaxError:
        return []
    return [
        node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    ]


def error_info(exc: BaseException) -> wire.ErrorInfo:
    """Describe an exception for a student: type, message and the line of *their* cell."""
    where, cell = "", ""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.startswith("<cell "):
            cell = frame.filename[len("<cell ") : -1]
            code = (frame.line or "").strip()
            where = f"line {frame.lineno} of your '{cell}' cell" + (f": {code}" if code else "")
            break
    syntax = isinstance(exc, SyntaxError) and str(exc.filename or "").startswith("<cell ")
    if syntax:
        cell = exc.filename[len("<cell ") : -1]
        code = (exc.text or "").strip()
        where = f"line {exc.lineno} of your '{cell}' cell" + (f": {code}" if code else "")
    try:
        # A SyntaxError's str() repeats the file name and line that `where` gives.
        message = str(exc.msg if syntax else exc)
    except Exception:  # noqa: BLE001 - a hostile __str__
        message = "(no message)"
    if len(message) > 600:
        message = message[:600] + " ..."
    if len(where) > 300:
        where = where[:300] + " ..."
    return wire.error_info(type(exc).__name__, message, where, cell)


def load_cells(ns: dict, cells: list[dict]) -> list[dict]:
    """Execute cells in order into ``ns``; one failing cell does not stop the others.

    Each cell is ``{"grade_id", "kind", "source"}``.  Returns one report a cell:
    the error it raised (if any) and the functions it defines.
    """
    reports = []
    for cell in cells:
        grade_id = cell.get("grade_id") or "unnamed"
        source = strip_magics(cell.get("source", ""))
        filename = f"<cell {grade_id}>"
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        report = {
            "grade_id": grade_id,
            "kind": cell.get("kind"),
            "error": None,
            "defines": defined_functions(source),
        }
        try:
            exec(compile(source, filename, "exec"), ns)  # noqa: S102 - this is the worker's job
        except BaseException as exc:  # noqa: BLE001 - SystemExit and friends included
            report["error"] = error_info(exc)
        reports.append(report)
    return reports


def bind_references(ns: dict, sources: dict[str, str]) -> dict:
    """Reference versions of some functions, reading their globals from ``ns``.

    They stand in for the student's own versions while another function is
    graded (a training step is graded with the reference forward pass), so that
    one mistake costs the points of one function only.
    """
    bound = {}
    for name, source in sources.items():
        scratch: dict = {}
        exec(compile(source, f"<reference {name}>", "exec"), scratch)  # noqa: S102
        fn = scratch[name]
        bound[name] = types.FunctionType(
            fn.__code__, ns, fn.__name__, fn.__defaults__, fn.__closure__
        )
    return bound


# --------------------------------------------------------------------------- probes


def _argument(spec):
    """Turn a probe argument into what the student's function receives."""
    if isinstance(spec, dict) and "as" in spec:
        kind = spec["as"]
        if kind == "fn":
            return _activation(spec["name"])
        if kind == "none":
            return None
        value = wire.from_plain(spec["value"])
        if kind == "variable":
            return _tf().Variable(value)
        if kind == "tensor":
            return _tf().constant(value)
        if kind == "int":
            return int(value)
        if kind == "array":
            return value
        raise wire.WireError(f"unknown argument kind {kind!r}")
    return wire.from_plain(spec)


class _State:
    """Set variables and ``learning_rate`` for one probe, and put them back after."""

    def __init__(self, ns: dict, values: dict, learning_rate):
        self.ns = ns
        self.saved = {}
        tf = _tf()
        names = list(values) + (["learning_rate"] if learning_rate is not None else [])
        for name in names:
            current = ns.get(name, _MISSING)
            snapshot = None
            if isinstance(current, tf.Variable):
                snapshot = current.numpy().copy()
            self.saved[name] = (current, snapshot)
        self.targets = {}
        for name, value in values.items():
            current = ns.get(name)
            if isinstance(current, tf.Variable) and tuple(current.shape) == value.shape:
                # Assign into the existing variable: a student's own list of the
                # six variables must keep pointing at what the grader sets.
                current.assign(value)
                self.targets[name] = current
            else:
                fresh = tf.Variable(value)
                ns[name] = fresh
                self.targets[name] = fresh
        if learning_rate is not None:
            ns["learning_rate"] = learning_rate

    def read(self, names) -> dict:
        out = {}
        for name in names:
            value = self.ns.get(name, None)
            out[name] = wire.to_plain(value) if value is not None else None
        return out

    def kept(self) -> bool:
        """True when the variables are still the very tf.Variable objects the grader set."""
        return all(self.ns.get(name) is obj for name, obj in self.targets.items())

    def restore(self):
        for name, (obj, snapshot) in self.saved.items():
            if obj is _MISSING:
                self.ns.pop(name, None)
                continue
            self.ns[name] = obj
            if snapshot is not None:
                obj.assign(snapshot)


_MISSING = object()


def _function(ns: dict, name: str):
    fn = ns.get(name, _MISSING)
    if fn is _MISSING:
        raise NameError(f"name '{name}' is not defined")
    if not callable(fn):
        raise TypeError(f"'{name}' is a {type(fn).__name__}, not a function")
    return fn


def _as_float(value) -> float:
    try:
        return float(np.asarray(value, dtype=np.float64).reshape(-1)[0])
    except Exception:  # noqa: BLE001
        return math.nan


def _train(ns: dict, spec: dict, state: "_State") -> dict:
    """Train with the student's own functions under the grader's control: each epoch,
    ``split(x, y, batches)`` makes the batches and ``step(bx, by)`` trains on each (the
    probe names both functions).

    With ``record`` (step numbers, counted from 0 over all epochs), the reply also says
    which rows of ``x`` each step was handed (``rows``, ``sizes``: -1 for a row that is
    not one of x's) and, for each recorded step, the variables before and after it
    (``steps``): the judge checks from them that training was gradient descent
    (:mod:`autograder.descent`)."""
    x = wire.from_plain(spec["x"])
    y = wire.from_plain(spec["y"])
    split = _function(ns, spec["split"])
    step = _function(ns, spec["step"])
    follow = "record" in spec
    record = {int(k) for k in spec.get("record") or []}
    where = {row.tobytes(): i for i, row in enumerate(np.asarray(x, np.float32))} if follow else {}
    losses, rows, sizes, steps = [], [], [], {}
    for _ in range(int(spec["epochs"])):
        batches_x, batches_y = split(x, y, int(spec["batches"]))
        for bx, by in zip(batches_x, batches_y):
            k = len(losses)
            if follow:
                found = _rows_of(where, bx)
                rows.append(found)
                sizes.append(len(found))
            before = state.read(state.targets) if k in record else None
            losses.append(_as_float(step(bx, by)))
            if before is not None:
                steps[str(k)] = {"before": before, "after": state.read(state.targets)}
    # The trained variables go back in the probe's "after"; the judge scores them.
    reply: dict = {"losses": losses}
    if follow:
        # int16 where the row numbers fit (the reply's largest part: every step's rows)
        small = np.int16 if len(x) <= np.iinfo(np.int16).max else np.int32
        reply["rows"] = wire.to_plain(np.concatenate([np.zeros(0, small), *rows]).astype(small))
        reply["sizes"] = wire.to_plain(np.asarray(sizes, dtype=np.int32))
        reply["steps"] = steps
    return reply


def _rows_of(where: dict, batch) -> np.ndarray:
    """The indices into the training inputs of a batch's rows (-1 for a row that is none
    of them): the judge knows the inputs, so these stand for the whole batch."""
    try:
        values = np.asarray(batch, dtype=np.float32)
    except Exception:  # noqa: BLE001 - whatever the student's split returned
        return np.full(1, -1, dtype=np.int32)
    if values.ndim != 2 or values.shape[0] == 0:
        return np.full(1, -1, dtype=np.int32)
    return np.asarray([where.get(row.tobytes(), -1) for row in values], dtype=np.int32)


def _call(ns: dict, probe: wire.Probe) -> wire.Reply:
    """Call the student's function on the probe's arguments."""
    fn = _function(ns, probe["call"])
    args = [_argument(a) for a in probe.get("args", [])]
    kwargs = {k: _argument(v) for k, v in (probe.get("kwargs") or {}).items()}
    reply: wire.Reply = {"value": wire.to_plain(fn(*args, **kwargs))}
    if probe.get("args_after"):
        # The arguments as the caller sees them after the call: a function
        # that shuffles its inputs in place changes the caller's data.
        reply["args_after"] = [wire.to_plain(args[k]) for k in probe["args_after"]]
    return reply


def _reference_extras(probe: wire.Probe, references: dict) -> wire.Reply:
    """What the reference functions say about the probe's batch, after the call."""
    extras: wire.Reply = {}
    if probe.get("loss_after"):
        # The loss on the same batch after the update, with the reference loss and
        # forward function the probe names: lets the judge recognise "returned the
        # loss after the step".
        loss_name, model_name = probe["loss_after"]
        bx, by = (_argument(a) for a in probe["args"][:2])
        loss = references[loss_name](by, references[model_name](bx))
        extras["loss_after"] = wire.to_plain(loss)
    if probe.get("model_outputs"):
        bx = _argument(probe["args"][0])
        extras["model_outputs"] = wire.to_plain(references[probe["model_outputs"]](bx))
    return extras


def answer(ns: dict, probe: wire.Probe, references: dict | None = None) -> wire.Reply:
    """Answer one probe against the functions in ``ns``; never raises.

    The reply holds ``value`` (what the function returned, as plain data), the
    variables listed in ``after`` read back after the call, ``extra`` (the
    reference's outputs or loss where the probe asks for them), and
    ``error`` when the student's code raised.
    """
    references = dict(references or {})
    reply: wire.Reply = {"error": None}
    state = None
    swapped: dict = {}
    try:
        # The judge sends the sources of the references this probe needs with it;
        # they are compiled for this probe only and dropped with it.
        references.update(bind_references(ns, probe.get("references") or {}))
        values = {k: wire.from_plain(v) for k, v in (probe.get("variables") or {}).items()}
        state = _State(ns, values, probe.get("learning_rate"))
        for name in probe.get("substitute", []):
            swapped[name] = ns.get(name, _MISSING)
            ns[name] = references[name]
        reply.update(_train(ns, probe["train"], state) if "train" in probe else _call(ns, probe))
        if probe.get("after"):
            reply["after"] = state.read(probe["after"])
            reply["kept"] = state.kept()
        reply.update(_reference_extras(probe, references))
    except BaseException as exc:  # noqa: BLE001 - SystemExit is a student error too
        if isinstance(exc, KeyboardInterrupt):
            raise
        reply["error"] = error_info(exc)
        if state is not None and probe.get("after"):
            # Whether the call had replaced the variables before it raised: a step that
            # rebinds them (`W = W - ...`) fails on the next call, for that reason.
            reply["kept"] = state.kept()
    finally:
        for name, obj in swapped.items():
            if obj is _MISSING:
                ns.pop(name, None)
            else:
                ns[name] = obj
        if state is not None:
            try:
                state.restore()
            except Exception:  # noqa: BLE001 - a broken variable must not kill the reply
                pass
    return reply


# --------------------------------------------------------------------------- serving


def serve(conn, ns: dict | None = None, output=None, references: dict | None = None):
    """Answer the judge's messages on ``conn`` until it says ``exit`` or hangs up.

    Returns the judge's final ``report`` message when it sends one (the
    nbgrader path), else None.

    ``conn`` has ``send_bytes``/``recv_bytes`` (a multiprocessing connection).
    ``output`` is an optional callable returning what was printed since the
    last call; it goes into each reply so that messages can show it.
    """
    ns = {"__name__": "__main__"} if ns is None else ns
    references = references or {}
    while True:
        try:
            message = wire.loads(conn.recv_bytes())
        except (EOFError, OSError, wire.WireError):
            return None
        op = message.get("op")
        if op == "exit":
            return None
        if op == "report":
            return message
        if op == "load":
            reply = {"cells": load_cells(ns, message.get("cells", []))}
        elif op == "probe":
            reply = answer(ns, message["probe"], references)
        else:
            reply = {"error": wire.error_info("ProtocolError", f"unknown op {op!r}")}
        if output is not None:
            try:
                reply["output"] = output()
            except Exception:  # noqa: BLE001 - student code may have broken sys.stdout
                reply["output"] = ""
        try:
            data = wire.dumps(reply)
        except (TypeError, ValueError) as exc:
            data = wire.dumps({"error": wire.error_info("WireError", str(exc))})
        try:
            conn.send_bytes(data)
        except (BrokenPipeError, OSError):
            return None


def main_for_process(conn, capture_fd: int | None) -> None:  # pragma: no cover - in child
    """Entry point of a worker process (see :mod:`autograder.pool`).

    ``capture_fd`` is the open capture file that fds 1 and 2 write to; the worker
    reads it through this descriptor, never by path (the path is in the judge's folder).
    """
    output = None
    if capture_fd is not None:
        import os

        def output():
            """The tail of what was printed since the last reply, then an empty capture file.

            Emptying it makes the output limit apply to each cell and probe: a
            flood of output in one function does not stop another from printing.
            """
            for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
                try:
                    stream.flush()
                except Exception:  # noqa: BLE001 - replaced, closed, or over the limit
                    pass
            try:
                size = os.fstat(capture_fd).st_size
                data = os.pread(capture_fd, OUTPUT_TAIL * 4, max(0, size - OUTPUT_TAIL * 4))
                os.ftruncate(capture_fd, 0)
            except OSError:  # student code closed or replaced the descriptor
                return ""
            return data.decode("utf-8", "replace")[-OUTPUT_TAIL:]

    serve(conn, output=output)

"""How a wrong answer or an error is traced to a typical mistake of the assignment's catalogue.

Each assignment may keep a catalogue (``source/<assignment>/catalogue.py``: ``MISTAKES``,
name -> (what the mistake is, a function building the value that mistake gives),
``INFERRED`` and ``explain_error``); :func:`use` makes it the one this module tries
(:func:`autograder.checks.registry` does, and the public checks' package at import).
When values differ, each name under an assertion's ``diagnose`` is tried: a
*diagnosis* builds what a typical wrong solution would have returned, and when the
student's value matches it the message names that mistake.  An error the student's
code raised is explained the same way from its message.

Self-contained (standard library and NumPy): it is copied into the release.
"""

import re

import numpy as np

from .answers import Context, close

#: The current assignment's catalogue (:func:`use` fills it in place, so that modules
#: holding this dict see the new one).
MISTAKES: dict = {}
#: Mistakes inferred from the student's answers to *other* probes (the same answer for
#: other arguments, a right answer at another width), not rebuilt from this probe's own
#: inputs.  They explain less (a constant 0.0 is "the same answer" for any inputs, whatever
#: made it), so every mistake rebuilt from the probe's inputs is tried before them.
INFERRED: list = []
_CATALOGUE: list = [None]


def use(catalogue) -> None:
    """Make ``catalogue`` (a module, or None for none) the one mistakes are looked up in."""
    if _CATALOGUE[0] is catalogue:
        return
    _CATALOGUE[0] = catalogue
    MISTAKES.clear()
    MISTAKES.update(getattr(catalogue, "MISTAKES", {}))
    INFERRED[:] = list(getattr(catalogue, "INFERRED", ()))


def catalogue():
    """The catalogue in use (a module), or None: its stand-ins serve autograder.standins."""
    return _CATALOGUE[0]


def reference_value(ctx, i, key="value"):
    """The reference's answer to probe ``i`` (its ``key``), as a float64 array, or None."""
    return ctx.reference(i, key)


def diagnosis_order(names: list[str]) -> list[str]:
    """``names`` with the mistakes rebuilt from the probe itself first, the inferred ones last:
    the most specific explanation that matches wins (a raw-output accuracy is 0.0 for every
    probe, which "ignores its arguments" would also explain)."""
    return [n for n in names if n not in INFERRED] + [n for n in names if n in INFERRED]


def diagnose(ctx: Context, i: int, names: list[str], got) -> str | None:
    """The first mistake of :func:`diagnosis_order` whose value matches what the student
    returned."""
    if got is None or isinstance(got, list):
        return None
    for name in diagnosis_order(names):
        text, build = MISTAKES[name]
        try:
            alternative = build(ctx, i)
        except Exception:  # noqa: BLE001 - a diagnosis that cannot apply is skipped
            continue
        if alternative is None:
            continue
        alt = np.asarray(alternative, dtype=np.float64)
        g = np.asarray(got, dtype=np.float64)
        if g.shape == alt.shape and np.allclose(g, alt, rtol=1e-3, atol=1e-4):
            want = reference_value(ctx, i)
            if alt.shape == () or want is None or not close(alt, want, 1e-3, 1e-4):
                return text
    return None


_MATMUL_SHAPES = re.compile(r"In\[0\]: \[([\d,]+)\], In\[1\]: \[([\d,]+)\]")


def _shape_text(text: str) -> tuple[int, ...]:
    return tuple(int(n) for n in text.split(",") if n)


def _probe_variables(ctx: "Context | None", i: int | None) -> dict:
    if ctx is None or i is None or not ctx.probes[i].get("variables"):
        return {}
    try:
        return {name: ctx.variable(i, name) for name in ctx.probes[i]["variables"]}
    except Exception:  # noqa: BLE001 - a diagnosis that cannot apply is skipped
        return {}


def explain_error(function: str, error: dict, ctx=None, i=None) -> str | None:
    """Name the typical mistake behind an error, when its message reveals one: the
    catalogue's own explanations first, then TensorFlow's usual ones."""
    specific = getattr(_CATALOGUE[0], "explain_error", None)
    if specific is not None:
        found = specific(function, error, _probe_variables(ctx, i))
        if found:
            return found
    text = error.get("message", "")
    match = _MATMUL_SHAPES.search(text)
    if "Matrix size-incompatible" in text and match:
        left, right = _shape_text(match.group(1)), _shape_text(match.group(2))
        if len(left) == 2 and len(right) == 2 and right[1] == left[0]:
            return (
                "the matrix product is in the wrong order: tf.matmul(inputs, W) (inputs "
                "first, (n, k) @ (k, units)), not tf.matmul(W, inputs)"
            )
    if "Incompatible shapes" in text and ("Op:Mul" in text or "Mul_" in text):
        return (
            "`*` multiplies element by element: the matrix product is tf.matmul(inputs, W) "
            "(or inputs @ W)"
        )
    return None


def error_message(function: str, error: dict, ctx=None, i=None) -> str:
    """What to tell a student whose code raised instead of answering."""
    kind, text, where = error.get("type", "Error"), error.get("message", ""), error.get("where", "")
    if kind == "NotImplementedError":
        culprit = error.get("cell") or function
        return f"{culprit} is not implemented yet (it still raises NotImplementedError)"
    if kind == "NameError" and f"'{function}'" in text:
        return f"{function} is not defined"
    lead = f"{function} raised {kind}: {text}"
    lead += f" (at {where})" if where else ""
    found = _replaced(ctx, i) or explain_error(function, error, ctx, i)
    return lead + (f"\n  likely cause: {found}" if found else "")


#: What a call that replaced the grader's variables is told: the engine's words, since
#: compare.assert_kept says the same of a call that returned (nothing of an assignment).
REPLACED = "replaced the global variables with new objects"


def _replaced(ctx, i) -> str | None:
    """Why a call raised after it replaced the variables the grader set: a step that
    rebinds them (``global W; W = W - ...``) leaves plain tensors, which the next
    call's GradientTape does not watch, so its gradients are None."""
    if ctx is None or i is None or ctx.answers[i].get("kept", True):
        return None
    probe = ctx.probes[i]
    caller = probe.get("call") or (probe.get("train") or {}).get("step") or "the code"
    names = ", ".join(probe.get("after") or []) or "the variables"
    return (
        f"{caller} {REPLACED}: rebound by an assignment such as `W = W - ...`, {names} are "
        "plain tensors, which the next step's GradientTape does not watch, so their "
        "gradients are None; update them in place with W.assign_sub(...)"
    )

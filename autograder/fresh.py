"""Fresh draws: the inputs a grading asks on that nobody saw before it started.

The release publishes every public probe with the reference's answer, so that
students can check their work in their own kernel.  A submission could return
those answers for the inputs it recognises and implement nothing; so the points
of a public check also need its probes answered right on inputs drawn when the
grading starts (:func:`autograder.checks.fresh_probes`, seeds from
``os.urandom``).  The answer key cannot hold answers for those, so a worker of
the grading's own runs the reference solution on them (:func:`reference_answers`):
the judge still runs no code of the reference or the student in its process.

The final-accuracy check trains on clouds turned by a drawn angle
(:func:`autograder.checks.fresh_train`) and is judged by its properties (accuracy
on held-out data of the same draw); the reference's trained variables, which only
the feedback picture shows, follow from the key's by the same turn
(:func:`turned_training`), so that no reference training runs per grading.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import wire
from .answers import decode_answer
from .checks import Check, draws_fresh, fresh_probes, registry
from .key import AnswerKey
from .notebook import reference_cells
from .pool import Limits, Session, WorkerLost


class ReferenceFailed(RuntimeError):
    """The reference solution could not answer a fresh probe: a fault of the kit."""


@dataclass
class Fresh:
    """One grading's fresh draw: per check name, its probes and the reference's answers."""

    draw: int
    probes: dict[str, list[wire.Probe]] = field(default_factory=dict)
    expected: dict[str, list[dict]] = field(default_factory=dict)


def draw_probes(checks: list[Check], draw: int) -> Fresh:
    """Every fresh probe the checks ask for ``draw`` (made in the judge: they hold
    judge-only parts, such as the final-accuracy check's held-out set)."""
    fresh = Fresh(draw)
    for check in checks:
        if draws_fresh(check):
            fresh.probes[check.name] = fresh_probes(check, draw)
    return fresh


def reference_answers(
    fresh: Fresh,
    checks: list[Check],
    key: AnswerKey,
    source,
    references: dict[str, str],
    deadline: float | None = None,
) -> Fresh:
    """Fill ``fresh.expected``: the reference's answers to the fresh probes, from a
    worker that runs the reference cells and nothing else (no student code)."""
    asked = [c for c in checks if c.name in fresh.probes and not c.slow]
    if asked:
        session = Session(reference_cells(source), references, Limits(memory_mb=0), deadline)
        try:
            for check in asked:
                fresh.expected[check.name] = [
                    _reference_reply(session, check, p) for p in fresh.probes[check.name]
                ]
        except WorkerLost as lost:
            raise ReferenceFailed(f"the reference's worker was lost: {lost}") from None
        finally:
            session.close()
    for check in checks:
        if check.slow and check.name in fresh.probes:
            fresh.expected[check.name] = [turned_training(key, check, fresh.draw)]
    return fresh


def _reference_reply(session: Session, check: Check, probe: wire.Probe) -> dict:
    reply = session.ask(probe, timeout=120)
    if reply.get("error"):
        raise ReferenceFailed(f"the reference fails {check.name} on a fresh draw: {reply['error']}")
    return decode_answer({k: v for k, v in reply.items() if k not in ("output", "seconds")})


def turned_training(key: AnswerKey, check: Check, draw: int) -> dict:
    """The reference's answer to the draw's probe of a check that trains (``slow``): the
    assignment's ``fresh_expected`` derives it from the key's answer to the undrawn one,
    so that no reference training runs per grading."""
    answer = dict(key.expected(check.probes[0]))
    return registry().module.fresh_expected(answer, draw)

"""Where the checks are built: an assignment's checks.toml defines them, this module makes them.

Every check (its name, points, visibility, probes, assertions and hint) is one
``[[check]]`` table of ``source/<assignment>/checks.toml``; this module reads the file on
first use, refuses a check it could not build (naming it), and asks the assignment's
module (``grading.py``, loaded by path: :mod:`autograder.course`) for the *probe makers*
the file names: small functions that draw a probe's inputs and weights from seeds,
deterministically.

One definition serves every front end: the grading command and Gradescope
(:mod:`autograder.judge`), nbgrader's hidden test cells
(:mod:`autograder.nbgrader_cell`) and the public checks in the student's
notebook (the public ones only, generated into the release by
:mod:`autograder.release`).
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import ModuleType

from . import course, descent, mistakes, wire
from .compare import ASSERTION_KEYS
from .toolkit import FRESH_BASE, JUDGE_ONLY, moved

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10 (Gradescope's Ubuntu 22.04 image): the same parser
    import tomli as tomllib

#: How messages name what a check of no single function (``whole`` in assignment.toml) ran.
WHOLE_SUBJECT = "training"


@dataclass(frozen=True)
class Check:
    grade_id: str
    title: str
    points: float
    public: bool
    hint: str
    #: How to make the probes: a maker's name and its arguments, as checks.toml says.
    probe_specs: tuple[dict, ...]
    assertions: list[wire.Assertion]
    #: The check trains (about a second of the grading's two): the grading
    #: command runs it in a second worker, beside the others, when a core is free.
    slow: bool = False
    #: The assignment's probe makers (its grading.py).
    makers: dict = field(default_factory=dict, compare=False, repr=False, hash=False)
    #: Whether it grades no single function (``whole`` in assignment.toml).
    whole: bool = False
    #: Checks this one defers to (checks.toml's ``defers_to``): titles of earlier checks of
    #: its grade_id, or grade_ids (any of their checks).  When one of them fails too, this
    #: check's failure says "not checked: <that check> fails" instead of its own message
    #: and hint (:func:`autograder.judge.defer`): a sibling that finds the same difference
    #: must not tell it again under a hint about something else, maybe done right.
    defers_to: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """The test name: the grade_id it grades, a colon, what it verifies."""
        return f"{self.grade_id}: {self.title}"

    @cached_property
    def probes(self) -> list[wire.Probe]:
        # Made on first use, in the judge, never at import: a process that imports this
        # module (the fork server, so every worker) must not hold the probes' judge-only
        # parts, such as the held-out set.  tests/test_checks.py makes every probe.
        return [make_probe(spec, self.makers) for spec in self.probe_specs]

    @property
    def subject(self) -> str:
        """How messages name what was called."""
        return WHOLE_SUBJECT if self.whole else self.grade_id


@dataclass(frozen=True)
class Registry:
    """One assignment's checks, with what they are built from."""

    assignment: course.Assignment
    module: ModuleType
    checks: list[Check]

    @property
    def functions(self) -> tuple[str, ...]:
        return self.assignment.functions

    @property
    def grade_ids(self) -> tuple[str, ...]:
        return self.assignment.functions + self.assignment.whole

    @property
    def judge_assertions(self) -> dict:
        """kind -> function, for the assertions the judge evaluates itself."""
        return {k: fn for k, (fn, _) in getattr(self.module, "JUDGE_ASSERTIONS", {}).items()}


@functools.cache
def _registry(assignment: course.Assignment) -> Registry:
    module = assignment.module
    mistakes.use(assignment.catalogue)  # the names checks.toml diagnoses are checked against
    return Registry(assignment, module, load(assignment.checks_path, assignment, module))


def registry(assignment: course.Assignment | None = None) -> Registry:
    """The checks of ``assignment`` (the current one: :func:`autograder.course.current`);
    its mistake catalogue becomes the one :mod:`autograder.mistakes` tries."""
    chosen = assignment or course.current()
    found = _registry(chosen)
    mistakes.use(chosen.catalogue)
    return found


def __getattr__(name: str):
    """``REGISTRY``, ``FUNCTIONS``, ``GRADE_IDS`` and ``DEFINITIONS`` of the current
    assignment, for callers that read them as constants (tests, the shell)."""
    table = {
        "REGISTRY": lambda r: r.checks,
        "FUNCTIONS": lambda r: r.functions,
        "GRADE_IDS": lambda r: r.grade_ids,
        "DEFINITIONS": lambda r: r.assignment.checks_path,
    }
    if name in table:
        return table[name](registry())
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def validate_assertions(
    name: str, assertions: list[wire.Assertion], n_probes: int, judge_keys: dict | None = None
) -> None:
    """Refuse an assertion of an unknown kind, with a key it does not read, or about a
    probe the check does not have: each would otherwise be ignored without a word."""
    known = {**ASSERTION_KEYS, **(judge_keys or {})}
    for a in assertions:
        kind = a.get("kind")
        if kind not in known:
            raise ValueError(f"check {name!r}: unknown assertion kind {kind!r}")
        unread = set(a) - known[kind] - {"kind"}
        if unread:
            raise ValueError(
                f"check {name!r}: the {kind!r} assertion does not read {sorted(unread)} "
                f"(it reads {sorted(known[kind]) or 'no other key'})"
            )
        if not 0 <= a.get("probe", 0) < n_probes:
            raise ValueError(f"check {name!r}: assertion about probe {a['probe']}, of {n_probes}")
        unknown = [m for m in a.get("diagnose", []) if m not in mistakes.MISTAKES]
        if unknown:
            raise ValueError(
                f"check {name!r}: no mistake called {unknown} in the assignment's catalogue.py"
            )


def checks_for(grade_ids=None, public_only: bool = False) -> list[Check]:
    chosen = [c for c in registry().checks if grade_ids is None or c.grade_id in grade_ids]
    return [c for c in chosen if c.public or not public_only]


def points_by_grade_id() -> dict[str, float]:
    r = registry()
    total: dict[str, float] = {g: 0.0 for g in r.grade_ids}
    for c in r.checks:
        total[c.grade_id] += c.points
    return total


def probe_digest(probe: dict) -> str:
    """A stable key for a probe: the answer key stores the reference's answer under it."""
    text = json.dumps(probe, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def needed_references(probe: dict) -> set[str]:
    """The reference functions a probe runs: those it substitutes, and those whose
    outputs it reports beside the student's (``loss_after``, ``model_outputs``)."""
    names = set(probe.get("substitute", []))
    names |= set(probe.get("loss_after") or [])
    if probe.get("model_outputs"):
        names.add(probe["model_outputs"])
    return names


def for_worker(probe: wire.Probe, sources: dict[str, str] | None = None) -> wire.Probe:
    """The probe as a worker receives it: without its judge-only part, with the
    sources of the reference functions it needs and of no other.

    References travel with each probe and are dropped after it: no reference
    function is in the worker while a student's version of it is graded (checks
    run in the assignment's function order, and a probe substitutes only functions
    graded earlier).
    """
    out = {k: v for k, v in probe.items() if k != JUDGE_ONLY}
    needed = needed_references(probe) if sources else set()
    if needed and sources:
        out["references"] = {name: sources[name] for name in sorted(needed) if name in sources}
    return out


# --------------------------------------------------------------------------- fresh draws
# The release publishes every public probe with the reference's answer, so that a
# student can check their work; a submission that returns the published answer for
# each input it recognises must earn nothing by it.  So the grader asks every public
# check again on inputs drawn when it grades (the same makers, every seed moved by
# a number from os.urandom), and a check that trains is asked on data the
# assignment's fresh_spec draws; the reference answers those probes in a worker of
# its own (judge.reference_answers).  A draw is one integer: a grading can be
# repeated with the draw its report names.


def new_draw() -> int:
    """A draw for one grading, from the operating system's randomness."""
    return int.from_bytes(os.urandom(4), "big") % (2**31 - 2 * FRESH_BASE)


def _seed_keys() -> dict[str, tuple[str, ...]]:
    return getattr(registry().module, "SEED_KEYS", {})


def fresh_spec(spec: dict, draw: int) -> dict:
    """A probe entry of checks.toml with every seed moved by ``draw``: the same
    question, on inputs nobody saw before grading (or as the assignment's
    ``fresh_spec`` draws it)."""
    custom = getattr(registry().module, "fresh_spec", None)
    if custom is not None:
        return custom(spec, draw)
    out = dict(spec)
    for key in _seed_keys().get(spec["make"], ()):
        if key in out:
            out[key] = moved(out[key], FRESH_BASE + draw)
    return out


def draws_fresh(check: Check) -> bool:
    """Whether grading asks the check again on fresh inputs: every public check whose
    release publishes an answer a lookup could return (a maker with seeds in SEED_KEYS;
    not one judged by its properties and published without values), and every check
    that trains (whose points must come from the student's training)."""
    if check.slow:
        return True
    return check.public and any(spec["make"] in _seed_keys() for spec in check.probe_specs)


def fresh_probes(check: Check, draw: int) -> list[wire.Probe]:
    """The check's probes on the draw's inputs (the next draw where a maker refuses
    one, such as weights whose outputs are constant on the probe's inputs).

    A probe that trains also has its worker record the steps that the judge checks were
    gradient steps (:func:`autograder.descent.recording`, drawn from ``draw`` too).

    A maker refuses by raising ValueError; a course that cannot be read (CourseError,
    a ValueError too) is not a refusal and is raised at once, and when every draw is
    refused the last maker's reason is said.
    """
    refused: ValueError | None = None
    for attempt in range(100):
        try:
            made = [
                make_probe(fresh_spec(s, draw + attempt), check.makers) for s in check.probe_specs
            ]
            if any("train" in p for p in made) and not hasattr(registry().module, "loss_gradient"):
                raise course.CourseError(
                    f"check {check.name!r} trains, but the assignment's grading.py has no "
                    "loss_gradient(values, x, y): the grader could not check that training "
                    "took gradient steps"
                )
            return [descent.recording(p, draw) for p in made]
        except course.CourseError:
            raise
        except ValueError as exc:
            refused = exc
    raise RuntimeError(f"no usable fresh draw for check {check.name!r} near {draw}: {refused}")


# --------------------------------------------------------------------------- checks.toml


def _arguments(spec: dict) -> dict:
    """A probe entry's keyword arguments for its maker: every key but ``make``."""
    return {k: v for k, v in spec.items() if k != "make"}


def make_probe(spec: dict, makers: dict | None = None) -> wire.Probe:
    """The probe a ``{make = ..., ...}`` entry of checks.toml describes."""
    makers = registry().module.PROBE_MAKERS if makers is None else makers
    return makers[spec["make"]](**_arguments(spec))


def _check_spec(name: str, spec: dict, makers: dict) -> None:
    """Refuse a probe entry whose maker does not exist or does not take its arguments."""
    maker = makers.get(spec.get("make"))
    if maker is None:
        raise ValueError(
            f"check {name!r}: no probe maker {spec.get('make')!r} (makers: {sorted(makers)})"
        )
    try:
        inspect.signature(maker).bind(**_arguments(spec))
    except TypeError as exc:
        raise ValueError(f"check {name!r}: probe maker {spec['make']!r}: {exc}") from None


def _expand_mistakes(assertion: dict, groups: dict[str, list[str]]) -> wire.Assertion:
    """``diagnose`` names mistakes, or a group of the [mistakes] table for all of its."""
    if "diagnose" not in assertion:
        return assertion
    named = assertion["diagnose"]
    names: list[str] = []
    for item in [named] if isinstance(named, str) else named:
        names += groups.get(item, [item])
    return {**assertion, "diagnose": names}


_FIELDS = {"grade_id", "title", "points", "public", "hint", "probes", "assertions", "slow"}
_OPTIONAL = {"slow", "defers_to"}


def _validate_deferrals(checks: list[Check], grade_ids: tuple[str, ...]) -> None:
    """Refuse a ``defers_to`` that names no earlier check of its grade_id and no grade_id
    (a misspelt title would otherwise never defer)."""
    for k, check in enumerate(checks):
        earlier = {c.title for c in checks[:k] if c.grade_id == check.grade_id}
        unknown = [t for t in check.defers_to if t not in earlier and t not in grade_ids]
        if unknown or check.grade_id in check.defers_to:
            raise ValueError(
                f"check {check.name!r}: defers_to {unknown or [check.grade_id]} is neither an "
                "earlier check of its grade_id nor another grade_id"
            )


def load(path: Path, assignment: course.Assignment, module: ModuleType) -> list[Check]:
    """Every check of ``path``, validated: a mistake in the file fails here, on first
    use, with the check's name, rather than silently grading something else."""
    with open(path, "rb") as f:
        data = tomllib.load(f)
    groups = data.get("mistakes", {})
    makers = module.PROBE_MAKERS
    judge_keys = {k: keys for k, (_, keys) in getattr(module, "JUDGE_ASSERTIONS", {}).items()}
    text = getattr(module, "TEXT", {})
    grade_ids = assignment.functions + assignment.whole
    checks = []
    for i, entry in enumerate(data.get("check", [])):
        name = f"{entry.get('grade_id')}: {entry.get('title', f'check {i + 1}')}"
        missing, unknown = _FIELDS - _OPTIONAL - set(entry), set(entry) - _FIELDS - _OPTIONAL
        if missing or unknown:
            raise ValueError(
                f"check {name!r}: missing {sorted(missing)}, unknown {sorted(unknown)}"
            )
        if entry["grade_id"] not in grade_ids:
            raise ValueError(f"check {name!r}: unknown grade_id {entry['grade_id']!r}")
        for spec in entry["probes"]:
            _check_spec(name, spec, makers)
        assertions = [_expand_mistakes(a, groups) for a in entry["assertions"]]
        validate_assertions(name, assertions, len(entry["probes"]), judge_keys)
        checks.append(
            Check(
                grade_id=entry["grade_id"],
                title=entry["title"].format_map(text),
                points=float(entry["points"]),
                public=bool(entry["public"]),
                hint=entry["hint"].format_map(text),
                probe_specs=tuple(entry["probes"]),
                assertions=assertions,
                slow=bool(entry.get("slow", False)),
                makers=makers,
                whole=entry["grade_id"] in assignment.whole,
                defers_to=tuple(entry.get("defers_to", ())),
            )
        )
    _validate_deferrals(checks, grade_ids)
    return checks

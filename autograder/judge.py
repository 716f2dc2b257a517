"""The judge: asks a worker for numbers, compares them with the answer key, scores.

The judge runs no student code and builds no student object: it sends probes,
receives plain arrays (:mod:`autograder.wire`), and compares them with the
reference's answers (:mod:`autograder.key`) using :mod:`autograder.compare`.

:func:`judge_checks` works with any way of asking (a worker process for the
grading command, the student's own kernel for nbgrader's hidden cells);
:func:`grade_notebook` is the grading command's path for one notebook file.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

from . import compare, descent
from .checks import Check, new_draw, registry
from .fresh import Fresh, SharedDraw, draw_probes, reference_answers
from .key import AnswerKey
from .notebook import NotANotebook, cells_to_run, not_this_assignment, read_notebook
from .pool import Limits, Session, WorkerLost
from .translate import notebook_lang


@dataclass
class CheckResult:
    name: str
    grade_id: str
    score: float
    max_score: float
    passed: bool
    output: str
    public: bool
    hint: str = ""
    seconds: float = 0.0
    #: The typical mistake the message names (the catalogue's sentence for it, as
    #: :func:`named_mistake` finds it), "" where it names none: what the class report
    #: groups failures by.  Optional, so results written before it existed still load.
    mistake: str = ""
    #: For the feedback only (never in results.json): the trained network's outputs on
    #: the decision-boundary grid, the student's and the reference's.
    boundary: tuple | None = field(default=None, repr=False, compare=False)

    @property
    def status(self) -> str:
        return "passed" if self.passed else "failed"

    @classmethod
    def from_dict(cls, data: dict) -> CheckResult:
        """The inverse of one entry of :meth:`Report.as_dict`'s ``results``.

        ``boundary`` is never saved (it is for the feedback picture, which a resumed
        grading keeps as it was), so it comes back as None.
        """
        saved = {f.name for f in fields(cls)} - {"boundary"}
        return cls(**{k: v for k, v in data.items() if k in saved})


@dataclass
class Report:
    submission: str
    results: list[CheckResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0
    #: Who handed it in, as the class folder names them (nbgrader's
    #: ``submitted/<student>/``, an LMS file name); empty where nothing names one.
    student: str = ""
    #: The language of the edition handed in (its ``metadata.autograder.lang``): what
    #: the feedback speaks.  Results themselves stay English.
    lang: str = "en"
    #: The fresh draw the checks were asked on (autograder.fresh); None without one.
    #: ``grade_notebook(..., draw=...)`` asks the same inputs again.
    draw: int | None = None
    #: Why nothing could be graded, as the class report groups it (one of
    #: :data:`NOT_GRADED`); "" when the checks ran.
    cause: str = ""

    @property
    def who(self) -> str:
        """The name a person reads: the student, else the notebook's stem."""
        return self.student or Path(self.submission).stem

    @property
    def score(self) -> float:
        return sum(r.score for r in self.results)

    @property
    def max_score(self) -> float:
        """What its own checks are worth: a report of some checks only (the public
        ones, say) is out of their points, not out of the whole registry's."""
        return sum(r.max_score for r in self.results)

    def as_dict(self) -> dict:
        """Every field as plain JSON data (what ``--resume`` reads back with
        :meth:`from_dict`), with the score and maximum for a reader's convenience."""
        data = asdict(self)
        for result in data["results"]:
            result.pop("boundary", None)
        data["score"], data["max_score"] = self.score, self.max_score
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Report:
        """The report :meth:`as_dict` described (``score`` and ``max_score`` are
        recomputed from the results, never read)."""
        return cls(
            submission=data["submission"],
            results=[CheckResult.from_dict(r) for r in data["results"]],
            notes=list(data.get("notes", [])),
            error=data.get("error"),
            seconds=data.get("seconds", 0.0),
            student=data.get("student", ""),
            draw=data.get("draw"),
            lang=data.get("lang") or "en",
            cause=data.get("cause") or "",
        )


def judge_only() -> dict:
    """The assertions the judge evaluates itself (the assignment's ``JUDGE_ASSERTIONS``),
    such as a trained network's accuracy on held-out data that only the judge holds."""
    return registry().judge_assertions


# --------------------------------------------------------------------------- judging


_UNDEFINED = re.compile(r"name '(\w+)' is not defined")


def limit_error(error: dict, limits: Limits | None = None) -> str | None:
    """What to say about an exception that comes from the grader's limits or from ending
    the program, rather than from a mistake in the computation; None for other errors."""
    kind, text = error.get("type"), error.get("message", "")
    limits = limits or Limits()
    if kind == "SystemExit":
        return (
            f"called sys.exit() (SystemExit: {text or None}): graded code must return its "
            "result, not end the program"
        )
    if kind == "MemoryError":
        return (
            f"ran out of memory (MemoryError: {text or 'no message'}): the memory limit is "
            f"{limits.memory_mb} MB"
        )
    if kind == "OSError" and ("[Errno 27]" in text or "File too large" in text):
        return (
            f"printed more than the output limit of {limits.output_bytes} bytes, so printing "
            "failed with 'File too large': print less (or nothing) in graded code"
        )
    return None


def _where(error: dict) -> str:
    return f" ({error['where']})" if error.get("where") else ""


def explain_missing(function: str, reports: list[dict] | None, limits: Limits | None = None) -> str:
    """Why a function does not exist in the worker, from the load reports.

    ``reports`` is None in nbgrader's kernel, where the grader did not load the cells.
    """
    if reports is None:
        return f"{function} is not defined: run its cell, and keep the name {function}"
    mine = [r for r in reports if r.get("grade_id") == function]
    if not mine:
        return (
            f"{function} is not defined: no cell with grade_id '{function}' was found in your "
            "notebook (was it deleted, or the function renamed?)"
        )
    for report in mine:
        error = report.get("error")
        if error:
            phrase = limit_error(error, limits)
            if phrase:
                what = f"it {phrase}"
            elif error["type"] == "WorkerLost":  # the cell timed out or ended its process
                what = error["message"]
            else:
                what = f"{error['type']}: {error['message']}"
            return (
                f"{function} is not defined because your '{function}' cell failed to run: "
                f"{what}{_where(error)}"
            )
    names = sorted({n for r in mine for n in r.get("defines", [])})
    if names:
        return (
            f"{function} is not defined: your '{function}' cell defines "
            f"{', '.join(n + '()' for n in names)} instead; keep the name {function}"
        )
    return f"{function} is not defined: your '{function}' cell has no `def {function}(...)`"


def _explain_errors(
    probes: list[dict],
    answers: list[dict],
    reports: list[dict] | None,
    limits: Limits | None = None,
) -> str | None:
    for probe, answer in zip(probes, answers):
        error = answer.get("error")
        if not error:
            continue
        phrase = limit_error(error, limits)
        if phrase:
            return f"{probe.get('call') or 'training'} {phrase}{_where(error)}"
        if error.get("type") == "NameError":
            match = _UNDEFINED.search(error.get("message", ""))
            if match and match.group(1) in registry().functions:
                return explain_missing(match.group(1), reports, limits)
            if match:
                return (
                    f"name '{match.group(1)}' is not defined "
                    f"({error.get('where') or 'in your code'})"
                    ": only the cells holding your functions and the provided setup cells are "
                    "run by the grader, so put helpers inside the function's own cell"
                )
    return None


Ask = Callable[[dict], dict]


#: What a failure on fresh inputs says first: the student saw other inputs pass.
FRESH_LEAD = "on new inputs drawn at grading time"


def _rounds(check: Check, key: AnswerKey, fresh: Fresh | None) -> list[tuple]:
    """(probes, expected answers or None, lead) for each round of a check: the
    published probes, judged against the key, then the fresh draw's, against the
    reference's answers to it.  The final-accuracy check trains on the fresh draw
    only (the published one would reward weights chosen for it)."""
    published = (check.probes, None, "")
    if fresh is None or check.name not in fresh.probes:
        return [published]
    if check.slow:
        return [(fresh.probes[check.name], fresh.expected[check.name], "")]
    return [published, (fresh.probes[check.name], fresh.expected[check.name], FRESH_LEAD)]


def judge_check(
    check: Check,
    ask: Ask,
    key: AnswerKey,
    reports: list[dict] | None,
    limits: Limits | None = None,
    fresh: Fresh | None = None,
) -> CheckResult:
    """Grade one check: ask every probe, compare, and phrase the verdict.

    With ``fresh``, a check it drew for passes only when its fresh probes pass too,
    so that its points come from inputs the student had not seen."""
    started = time.monotonic()
    message, boundary = None, None
    for probes, expected, lead in _rounds(check, key, fresh):
        try:
            replies = [ask(probe) for probe in probes]
        except WorkerLost as lost:
            return _result(check, False, f"{check.subject}: {lost}", started)
        if expected is None:
            expected = [key.expected(p) for p in probes]
        answers = None
        try:
            answers = _decode(replies)
            message = _verdict(check, probes, answers, expected, reports, limits)
        except Exception as exc:  # noqa: BLE001 - an answer the comparisons choke on
            message = (
                f"{check.subject}: the grader could not judge this answer "
                f"({type(exc).__name__}: {str(exc)[:300]})"
            )
        boundary = _boundary(probes, answers, expected) if answers else boundary
        if message is not None:
            message = f"{lead}: {message}" if lead else message
            break
    result = _result(check, message is None, message or "", started)
    result.boundary = boundary
    return result


def _decode(replies: list) -> list[dict]:
    """The worker's replies as answers: arrays decoded, error and output made safe."""
    answers = []
    for reply in replies:
        answers.append(compare.decode_answer(reply))
    return answers


def _boundary(probes: list[dict], answers: list[dict], expected: list[dict]) -> tuple | None:
    """(student's, reference's) outputs on the feedback's grid, where the assignment
    draws a decision boundary (its ``boundary``), else None."""
    draw = getattr(registry().module, "boundary", None)
    return None if draw is None or not expected else draw(probes, answers, expected)


def _verdict(check, probes, answers, expected, reports, limits) -> str | None:
    message = _explain_errors(probes, answers, reports, limits)
    if message is None:
        ctx = compare.Context(probes, answers, expected)
        message = compare.evaluate(
            check.assertions, ctx, reveal=check.public, what=check.subject, extra=judge_only()
        )
    if message is None:
        # Points of a check that trains need a run of gradient steps (autograder.descent).
        gradient = getattr(registry().module, "loss_gradient", None)
        message = descent.verdict(probes, answers, gradient, check.subject)
    if message is not None:
        printed = "".join(a.get("output") or "" for a in answers).strip()
        if printed:
            message += "\n  your code printed: " + printed[-500:]
    return message


_PRINTED = "\n  your code printed: "
_HINT = "\n  hint: "
_LIKELY = re.compile(r"likely cause: ([^\n]+)")

#: What the judge's own messages above diagnose (a missing function, a limit), as
#: :data:`autograder.compare.DIAGNOSES` does for the assertions' messages.
DIAGNOSES = (
    (r"no cell with grade_id '\w+' was found", "the function's cell is missing"),
    (r"cell defines .+ instead; keep the name", "the function renamed"),
    (r"cell has no `def ", "the function's cell has no def"),
    (r"because your '\w+' cell failed to run", "the function's cell fails to run"),
    (r"called sys\.exit\(\)", "sys.exit() in graded code"),
    (r"ran out of memory", "out of memory"),
    (r"printed more than the output limit", "more printed than the output limit"),
    (r"only the cells holding your functions", "a helper outside the function's cell"),
    (r"did not finish within [\d.]+ s", "too slow, or an infinite loop"),
    (r"time limit \([\d.]+ s\) was used up", "the submission's time limit used up"),
    (r"the process running your code (?:was killed|exited)", "the process ended by its code"),
)
_DIAGNOSES = [(re.compile(p), cause) for p, cause in (*compare.DIAGNOSES, *DIAGNOSES)]


def named_mistake(message: str) -> str:
    """The mistake a failure message names; "" if none.

    A diagnosis (:mod:`autograder.mistakes`) puts the catalogue's sentence into the
    message, and an explained error puts its explanation after "likely cause: "; those
    come first, as the catalogue words them.  Otherwise the first of the diagnoses the
    engine's own messages make (:data:`DIAGNOSES`, :data:`autograder.compare.DIAGNOSES`,
    then the assignment's ``grading.py``'s ``DIAGNOSES``) that the message holds, as its
    cause: "<variable> was not updated" is the cause "<variable> not updated".  What the
    student's code printed is left out: a submission cannot name its own cause.
    """
    text = message.split(_PRINTED, 1)[0].split(_HINT, 1)[0]
    named = catalogued_mistake(text)
    if named:
        return named
    for pattern, cause in [*_DIAGNOSES, *_assignment_diagnoses(registry().module)]:
        hit = pattern.search(text)
        if hit:
            return hit.expand(cause)
    return ""


def catalogued_mistake(message: str) -> str:
    """The catalogue's mistake a failure message names (a diagnosis, or an explained
    error's "likely cause: "), as the catalogue words it; "" if none.  Unlike
    :func:`named_mistake`, what the engine's or the assignment's ``DIAGNOSES`` read in a
    plain message does not count: :func:`defer` keeps a check's own words only when they
    name a mistake its sibling's do not."""
    text = message.split(_PRINTED, 1)[0].split(_HINT, 1)[0]
    found = [(text.find(title), title) for title, _ in compare.MISTAKES.values() if title in text]
    match = _LIKELY.search(text)
    if match:
        found.append((match.start(1), match.group(1).strip()))
    if found:
        return min(found, key=lambda f: (f[0], -len(f[1])))[1]
    return ""


@functools.cache
def _assignment_diagnoses(module) -> list[tuple[re.Pattern, str]]:
    """What the messages of an assignment's own assertions diagnose (its ``grading.py``'s
    optional ``DIAGNOSES``, in the form of :data:`DIAGNOSES`)."""
    return [(re.compile(p), cause) for p, cause in getattr(module, "DIAGNOSES", ())]


def _result(check: Check, passed: bool, message: str, started: float) -> CheckResult:
    output = "passed" if passed else message + (f"\n  hint: {check.hint}" if check.hint else "")
    return CheckResult(
        name=check.name,
        grade_id=check.grade_id,
        score=check.points if passed else 0.0,
        max_score=check.points,
        passed=passed,
        output=output,
        public=check.public,
        hint=check.hint,
        seconds=round(time.monotonic() - started, 3),
        mistake="" if passed else named_mistake(message),
    )


def judge_checks(
    checks: list[Check],
    ask: Ask,
    key: AnswerKey,
    reports: list[dict] | None,
    limits: Limits | None = None,
    fresh: Fresh | None = None,
) -> list[CheckResult]:
    return defer(checks, [judge_check(c, ask, key, reports, limits, fresh) for c in checks])


#: How a check that defers says so: the check it defers to fails, and tells what differs.
DEFERRED = "not checked: `{name}` fails; fix it first"


def _deferred_to(check: Check, failed: list[CheckResult]) -> CheckResult | None:
    """The first failed result among those ``check`` defers to (its ``defers_to``: a title
    of its grade_id, or a grade_id for any check of it), or None."""
    for target in check.defers_to:
        for result in failed:
            mine = result.grade_id == check.grade_id and result.name.split(": ", 1)[1] == target
            if result.name != check.name and (mine or result.grade_id == target):
                return result
    return None


def defer(checks: list[Check], results: list[CheckResult]) -> list[CheckResult]:
    """``results`` (one per check, in order) with each failure of a check that defers
    (checks.toml's ``defers_to``) to a check that failed too replaced by "not checked:
    <that check> fails": the same difference is told once, under the hint of the check
    that is about it, never again under a sibling's hint about something else (a
    forgotten bias update is not a learning rate read wrongly).  The points are those
    the check's own verdict gave (0): only the words change.  The deferred failure names
    the mistake the other check names, so the class report counts it under that cause."""
    failed = [r for r in results if not r.passed and not r.output.startswith("not checked: ")]
    out = []
    for check, result in zip(checks, results):
        target = None if result.passed else _deferred_to(check, failed)
        own = catalogued_mistake(result.output) if target is not None else ""
        if target is not None and own not in ("", target.mistake):
            target = None  # this check names a mistake that one does not: it says more
        if target is not None:
            result = replace(
                result, output=DEFERRED.format(name=target.name), mistake=target.mistake
            )
        out.append(result)
    return out


#: Why a submission could not be graded at all (:attr:`Report.cause`): each is one cause
#: of the class report (its words: ``not_graded_<cause>`` of :data:`autograder.i18n.UI`).
NOT_GRADED = ("unreadable", "other_assignment", "missing", "not_run", "internal")


def failed_everything(
    submission: str, why: str, checks: list[Check] | None = None, cause: str = "unreadable"
) -> Report:
    """A report for a submission that could not be graded at all (every check 0), and
    why, as the class report groups it (one of :data:`NOT_GRADED`)."""
    checks = registry().checks if checks is None else checks
    report = Report(submission=submission, error=why, cause=cause)
    report.results = [
        CheckResult(c.name, c.grade_id, 0.0, c.points, False, why, c.public, c.hint) for c in checks
    ]
    return report


def grade_notebook(
    path: str | Path,
    key: AnswerKey,
    source,
    references: dict[str, str],
    limits: Limits | None = None,
    checks: list[Check] | None = None,
    parallel: bool = False,
    fresh: bool = True,
    draw: int | None = None,
    shared: SharedDraw | None = None,
) -> Report:
    """Grade one notebook file in worker processes; never raises for a bad submission.

    The slow checks (training) run in a worker of their own, started from the
    same cells: what they measure cannot depend on what the other checks' calls
    left behind (a random generator drawn from, a counter), so it is the same
    for every order and every ``--jobs``.  With ``parallel``, both workers start
    at once and run side by side: on a machine with an idle core a submission
    is graded about half a second sooner.  Without it, the first worker is
    stopped before the second starts (skipping any cell that killed the first),
    so that memory holds one.

    With ``fresh`` (the default), the checks are also asked on a fresh draw
    (:mod:`autograder.fresh`; ``draw`` repeats one), whose reference answers a third
    worker computes meanwhile, or ``shared``, a batch's draw whose answers are
    computed once; ``python -m autograder check`` asks the published probes only, as
    the student's notebook does.
    """
    checks = registry().checks if checks is None else checks
    limits = limits or Limits()
    path = Path(path)
    started = time.monotonic()
    submission, why = _read_submission(path, source)
    if why:
        cause = "unreadable" if submission is None else "other_assignment"
        return failed_everything(path.name, why, checks, cause)
    cells, notes = cells_to_run(source, submission)
    # Every wait on a worker (loading cells, restarts, probes) stops at this deadline.
    deadline = started + limits.submission_seconds
    report = Report(submission=path.name, notes=notes, lang=notebook_lang(submission))
    pool = ThreadPoolExecutor(max_workers=2)
    drawn = None
    try:
        if fresh and shared is not None and draw is None:
            report.draw, drawn = shared.draw, shared.future()
        elif fresh:
            report.draw = new_draw() if draw is None else draw
            drawn = pool.submit(_draw, checks, report.draw, key, source, references, deadline)
        results = _grade_cells(
            cells, references, checks, key, limits, deadline, parallel, drawn, pool
        )
    finally:
        pool.shutdown(wait=True)
    if isinstance(results, str):
        return failed_everything(path.name, results, checks, "not_run")
    report.notes += _setup_failures(results.pop())
    done = {r.name: r for r in results}
    # Again over every check: the training check (judged in a worker of its own) defers
    # to the functions it trains with.
    report.results = defer(checks, [done[c.name] for c in checks])
    report.seconds = round(time.monotonic() - started, 3)
    return report


def _draw(checks, draw, key, source, references, deadline) -> Fresh:
    return reference_answers(draw_probes(checks, draw), checks, key, source, references, deadline)


def _grade_cells(cells, references, checks, key, limits, deadline, parallel, drawn, pool):
    """Every check's result (then the load reports, last), or why nothing could be graded."""
    slow = [c for c in checks if c.slow]
    rest = [c for c in checks if not c.slow]
    session = Session(cells, references, limits, deadline)
    side = Session(cells, references, limits, deadline) if slow else None
    try:
        later = None
        if side is not None and parallel:
            later = pool.submit(_judge_in, side, slow, key, limits, drawn)
        try:
            session.ensure()
        except WorkerLost as lost:
            return f"could not run this submission: {lost}"
        reports = session.reports or []
        fresh = drawn.result() if drawn is not None else None
        results = judge_checks(rest, session.ask, key, reports, limits, fresh)
        session.close()
        if later is not None:
            results += later.result()
        elif side is not None:
            side.poisoned = dict(session.poisoned)  # cells that killed a worker: not again
            results += _judge_in(side, slow, key, limits, fresh)
        return [*results, reports]
    finally:
        session.close()
        if side is not None:
            side.close()


def _read_submission(path: Path, source) -> tuple:
    """The notebook, or why it cannot be graded: not a notebook, or not this assignment's."""
    try:
        submission = read_notebook(path)
    except NotANotebook as exc:
        return None, str(exc)
    return submission, not_this_assignment(source, submission)


def _setup_failures(reports: list[dict]) -> list[str]:
    """Notes on the provided setup cells that failed to load: not the student's code,
    but the reason the checks after them fail."""
    return [
        f"a provided setup cell failed: {r['error']['type']}: {r['error']['message']}"
        for r in reports
        if r.get("kind") == "setup" and r.get("error")
    ]


def _judge_in(session: Session, checks: list[Check], key: AnswerKey, limits: Limits, fresh):
    """Judge ``checks`` in a session of their own (its cells loaded first); ``fresh`` is
    the draw, or a future of it (the reference may still be answering)."""
    try:
        session.ensure()
    except WorkerLost:
        pass  # each check asks again, and says why it could not
    if isinstance(fresh, Future):
        fresh = fresh.result()
    return judge_checks(checks, session.ask, key, session.reports, limits, fresh)

"""What a student is told is true: a failing check names what differs, or defers (issue 26).

Every mistake of both assignments' corpora is graded by the real grading command (worker
processes, real TensorFlow).  For each entry, every failing check of the function it
breaks must either say the entry's own mistake (its ``# message:`` header) or defer to a
failing check of the same submission (``not checked: `<check>` fails``, checks.toml's
``defers_to``), and no difference is told twice: two failing checks of one function that
name the same mistake, or give the same first line, would each put it under their own
hint, and one of those hints is about something else (a forgotten bias update is not "use
the global learning_rate").  The training check (a whole check, of no single function) may
fail on a broken step or split without naming it, since its hint sends the student to
those functions' checks, but any likely cause it names must be the entry's own.  A check
that only compares with the reference (the second assignment's public checks name no
mistake, by design) may say "wrong values" when it is its function's first failing check
and another check of that function names the mistake.

Also here: the rebinding step (``global W1; W1 = W1 - ...``) fails its public check by
name (in ``check`` and in feedback; in the notebook's own kernel:
tests/test_public_checks_alone.py), and a split one batch short is told so.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from corpus_tools import ROOT, entries, materialize

from autograder import course
from autograder.batch import grade_paths
from autograder.judge import DEFERRED, catalogued_mistake
from autograder.pool import Limits

ASSIGNMENTS = ("three_layer_classifier", "sigmoid_bce_classifier")
MISTAKES = [(a, e) for a in ASSIGNMENTS for e in entries("mistakes", a)]
STEP = "training_step: moves all six variables by -learning_rate * gradient"
REBINDS = "replaced the global variables with new objects"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """assignment -> entry name -> its report (and the graded folder), each assignment
    graded with itself selected."""
    saved = os.environ.get(course.ASSIGNMENT_ENV)
    out = {}
    try:
        for assignment in ASSIGNMENTS:
            os.environ[course.ASSIGNMENT_ENV] = assignment
            folder = tmp_path_factory.mktemp(assignment)
            paths = [materialize(e, folder) for e in entries("mistakes", assignment)]
            reports = grade_paths(paths, folder / "graded", Limits(), jobs=2, progress=False)
            out[assignment] = (
                {r.submission.removesuffix(".ipynb"): r for r in reports},
                folder / "graded",
            )
    finally:
        if saved is None:
            os.environ.pop(course.ASSIGNMENT_ENV, None)
        else:
            os.environ[course.ASSIGNMENT_ENV] = saved
    return out


def _first_line(output: str) -> str:
    return output.split("\n", 1)[0]


def _deferral(output: str, failed_names: set[str]) -> bool:
    head, _, rest = DEFERRED.partition("{name}")
    if not output.startswith(head) or "\n  hint:" in output:
        return False
    return any(output == DEFERRED.format(name=name) for name in failed_names)


def _first_and_plain(result, failed: list, said: str) -> bool:
    """A check that compares with the reference's answer and names no mistake at all (the
    second assignment's public checks, by design) may say "wrong values" under the
    function's own recipe, when it is the function's first failing check (the others
    defer to it) and a check of the same function names the mistake."""
    mine = [r for r in failed if r.grade_id == result.grade_id]
    named = any(said in r.output.lower() for r in mine)
    plain = not catalogued_mistake(result.output) and "likely cause:" not in result.output
    return plain and mine[0] is result and named


def _problems(entry, report) -> list[str]:
    failed = [r for r in report.results if not r.passed]
    names = {r.name for r in failed}
    said = entry.message.lower()
    problems = []
    told: dict[str, str] = {}  # a first line or named mistake -> the check that told it
    for r in failed:
        if _deferral(r.output, names):
            continue
        text = r.output.lower()
        if r.grade_id == "final_accuracy":
            cause = text.partition("likely cause:")[2]
            if cause and said not in cause:
                problems.append(f"{r.name} names another likely cause:\n{r.output}")
            elif not cause and said not in text and not (names - {r.name}):
                problems.append(f"{r.name} names nothing and no check it relies on fails")
            continue
        if said not in text and not _first_and_plain(r, failed, said):
            problems.append(f"{r.name} neither says {entry.message!r} nor defers:\n{r.output}")
        # a first line, or a mistake of the catalogue (the report's causes that DIAGNOSES read
        # in plain messages group a class; they are not what a check tells)
        for key in {
            _first_line(r.output).removeprefix(r.grade_id),
            catalogued_mistake(r.output),
        } - {""}:
            key = f"{r.grade_id}|{key}"
            if key in told:
                problems.append(f"{r.name} tells again what {told[key]} told:\n{r.output}")
            told.setdefault(key, r.name)
    return problems


@pytest.mark.parametrize("pair", MISTAKES, ids=lambda p: f"{p[0]}-{p[1].name}")
def test_every_failing_check_names_the_mistake_or_defers(graded, pair):
    assignment, entry = pair
    report = graded[assignment][0][entry.name]
    problems = _problems(entry, report)
    assert not problems, f"{entry.path.name}: {entry.why}\n" + "\n".join(problems)


def test_the_rebinding_step_fails_its_public_check_by_name_and_in_feedback(graded):
    reports, folder = graded["three_layer_classifier"]
    report = reports["step_rebinds_globals"]
    by_name = {r.name: r for r in report.results}
    public = by_name[STEP]
    assert public.public and not public.passed and REBINDS in public.output, public.output
    final = next(r for r in report.results if r.grade_id == "final_accuracy")
    assert not final.passed and REBINDS in final.output, final.output
    assert "compute the loss inside" not in final.output  # the wrong fix it used to point at
    feedback = (folder / "step_rebinds_globals" / "feedback.md").read_text()
    assert REBINDS in feedback


def test_the_rebinding_step_fails_check_by_name(tmp_path):
    entry = next(e for e in entries("mistakes") if e.name == "step_rebinds_globals")
    path = materialize(entry, tmp_path)
    env = dict(os.environ, PYTHONPATH=str(ROOT), AUTOGRADER_ASSIGNMENT="three_layer_classifier")
    done = subprocess.run(
        [sys.executable, "-m", "autograder", "check", str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=600,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    line = next(x for x in done.stdout.splitlines() if x.startswith(STEP))
    assert line.endswith("FAILED"), done.stdout
    assert REBINDS in done.stdout.split(line, 1)[1].split("\ntraining_step:", 1)[0]
    assert "public checks passed" in done.stdout and "16 of 16" not in done.stdout


def test_a_split_one_batch_short_is_told_so(graded):
    report = graded["three_layer_classifier"][0]["split_one_batch_short"]
    failed = [r for r in report.results if not r.passed and r.grade_id == "split_mini_batches"]
    assert failed and "one batch too few" in failed[0].output, failed
    assert all("batches of 4 samples" not in r.output for r in report.results)

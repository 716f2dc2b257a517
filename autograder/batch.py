"""Grading a batch of submissions: the library API behind ``python -m autograder grade``.

:func:`grade_paths` grades every path (never stopping on a bad one), writes each
submission's results as soon as it is graded and all of them again at the end,
and returns the reports; :func:`confined` puts each submission's workers in their
own view (as root, also a uid and a cgroup each), or refuses where it cannot.  The command line, the
demo, nbgrader's preprocessor and the tests all call these; none of them needs
the command line's module.  Each submission's results.json, feedback and
fingerprint are written the moment it is graded, the fingerprint last, so a
batch killed part way and run again with ``resume`` grades only what is left.
"""

from __future__ import annotations

import logging
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for annotations only: each is imported where it is used, so that
    # grade_paths starts the fork server (TensorFlow loading) before the judge's imports
    from .fresh import SharedDraw
    from .judge import Report
    from .key import AnswerKey
    from .pool import Limits
    from .submissions import Submission

#: Where a grading's record goes (``grade`` sends it to ``--out``/grader.log): each
#: submission graded or resumed, and the traceback of any grader error.
LOG = logging.getLogger("autograder.batch")
logging.getLogger("autograder").addHandler(logging.NullHandler())  # never the console


UNCONFINED_FLAG = "--i-accept-unconfined-student-code"


def confined(paths: list[Path], limits, limits_for: dict, jobs: int = 1, unconfined_ok=False):
    """Each submission's workers in their own view (autograder.view), as root and as an
    ordinary user alike; as root also a uid and a cgroup (memory, processes, a CPU
    quota of the usable cores shared by ``jobs`` submissions at once) per worker.

    Where the machine offers no namespaces, stops with one line, unless
    ``unconfined_ok`` (the command's UNCONFINED_FLAG): then workers run as the grader.
    """
    from dataclasses import replace

    from . import ENGINE_ROOT, sandbox, view
    from .processes import usable_cores

    why = view.available(str(ENGINE_ROOT))
    if why is not None:
        line = (
            f"this machine cannot confine student code (no user, mount or PID namespaces: "
            f"{why.splitlines()[0] if why else 'refused'})"
        )
        if not unconfined_ok:
            raise SystemExit(f"{line}; grade only trusted work with {UNCONFINED_FLAG}")
        print(f"warning: {line}; grading anyway, as asked ({UNCONFINED_FLAG})", file=sys.stderr)
        return limits_for
    root = os.geteuid() == 0
    cpu = max(1.0, usable_cores() / max(1, jobs)) if root else 0.0
    per_path = {}
    for path in paths:
        own = limits_for.get(path, limits)
        per_path[path] = replace(
            own,
            view=True,
            run_as=(own.run_as or sandbox.PER_WORKER) if root else None,
            cpu_cores=own.cpu_cores or cpu,
        )
    return per_path


def grade_paths(
    paths: list,
    out: Path,
    limits,
    jobs: int | None = 1,
    progress: bool = True,
    limits_for: dict[Path, object] | None = None,
    resume: bool = False,
    unconfined_ok: bool = False,
):
    """Grade every path (never stopping on a bad one); write results; return the reports.

    ``paths`` are notebook files or :class:`autograder.submissions.Submission` rows
    (what ``grade`` finds in folders and zips); a file is named like one given to
    ``grade``.  See :func:`grade_batch`, which also says which gradings failed.
    """
    return grade_batch(
        paths, out, limits, jobs, progress, limits_for, resume, unconfined_ok=unconfined_ok
    ).reports


@dataclass
class Outcome:
    """A batch's reports (in the order given), and what the command line reports on."""

    reports: list[Report]
    #: Origins of the submissions whose grading hit an error of the grader itself.
    crashed: list[str]
    #: How many submissions were read back from an earlier run (``resume``).
    resumed: int


def grade_batch(
    paths: list,
    out: Path,
    limits,
    jobs: int | None = 1,
    progress: bool = True,
    limits_for: dict[Path, object] | None = None,
    resume: bool = False,
    lang: str | None = None,
    unconfined_ok: bool = False,
    draw: SharedDraw | None = None,
) -> Outcome:
    """Grade every submission (never stopping on a bad one); write results.

    ``jobs`` submissions are graded at once (None: one per usable core).  When
    that leaves a core idle (a single submission, say), each submission's slow
    checks run in a second worker beside the others.
    ``limits_for`` gives some paths their own :class:`autograder.pool.Limits`.
    ``lang`` is the language of the feedback and the class report (default: each
    notebook's own, and the class's most common).  ``unconfined_ok``: grade where no
    worker can be confined (:func:`confined`).  ``draw``: the batch's fresh draw, made
    beforehand (``watch`` makes the next one while it waits); used by this batch only.
    With ``resume``, a submission whose file, student and grader are unchanged
    since its last grading in ``out`` is not graded again (its results are read
    back).  Raises :class:`autograder.key.StaleKey` (or ``TamperedKey``) before
    anything runs or is written when the answer key does not fit the kit.
    Each submission's files are written as soon as it is graded, and all
    of them again at the end, after every worker is gone: a submission that wrote
    into ``out`` while it ran (it can find the folder) changes nothing.
    """

    from . import key as answer_key
    from .notebook import read_notebook, reference_sources, source_path
    from .pool import warm_up
    from .processes import usable_cores
    from .submissions import as_submissions

    # The key first, checked against the kit (answer_key.StaleKey, TamperedKey): a stale
    # one stops the batch before any student code runs and before ``out`` is touched.
    source = read_notebook(source_path())
    the_key = answer_key.load(source=source)
    warm_up()
    references = reference_sources()
    rows = as_submissions(list(paths))
    files = [r.path for r in rows if r.path is not None]
    limits_for = limits_for or {}
    cores = usable_cores()
    jobs = max(1, jobs or cores)
    parallel = min(jobs, len(files)) < cores

    limits_for = confined(files, limits, limits_for, min(jobs, len(files)), unconfined_ok)
    batch = _Batch(out, limits, limits_for, the_key, source, references, parallel, resume, lang)
    from .checks import REGISTRY
    from .fresh import SharedDraw

    seconds = limits.submission_seconds
    batch.draw = draw or SharedDraw(REGISTRY, the_key, source, references, seconds)

    out.mkdir(parents=True, exist_ok=True)
    try:
        reports = _grade_all(batch, rows, jobs, progress)
    finally:
        batch.draw.close()
    batch.write_all(rows, reports)
    return Outcome(reports, batch.crashed, len(batch.resumed))


def _grade_all(batch: _Batch, rows: list, jobs: int, progress: bool) -> list[Report]:
    """Every row's report, in order, ``jobs`` at a time, with a progress bar."""
    from tqdm import tqdm

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(batch.grade, r) for r in rows]
        bar = tqdm(total=len(futures), desc="grading", unit="nb", disable=not progress)
        reports = []
        for future in futures:
            reports.append(future.result())
            bar.update(1)
        bar.close()
    return reports


@dataclass
class _Batch:
    """What every submission of one batch is graded with; which were resumed."""

    out: Path
    limits: Limits
    limits_for: dict
    key: AnswerKey
    source: dict
    references: dict[str, str]
    parallel: bool
    resume: bool
    #: The feedback's and report's language; None: each notebook's own.
    lang: str | None = None
    #: Folders of the submissions read back: their feedback files are kept as they are.
    resumed: set[str] = field(default_factory=set)
    crashed: list[str] = field(default_factory=list)
    #: Per folder: the fingerprint and the decision-boundary picture, for write_all.
    done: dict[str, tuple[str, bytes | None]] = field(default_factory=dict)
    #: The batch's fresh draw (autograder.fresh.SharedDraw), its answers computed once.
    draw: SharedDraw | None = None
    #: Per folder: the submission's own code, kept for ``similar`` (autograder.similar).
    code: dict[str, dict] = field(default_factory=dict)

    def grade(self, sub: Submission) -> Report:
        """``sub``'s report (read back if resuming and unchanged), its files written
        at once; never raises for the submission: a grader error costs its row only."""
        from .judge import failed_everything

        try:
            return self._grade(sub)
        except Exception as exc:  # noqa: BLE001 - a grader bug must not lose the batch
            LOG.exception("internal grader error on %s", sub.origin)
            self.crashed.append(sub.origin)
            report = failed_everything(
                sub.path.name if sub.path else "",
                f"internal grader error: {exc!r}",
                cause="internal",
            )
            report.student = sub.student
            return report

    def _grade(self, sub: Submission) -> Report:
        from .judge import failed_everything, grade_notebook
        from .results import fingerprint, read_report
        from .submissions import printable

        if sub.path is None:  # a student folder without a notebook: nothing to run
            report = failed_everything("(no notebook)", sub.problem, cause="missing")
            report.student = sub.student
            self.finish(sub, report, fingerprint(Path(os.devnull), sub.identity))
            LOG.info("no notebook from %s: %s", sub.origin, sub.problem)
            return report
        value = fingerprint(sub.path, sub.identity)  # of the bytes about to be graded
        if self.resume:
            previous = read_report(self.out, sub.folder, sub.path, sub.identity)
            if previous is not None:
                previous.student = sub.student
                previous.submission = printable(previous.submission)
                self.resumed.add(sub.folder)
                LOG.info("resumed %s (graded by an earlier run)", sub.origin)
                return previous
        try:
            report = grade_notebook(
                sub.path,
                self.key,
                self.source,
                self.references,
                self.limits_for.get(sub.path, self.limits),
                parallel=self.parallel,
                shared=self.draw,
            )
        except Exception as exc:  # noqa: BLE001 - a grader bug must not lose the row
            LOG.exception("internal grader error on %s", sub.origin)
            self.crashed.append(sub.origin)
            report = failed_everything(
                sub.path.name, f"internal grader error: {exc!r}", cause="internal"
            )
            value = None  # no fingerprint: --resume grades it again
        report.student = sub.student
        report.submission = printable(report.submission)
        self.finish(sub, report, value)
        LOG.info("graded %s: %g of %g", sub.origin, report.score, report.max_score)
        return report

    def finish(self, sub: Submission, report: Report, value: str | None) -> None:
        """results.json, feedback, then the fingerprint (its presence means done; none
        for a grading the grader itself failed, which ``--resume`` must do again)."""
        from .feedback import boundary_png, write_feedback
        from .results import write_fingerprint, write_results
        from .similar import write_code_record
        from .submissions import shown

        picture = boundary_png(report, self.lang)
        self.done[sub.folder] = (value, picture)
        self.code[sub.folder] = self.own_code(sub)
        try:
            write_results(self.out, report, sub.folder)
            write_feedback(self.out / sub.folder, report, picture, self.lang)
            write_code_record(self.out / sub.folder, self.code[sub.folder])
            if value:
                write_fingerprint(self.out, sub.folder, value)
        except OSError as exc:  # written again at the end
            print(
                shown(f"note: could not write the results of {sub.origin} yet: {exc}"),
                file=sys.stderr,
            )

    def own_code(self, sub: Submission) -> dict:
        """What ``similar`` compares of ``sub``: its solution cells, read (never run)."""
        from .similar import code_record

        return code_record(sub.path, sub.student, sub.origin, self.source, sub.problem)

    def write_all(self, rows: list[Submission], reports: list[Report]) -> None:
        """Every file again, once no worker is left: results, feedback, fingerprints, each
        submission's own code (for ``similar``), grades.csv."""
        from .feedback import report_after_batch, write_feedback
        from .results import write_fingerprint, write_grades_csv, write_results
        from .similar import similar_after_batch, write_code_record
        from .submissions import shown

        for sub, report in zip(rows, reports):
            try:  # one submission's files; a failure here costs its files, not the batch
                write_results(self.out, report, sub.folder)
                if sub.folder not in self.code:  # read back by --resume
                    self.code[sub.folder] = self.own_code(sub)
                write_code_record(self.out / sub.folder, self.code[sub.folder])
                if sub.folder not in self.resumed:
                    value, picture = self.done.get(sub.folder, (None, None))
                    write_feedback(self.out / sub.folder, report, picture, self.lang)
                    if value:
                        write_fingerprint(self.out, sub.folder, value)
            except OSError as exc:
                print(
                    shown(f"error: the results of {sub.origin} were not written: {exc}"),
                    file=sys.stderr,
                )
        # every row, whatever happened to the files above; rows of one student flagged
        write_grades_csv(self.out, reports, [sub.folder for sub in rows])
        similar_after_batch(self.out)  # similar.html, similar.csv (the report links them)
        report_after_batch(self.out, self.lang)  # report.html, report.md, nbgrader_export.csv

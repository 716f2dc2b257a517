"""Grading a batch of submissions: the library API behind ``python -m autograder grade``.

:func:`grade_paths` grades every path (never stopping on a bad one), writes each
submission's results as soon as it is graded and all of them again at the end,
and returns the reports; :func:`confined` gives each submission's workers their
own user and hidden paths when the grader runs as root.  The command line, the
demo, nbgrader's preprocessor and the tests all call these; none of them needs
the command line's module.
"""

from __future__ import annotations

import os
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for annotations only: each is imported where it is used, so that
    # grade_paths starts the fork server (TensorFlow loading) before the judge's imports
    from .judge import Report
    from .key import AnswerKey
    from .pool import Limits


def confined(paths: list[Path], out: Path, limits, limits_for: dict) -> dict:
    """As root: each submission's workers run as a uid of their own, with the kit's
    secrets, the other submissions and ``out`` hidden from them (autograder.sandbox)."""
    from dataclasses import replace

    from . import sandbox

    for folder in sandbox.let_students_reach_python():
        print(
            f"note: let other users traverse {folder} (student code must import Python)",
            file=sys.stderr,
        )
    hide = sandbox.kit_secrets() + tuple(
        sorted({str(out.resolve())} | {str(p.resolve().parent) for p in paths})
    )
    per_path = {}
    for index, path in enumerate(paths):
        own = limits_for.get(path, limits)
        per_path[path] = replace(
            own, run_as=own.run_as or sandbox.uid_for(index), hide=own.hide or hide
        )
    return per_path


def grade_paths(
    paths: list[Path],
    out: Path,
    limits,
    jobs: int | None = 1,
    progress: bool = True,
    limits_for: dict[Path, object] | None = None,
    resume: bool = False,
    lang: str | None = None,
):
    """Grade every path (never stopping on a bad one); write results; return the reports.

    ``jobs`` submissions are graded at once (None: one per usable core).  When
    that leaves a core idle (a single submission, say), each submission's slow
    checks run in a second worker beside the others.
    ``limits_for`` gives some paths their own :class:`autograder.pool.Limits`.
    With ``resume``, a submission whose file and grader are unchanged since its
    last grading in ``out`` is not graded again (its results are read back).
    ``lang`` is the language of the feedback and the class report (default: each
    notebook's own, and the class's most common).
    Each ``results.json`` is written as soon as its submission is graded, and
    all of them again at the end, after every worker is gone: a submission
    that wrote into ``out`` while it ran (it can find the folder) changes nothing.
    """
    from tqdm import tqdm

    from . import key as answer_key
    from .notebook import read_notebook, reference_sources, source_path
    from .pool import warm_up
    from .processes import usable_cores

    warm_up()
    the_key = answer_key.load()
    source = read_notebook(source_path())
    references = reference_sources()
    limits_for = limits_for or {}
    cores = usable_cores()
    jobs = max(1, jobs or cores)
    parallel = min(jobs, len(paths)) < cores
    _refuse_shared_folders(paths, out)

    if os.geteuid() == 0:
        limits_for = confined(paths, out, limits, limits_for)
    batch = _Batch(out, limits, limits_for, the_key, source, references, parallel, resume, lang)

    out.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(batch.grade, p) for p in paths]
        bar = tqdm(total=len(futures), desc="grading", unit="nb", disable=not progress)
        reports = []
        for future in futures:
            reports.append(future.result())
            bar.update(1)
        bar.close()
    batch.write_all(paths, reports)
    return reports


def _refuse_shared_folders(paths: list[Path], out: Path) -> None:
    """Stop before grading when two submissions would write into the same folder."""
    from .results import result_dir

    folders = [result_dir(out, p.name).name for p in paths]
    dupes = {p.name for p, f in zip(paths, folders) if folders.count(f) > 1}
    if dupes:
        raise SystemExit(
            f"two submissions share a file name ({', '.join(sorted(dupes))}): their results "
            "would overwrite each other; rename them"
        )


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
    #: Their feedback files (with pictures) are kept as they are.
    resumed: set[Path] = field(default_factory=set)

    def grade(self, path: Path) -> Report:
        """``path``'s report (read back if resuming and unchanged), its results.json
        written at once; never raises for the submission."""
        from .judge import failed_everything, grade_notebook
        from .results import read_report, write_results

        if self.resume:
            previous = read_report(self.out, path)
            if previous is not None:
                self.resumed.add(path)
                return previous
        try:
            report = grade_notebook(
                path,
                self.key,
                self.source,
                self.references,
                self.limits_for.get(path, self.limits),
                parallel=self.parallel,
            )
        except Exception as exc:  # noqa: BLE001 - a grader bug must not lose the row
            report = failed_everything(path.name, f"internal grader error: {exc!r}")
        try:
            write_results(self.out, report)
        except OSError as exc:  # written again at the end
            print(f"note: could not write the results of {path.name} yet: {exc}", file=sys.stderr)
        return report

    def write_all(self, paths: list[Path], reports: list[Report]) -> None:
        """Every file again, once no worker is left: results, feedback, fingerprints, grades.csv."""
        from .feedback import report_after_batch, write_feedback
        from .results import (
            fingerprint,
            result_dir,
            write_fingerprint,
            write_grades_csv,
            write_results,
        )

        for path, report in zip(paths, reports):
            try:  # one submission's files; a failure here costs its files, not the batch
                write_results(self.out, report)
                if path not in self.resumed:
                    write_feedback(result_dir(self.out, report.submission), report, lang=self.lang)
                    write_fingerprint(self.out, path, fingerprint(path))
            except OSError as exc:
                print(f"error: the results of {path.name} were not written: {exc}", file=sys.stderr)
        write_grades_csv(self.out, reports)  # every row, whatever happened to the files above
        report_after_batch(self.out, self.lang)  # report.html, report.md, nbgrader_export.csv

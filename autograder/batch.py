"""Grading a batch of submissions: the library API behind ``python -m autograder grade``.

:func:`grade_paths` grades every path (never stopping on a bad one), writes each
submission's results as soon as it is graded and all of them again at the end,
and returns the reports; :func:`confined` puts each submission's workers in their
own view (as root, also a uid and a cgroup each), or refuses where it cannot.  The command line, the
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


UNCONFINED_FLAG = "--i-accept-unconfined-student-code"


def confined(paths: list[Path], limits, limits_for: dict, jobs: int = 1, unconfined_ok=False):
    """Each submission's workers in their own view (autograder.view), as root and as an
    ordinary user alike; as root also a uid and a cgroup (memory, processes, a CPU
    quota of the usable cores shared by ``jobs`` submissions at once) per worker.

    Where the machine offers no namespaces, stops with one line, unless
    ``unconfined_ok`` (the command's UNCONFINED_FLAG): then workers run as the grader.
    """
    from dataclasses import replace

    from . import ROOT, sandbox, view
    from .processes import usable_cores

    why = view.available(str(ROOT))
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
    paths: list[Path],
    out: Path,
    limits,
    jobs: int | None = 1,
    progress: bool = True,
    limits_for: dict[Path, object] | None = None,
    resume: bool = False,
    unconfined_ok: bool = False,
):
    """Grade every path (never stopping on a bad one); write results; return the reports.

    ``jobs`` submissions are graded at once (None: one per usable core).  When
    that leaves a core idle (a single submission, say), each submission's slow
    checks run in a second worker beside the others.
    ``limits_for`` gives some paths their own :class:`autograder.pool.Limits`.
    With ``resume``, a submission whose file and grader are unchanged since its
    last grading in ``out`` is not graded again (its results are read back).
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

    limits_for = confined(paths, limits, limits_for, min(jobs, len(paths)), unconfined_ok)
    batch = _Batch(out, limits, limits_for, the_key, source, references, parallel, resume)

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
        from .feedback import write_feedback
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
                    write_feedback(result_dir(self.out, report.submission), report)
                    write_fingerprint(self.out, path, fingerprint(path))
            except OSError as exc:
                print(f"error: the results of {path.name} were not written: {exc}", file=sys.stderr)
        write_grades_csv(self.out, reports)  # every row, whatever happened to the files above

"""Where results are written: ``results.json`` per submission and ``grades.csv`` per batch.

``results.json`` follows Gradescope's autograder schema (``score``, ``tests[]``
with ``name``, ``score``, ``max_score``, ``status``, ``output``, ``visibility``),
so the same file serves the grading command and Gradescope.  The grading
command's files also hold two extra top-level keys (Gradescope allows extra
keys): ``hand_graded``, the master notebook's cells graded by hand with their
points (nbgrader's total counts them, the score here does not; ``output`` says
so), and ``report``, the whole report (:meth:`autograder.judge.Report.as_dict`),
which ``--resume`` reads back as it was, hints included.  Files are written
atomically (a temporary file, then a rename): a crash never leaves half a file.
"""

from __future__ import annotations

import csv
import functools
import io
import json
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from . import files
from .checks import registry
from .judge import Report
from .notebook import HandGraded, master_hand_graded


def write_atomic(path: Path, text: str) -> None:
    """Write a result file atomically, through no planted link (see autograder.files).

    The results folder is the grader's: a link or folder planted at a result's path
    by student code (``grade`` as an ordinary user) is replaced, never written through.
    """
    files.write_file(path, text, clear=True)


def points_sentence(autograded: float, hand: Sequence[HandGraded] | None = None) -> str:
    """What the score is out of, where nbgrader's total also counts points graded by hand:
    "31 autograded + 2 graded by hand = 33 points in all: ..."; "" when none are.

    ``autograded`` comes from the checks (a report's ``max_score``), ``hand`` from the
    master notebook's nbgrader metadata (:func:`autograder.notebook.hand_graded`; by
    default the master's own), so neither number is written down twice.
    """
    hand = master_hand_graded() if hand is None else hand
    manual = sum(h.points for h in hand)
    if not manual:
        return ""
    parts = " and ".join(f'"{h.section}"' if h.section else h.grade_id for h in hand)
    return (
        f"{autograded:g} autograded + {manual:g} graded by hand = {autograded + manual:g} "
        f"points in all: the score here is out of the {autograded:g} autograded points; "
        f"the answer under {parts} is graded by hand, later."
    )


def gradescope_json(report: Report, say=None) -> dict:
    """The report in Gradescope's results.json schema (its ``output``: why it could not
    be graded, notes, and what the score is out of).

    ``say`` (an :class:`autograder.i18n.Language`) writes every ``output`` in the
    student's language, for Gradescope, where the student reads them; each test's
    starts with the check's title in that language.  The test names stay English, as in
    every results.json, so one class's statistics hold both editions' students."""
    if say is not None and say.lang != "en":
        return _spoken(gradescope_json(report), report, say)
    lines = []
    if report.error:
        lines.append(f"This submission could not be graded: {report.error}")
    lines.extend(f"Note: {n}" for n in report.notes)
    lines.append(points_sentence(report.max_score))
    lines = [line for line in lines if line]
    return {
        "score": report.score,
        "max_score": report.max_score,
        "execution_time": report.seconds,
        "output": "\n".join(lines),
        "tests": [
            {
                "name": r.name,
                "score": r.score,
                "max_score": r.max_score,
                "status": r.status,
                "output": r.output,
                "visibility": "visible" if r.public else "after_published",
                "execution_time": r.seconds,
            }
            for r in report.results
        ],
    }


def _spoken(data: dict, report: Report, say) -> dict:
    """``data`` (gradescope_json's English) with its outputs in ``say``'s language."""
    lines = []
    if report.error:
        lines.append(say.t("not_graded", error=say.text(report.error)))
    lines.extend(say.t("note", note=say.text(n)) for n in report.notes)
    lines.append(say.points(report.max_score))
    data["output"] = "\n".join(line for line in lines if line)
    for test in data["tests"]:
        title = say.check_name(test["name"])
        test["output"] = f"{title}\n{say.text(test['output'])}"
    return data


GRADES_CSV = "grades.csv"


def result_dir(out: Path, submission: str) -> Path:
    """``out/<notebook stem>``; a stem that would clash with ``grades.csv`` or name
    ``out`` itself (``.``, ``..``) gets a leading underscore."""
    stem = Path(submission).name
    stem = Path(stem).stem if stem not in ("", ".", "..") else stem
    if stem in ("", ".", "..") or stem.lower() == GRADES_CSV:
        stem = "_" + stem
    return out / stem


def _folder(out: Path, submission: str, folder: str | None) -> Path:
    """A submission's folder: the batch's choice (autograder.submissions), else the stem's."""
    return out / folder if folder else result_dir(out, submission)


def write_results(out: Path, report: Report, folder: str | None = None) -> Path:
    """``out/<folder>/results.json`` (by default the notebook's stem): Gradescope's keys,
    the points graded by hand, and the report for ``--resume``."""
    path = _folder(out, report.submission, folder) / "results.json"
    hand = [asdict(h) for h in master_hand_graded()]
    data = gradescope_json(report) | {"hand_graded": hand, "report": report.as_dict()}
    write_atomic(path, json.dumps(data, indent=2) + "\n")
    return path


def grade_columns() -> list[str]:
    """``student`` first (what a gradebook import matches on), then the notebook's name."""
    return ["student", "submission", "score", "max_score"] + [c.name for c in registry().checks]


def write_grades_csv(out: Path, reports: list[Report]) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(grade_columns())
    for report in reports:
        scores = {r.name: r.score for r in report.results}
        writer.writerow(
            [_cell(report.who), _cell(report.submission)]
            + [_num(report.score), _num(report.max_score)]
            + [_num(scores.get(c.name, 0.0)) for c in registry().checks]
        )
    path = out / GRADES_CSV
    write_atomic(path, buffer.getvalue())
    return path


def _num(x: float) -> str:
    return f"{x:g}"


def _cell(text: str) -> str:
    """A file name as a CSV cell that spreadsheets do not run as a formula."""
    return "'" + text if text.startswith(("=", "+", "-", "@", "\t", "\r")) else text


def summary_table(reports: list[Report]) -> str:
    """A plain-text table: one row a submission, one column per graded function."""
    from .checks import registry

    grade_ids = registry().grade_ids

    headers = ["student", *grade_ids, "total"]
    rows = []
    for report in reports:
        per: dict[str, tuple[float, float]] = {g: (0.0, 0.0) for g in grade_ids}
        for r in report.results:
            got, out_of = per[r.grade_id]
            per[r.grade_id] = (got + r.score, out_of + r.max_score)
        rows.append(
            [report.who]
            + [f"{_num(per[g][0])}/{_num(per[g][1])}" for g in grade_ids]
            + [f"{_num(report.score)}/{_num(report.max_score)}"]
        )
    widths = [max(len(h), *(len(row[k]) for row in rows)) for k, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths))]
    lines.append("  ".join("-" * w for w in widths))
    lines.extend("  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in rows)
    return "\n".join(lines)


# --------------------------------------------------------------------------- resuming


def fingerprint(path: Path, identity: str = "") -> str:
    """What a grading depends on: the submission's bytes, who it is and where it came
    from (``identity``: the same bytes handed in by two students are two gradings),
    and the grader's answer key and code."""
    import hashlib

    digest = hashlib.sha256(Path(path).read_bytes() if Path(path).is_file() else b"").digest()
    return hashlib.sha256(
        digest + _grader_digest() + identity.encode("utf-8", "surrogateescape")
    ).hexdigest()


def grader_files() -> list[Path]:
    """What a grade depends on besides the submission and the answer key: the engine's
    modules, and the assignment's settings, check definitions (points, hints, probes)
    and module."""
    from . import course

    package = Path(__file__).parent
    here = course.current()
    kit = [here.settings_path, here.checks_path, here.module_path]
    return sorted([*package.glob("*.py"), *package.glob("*.toml"), *(p for p in kit if p.exists())])


@functools.cache
def _grader_digest() -> bytes:
    """The answer key, the kit's files and its version, hashed once per process."""
    import hashlib

    from . import __version__
    from .key import key_path

    digest = hashlib.sha256(hashlib.sha256(key_path().read_bytes()).digest())
    for module in grader_files():
        digest.update(hashlib.sha256(module.read_bytes()).digest())
    digest.update(__version__.encode())
    return digest.digest()


FINGERPRINT = ".fingerprint"


def write_fingerprint(out: Path, folder: str, value: str) -> None:
    """Written last, once a submission's other files are: its presence means "done"."""
    write_atomic(out / folder / FINGERPRINT, value + "\n")


def read_report(out: Path, folder: str, path: Path, identity: str = "") -> Report | None:
    """The report of an earlier grading of ``path`` in ``out/folder``, if nothing changed.

    None (grade again) when the file, who handed it in or the grader changed, or the
    results are unreadable or lack the saved report.
    """
    where = out / folder
    try:
        if (where / FINGERPRINT).read_text().strip() != fingerprint(path, identity):
            return None
        report = Report.from_dict(json.loads((where / "results.json").read_text())["report"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    report.submission = Path(path).name  # the same bytes may come under another name
    return report

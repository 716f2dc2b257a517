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
import re
import unicodedata
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
    be graded, notes, and what the score is out of); controls in what a student's code
    printed are shown escaped (Gradescope and the feedback show these texts to people).

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
    from .submissions import shown

    return {
        "score": report.score,
        "max_score": report.max_score,
        "execution_time": report.seconds,
        "output": shown("\n".join(lines), keep="\n\t"),
        "tests": [
            {
                "name": r.name,
                "score": r.score,
                "max_score": r.max_score,
                "status": r.status,
                "output": shown(r.output, keep="\n\t"),
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
    from .submissions import shown

    data["output"] = shown("\n".join(line for line in lines if line), keep="\n\t")
    for test in data["tests"]:
        title = say.check_name(test["name"])
        test["output"] = shown(f"{title}\n{say.text(test['output'])}", keep="\n\t")
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
    data = gradescope_json(report) | {
        "assignment": registry().assignment.name,  # what `report DIR` grades it as
        "hand_graded": hand,
        "report": report.as_dict(),
    }
    write_atomic(path, json.dumps(data, indent=2) + "\n")
    return path


def grade_columns() -> list[str]:
    """``student`` first (what a gradebook import matches on), then the notebook's name,
    the points, and last ``flag``: why a person must look at the row before importing it
    (:func:`duplicate_flags`), empty for most."""
    checks = [c.name for c in registry().checks]
    return ["student", "submission", "score", "max_score", *checks, FLAG_COLUMN]


#: The last column of grades.csv and nbgrader_export.csv.
FLAG_COLUMN = "flag"


def write_grades_csv(out: Path, reports: list[Report], folders: list[str] | None = None) -> Path:
    """``out/grades.csv``: a row per report, in order; ``folders`` (each report's folder
    under ``out``) name the rows that resolve to one student in their flag.  Once hand
    grades are merged into ``out`` (:mod:`autograder.hand`), a column per hand-graded cell
    follows the checks', and ``score`` and ``max_score`` count them: the whole total, as
    nbgrader's export has it."""
    from . import hand

    given = hand.stored(out)
    cells = hand.cells() if given else ()
    extra = hand.hand_max() if given else 0.0
    folders = folders or [result_dir(out, r.submission).name for r in reports]
    flags = duplicate_flags([r.who for r in reports], folders)
    header = grade_columns()
    rows: list[list[str | float]] = [
        [*header[:-1], *(f"{c.grade_id} (by hand)" for c in cells), header[-1]]
    ]
    for report, flag in zip(reports, flags):
        scores = {r.name: r.score for r in report.results}
        mine = given.get(report.who, {})
        rows.append(
            [report.who, report.submission]
            + [_num(report.score + hand.hand_total(mine)), _num(report.max_score + extra)]
            + [_num(scores.get(c.name, 0.0)) for c in registry().checks]
            + [_num(mine[c.grade_id]) if c.grade_id in mine else "" for c in cells]
            + [flag]
        )
    path = out / GRADES_CSV
    write_csv(path, rows)
    return path


def write_csv(path: Path, rows: list[list[str | float]]) -> None:
    """Every CSV the kit writes (grades.csv, nbgrader_export.csv), atomically, each text
    cell through :func:`csv_cell`: no cell a spreadsheet runs, nothing a terminal runs."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([csv_cell(c) if isinstance(c, str) else c for c in row])
    write_atomic(path, buffer.getvalue())


#: What makes a spreadsheet read a cell as a formula (OWASP's list, and the full-width
#: forms some spreadsheets take too): such a cell gets a leading ``'``.
_FORMULA = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?(?:inf|nan)")


def csv_cell(text: str) -> str:
    """Text as a CSV cell: controls shown escaped (:func:`autograder.submissions.shown`),
    and a cell a spreadsheet would run as a formula (``=HYPERLINK(...)``, ``+``, ``-``,
    ``@``...) made text with a leading ``'``; numbers (``-1.5``) are left numbers."""
    from .submissions import shown

    text = shown(text)
    if text.startswith(_FORMULA) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def duplicate_flags(names: list[str], folders: list[str]) -> list[str]:
    """For each row, "" or why it is flagged: other rows resolve to the same student (the
    same name, by case and Unicode form too, as a gradebook import may match it).  None
    is dropped: every submission keeps its row, and the instructor decides which counts."""
    groups: dict[str, list[int]] = {}
    for i, name in enumerate(names):
        groups.setdefault(student_key(name), []).append(i)
    flags = [""] * len(names)
    for members in groups.values():
        if len(members) < 2:
            continue
        for i in members:
            others = ", ".join(folders[j] for j in members if j != i)
            flags[i] = (
                f"duplicate student: {len(members)} submissions resolve to this student "
                f"(this one: folder {folders[i]}; also: {others}); all are kept, decide "
                "which counts"
            )
    return flags


def student_key(name: str) -> str:
    """What two names must share to be one student for a gradebook import."""
    return unicodedata.normalize("NFKC", name).casefold().strip()


def _num(x: float) -> str:
    return f"{x:g}"


def summary_table(reports: list[Report]) -> str:
    """A plain-text table: one row a submission, one column per graded function; names
    shown escaped (a name must not move the terminal's cursor over other rows)."""
    from .checks import registry
    from .submissions import printable

    grade_ids = registry().grade_ids

    headers = ["student", *grade_ids, "total"]
    rows = []
    for report in reports:
        per: dict[str, tuple[float, float]] = {g: (0.0, 0.0) for g in grade_ids}
        for r in report.results:
            got, out_of = per[r.grade_id]
            per[r.grade_id] = (got + r.score, out_of + r.max_score)
        rows.append(
            [printable(report.who)]
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

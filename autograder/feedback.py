"""Feedback a student can act on, and a report an instructor can read.

* :func:`write_feedback` writes ``DIR/<stem>/feedback.md`` and ``feedback.html``
  next to ``results.json``: each check's result, message and hint, grouped by
  function (hidden checks never show expected values: their messages do not
  carry them).
* :func:`write_report` reads every ``DIR/*/results.json`` and writes
  ``DIR/report.html`` and its markdown twin ``DIR/report.md`` (failures grouped
  by cause, each with the students who hit it; a row per student; the grade
  histogram; each check's pass rate), ``DIR/causes.csv`` (its failures by cause, as a
  table) and ``DIR/nbgrader_export.csv`` (nbgrader's export columns, so a gradebook
  import works unchanged).  ``grade`` writes
  them at the end of every batch.

HTML comes from Jinja2 templates (``autograder/templates``): autoescaping keeps
whatever a student's code printed from becoming markup in the page.
"""

from __future__ import annotations

import base64
import io
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from .checks import registry
from .i18n import SOURCE_LANG, Language, language, speaking
from .judge import NOT_GRADED, Report, named_mistake
from .results import FLAG_COLUMN, duplicate_flags, student_key, write_atomic, write_csv
from .submissions import printable, shown


def _shown_in_html(value):
    """Every value a template prints, controls shown escaped (a name's U+202E would
    reverse the page's text); markup the kit made itself (``|safe``) stays markup."""
    if isinstance(value, Markup):
        return Markup(shown(str(value), keep="\n\t"))
    return shown(str(value), keep="\n\t") if isinstance(value, str) else value


_ENV = Environment(
    loader=PackageLoader("autograder", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    keep_trailing_newline=True,
    finalize=_shown_in_html,
)

#: The report's "failures by cause" as a table a spreadsheet opens (:func:`_write_causes`).
CAUSES_CSV = "causes.csv"

#: nbgrader's `nbgrader export` columns, in its order.
NBGRADER_COLUMNS = [
    "assignment",
    "duedate",
    "timestamp",
    "student_id",
    "last_name",
    "first_name",
    "email",
    "raw_score",
    "late_submission_penalty",
    "score",
    "max_score",
]


def _sections(report: Report) -> list[tuple[str, list]]:
    return [
        (g, [r for r in report.results if r.grade_id == g])
        for g in registry().grade_ids
        if any(r.grade_id == g for r in report.results)
    ]


def titled(report: Report) -> str:
    """Whose feedback it is, as its title names it: the student and the file handed in
    ("Ada Lovelace (hw.ipynb)", "Ada Lovelace (no notebook)"), the file alone where no
    class folder names the student."""
    if not report.student or report.student == Path(report.submission).stem:
        return report.submission
    if report.submission.startswith("("):
        return f"{report.student} {report.submission}"
    return f"{report.student} ({report.submission})"


def feedback_markdown(report: Report, lang: str | None = None) -> str:
    """The student's feedback as markdown, in ``lang`` (default: the edition's, ``report.lang``).

    A submission that could not be graded at all says why once, at the top: its checks
    are listed with their points, not each with the same message."""
    say = speaking(lang or report.lang)
    lines = [f"# {say.t('feedback_title', submission=titled(report))}", ""]
    lines.append(f"**{say.t('score', score=report.score, max_score=report.max_score)}**")
    lines.append("")
    if say.points(report.max_score):
        lines += [say.points(report.max_score), ""]
    if report.error:
        lines += [say.t("not_graded", error=say.text(report.error)), ""]
    lines += [f"> {say.t('note', note=note)}" for note in report.notes]
    for function, results in _sections(report):
        got = sum(r.score for r in results)
        out_of = sum(r.max_score for r in results)
        lines += ["", f"## {function} ({got:g} / {out_of:g})", ""]
        for r in results:
            mark = say.t("passed") if r.passed else say.t("failed")
            hidden = f" {say.t('hidden_check')}" if not r.public else ""
            title = say.check_name(r.name).split(": ", 1)[1]
            lines.append(f"- **{mark}** {title}{hidden}: {r.score:g}/{r.max_score:g}")
            if not r.passed and not report.error:
                output = say.text(r.output).splitlines()
                lines += ["", "  ```", *("  " + x for x in output), "  ```"]
    return shown("\n".join(lines), keep="\n\t") + "\n"


#: The decision-boundary picture: colours (class 0 blue, class 1 red), the plot's span and
#: the classes' centres, as the assignment's module says (its BOUNDARY_SPAN and
#: BOUNDARY_CENTRES: the probe's grid and the data's means), and its caption.
CLASS_COLOURS = ((0xC9, 0xD7, 0xF0), (0xF4, 0xCC, 0xCC))
CENTRE_COLOURS = ((0x2B, 0x59, 0xC3), (0xC0, 0x39, 0x2B))
SPAN = (-4.0, 7.0)


def _picture(name: str, default):
    return getattr(registry().module, name, default)


PANEL = 240  # pixels a side
_MARGIN = (44, 30, 34)  # left, top, bottom


def _upsample(scores: np.ndarray, size: int) -> np.ndarray:
    """Bilinear interpolation of a square grid to ``size`` x ``size`` points."""
    n = scores.shape[0]
    at = np.linspace(0.0, n - 1.0, size)
    low = np.minimum(at.astype(int), n - 2)
    w = at - low
    rows = scores[low] * (1 - w)[:, None] + scores[low + 1] * w[:, None]
    return rows[:, low] * (1 - w) + rows[:, low + 1] * w


def boundary_panel(outputs) -> np.ndarray:
    """RGB pixels of one panel: predicted class by colour, the 0.5 contour in black.

    ``outputs`` are the trained network's outputs on the probe's grid, row i at
    y = SPAN[0] + i * step (so the image is flipped: its top row is the largest y).
    """
    scores = np.asarray(outputs, dtype=np.float64)
    steps = int(round(np.sqrt(scores.size)))  # the grid is square
    scores = scores.reshape(steps, steps)
    scores = np.nan_to_num(scores, nan=0.0, posinf=1e6, neginf=-1e6)
    fine = _upsample(scores, PANEL)[::-1] > 0.5
    rgb = np.where(fine[..., None], CLASS_COLOURS[1], CLASS_COLOURS[0]).astype(np.uint8)
    edge = np.zeros_like(fine)
    edge[:, 1:] |= fine[:, 1:] != fine[:, :-1]
    edge[1:, :] |= fine[1:, :] != fine[:-1, :]
    rgb[edge] = 0
    return rgb


def _pixel(value: float, span=SPAN) -> float:
    return (value - span[0]) / (span[1] - span[0]) * PANEL


def _hangul_font(size: int):
    """A Pillow font with Hangul glyphs (the NanumGothic that ``koreanize-matplotlib``
    bundles, or Debian's ``fonts-nanum``), or None where the machine has neither."""
    import importlib.util

    from PIL import ImageFont

    spec = importlib.util.find_spec("koreanize_matplotlib")
    folders = [Path(f) / "fonts" for f in ((spec and spec.submodule_search_locations) or [])]
    for folder in [*folders, Path("/usr/share/fonts/truetype/nanum")]:
        path = folder / "NanumGothic.ttf"
        if path.is_file():
            return ImageFont.truetype(str(path), size)
    return None


def boundary_png(report: Report, lang: str | None = None) -> bytes | None:
    """The student's decision boundary beside the reference's, when training ran; its
    titles and axes in ``lang`` (default: the edition's), where a font can draw them.

    Drawn with Pillow rather than matplotlib: it is part of every grading, and
    importing and running matplotlib cost the grading command about half a second.
    """
    pair = next((r.boundary for r in report.results if r.boundary is not None), None)
    if pair is None:
        return None
    from PIL import Image, ImageDraw, ImageFont

    say = speaking(lang or report.lang)
    font = _hangul_font(12) if say.lang != "en" else None
    if font is None:  # no font for its letters: the English words
        say, font = speaking("en"), ImageFont.load_default(size=12)

    left, top, bottom = _MARGIN
    gap = 24
    width = 2 * (left + PANEL) + gap + 12
    image = Image.new("RGB", (width, top + PANEL + bottom), "white")
    draw = ImageDraw.Draw(image)
    span = _picture("BOUNDARY_SPAN", SPAN)
    ticks = [t for t in range(int(span[0]), int(span[1]) + 1) if t % 2 == 0]
    centres = _picture("BOUNDARY_CENTRES", ())
    titles = (say.t("boundary_yours"), say.t("boundary_reference"))
    for k, (outputs, title) in enumerate(zip(pair, titles)):
        x0 = k * (left + PANEL + gap) + left
        image.paste(Image.fromarray(boundary_panel(outputs)), (x0, top))
        for (cx, cy), colour in zip(centres, CENTRE_COLOURS):
            px, py = x0 + _pixel(cx, span), top + PANEL - _pixel(cy, span)
            draw.ellipse((px - 5, py - 5, px + 5, py + 5), fill=colour, outline="black")
        draw.rectangle((x0 - 1, top - 1, x0 + PANEL, top + PANEL), outline="black")
        draw.text((x0 + PANEL / 2, top / 2), title, "black", font, "mm")
        for t in ticks:
            px, py = x0 + _pixel(t, span), top + PANEL - _pixel(t, span)
            draw.line((px, top + PANEL, px, top + PANEL + 4), "black")
            draw.text((px, top + PANEL + 6), str(t), "black", font, "mt")
            draw.line((x0 - 5, py, x0 - 1, py), "black")
            draw.text((x0 - 7, py), str(t), "black", font, "rm")
        draw.text(
            (x0 + PANEL / 2, top + PANEL + bottom - 2), say.t("feature_0"), "black", font, "md"
        )
    label = Image.new("RGB", (80, 16), "white")
    ImageDraw.Draw(label).text((40, 8), say.t("feature_1"), "black", font, "mm")
    image.paste(label.rotate(90, expand=True), (2, top + PANEL // 2 - 40))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def write_feedback(
    folder: Path, report: Report, boundary: bytes | None = None, lang: str | None = None
) -> Path:
    """Write feedback.md and feedback.html into ``folder``, in ``lang`` (default: the
    language of the edition handed in); return the HTML path."""
    boundary = boundary if boundary is not None else boundary_png(report, lang)
    say = speaking(lang or report.lang)
    write_atomic(folder / "feedback.md", feedback_markdown(report, say.lang))
    html = _ENV.get_template("feedback.html.j2").render(
        report=report,
        title=say.t("feedback_title", submission=titled(report)),
        say=say,
        points=say.points(report.max_score),
        sections=_sections(report),
        boundary=base64.b64encode(boundary).decode() if boundary else None,
    )
    path = folder / "feedback.html"
    write_atomic(path, html)
    return path


# --------------------------------------------------------------------------- instructor report


def load_results(folder: Path) -> dict[str, dict]:
    """Every ``<stem>/results.json`` below ``folder``, by submission stem."""
    out = {}
    for path in sorted(folder.glob("*/results.json")):
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if _readable(data):
            out[path.parent.name] = data
    return out


def _readable(data) -> bool:
    """Whether a results.json has the keys the report reads, of their types (a file the
    grader did not write, or a damaged one, is left out rather than stopping the report)."""
    if not isinstance(data, dict) or not isinstance(data.get("tests"), list):
        return False
    numbers = all(isinstance(data.get(k, 0), (int, float)) for k in ("score", "max_score"))
    saved = data.get("report", {})
    return (
        numbers
        and "score" in data
        and isinstance(saved, dict)
        and isinstance(saved.get("results", []), list)
        and all(isinstance(r, dict) for r in saved.get("results", []))
        and all(
            isinstance(t, dict) and isinstance(t.get("name"), str) and "status" in t
            for t in data["tests"]
        )
    )


def _tally(results: dict) -> tuple[list[str], Counter]:
    """Check names in first-seen order, and passes per check."""
    names: list[str] = []
    passed: Counter = Counter()
    for r in results.values():
        for t in r.get("tests", []):
            if t["name"] not in names:
                names.append(t["name"])
            passed[t["name"]] += t["status"] == "passed"
    return names, passed


def who(stem: str, data: dict) -> str:
    """The student a results.json belongs to (:attr:`Report.who`), else its folder's name."""
    saved = data.get("report") or {}
    if saved.get("student"):
        return printable(str(saved["student"]))
    return printable(Path(str(saved.get("submission") or stem)).stem or stem)


def failures(data: dict) -> list[tuple[str, str]]:
    """(check, named mistake or "") for each failed check of one results.json.

    The mistake is the one the judge recorded (``report.results[].mistake``); results
    written before that field existed have it read from the check's message instead.
    """
    saved = {r.get("name"): r for r in (data.get("report") or {}).get("results", [])}
    out = []
    for t in data.get("tests", []):
        if t["status"] == "passed":
            continue
        recorded = saved.get(t["name"], {})
        mistake = recorded["mistake"] if "mistake" in recorded else named_mistake(t["output"])
        out.append((t["name"], mistake or ""))
    return out


def not_graded(data: dict) -> str:
    """Why nothing of one results.json could be graded (one of
    :data:`autograder.judge.NOT_GRADED`: not a notebook, another assignment's...), "" when
    its checks ran.  Results written before the cause was recorded count as unreadable."""
    saved = data.get("report") or {}
    if not saved.get("error"):
        return ""
    cause = saved.get("cause")
    return cause if cause in NOT_GRADED else "unreadable"


@dataclass
class Cause:
    """Why some students lost points: a named mistake, or (where the message names
    none) the failing check itself, or (``whole``) why a submission could not be graded
    at all; who hit it, and in which checks."""

    title: str
    named: bool
    checks: list[str] = field(default_factory=list)
    students: list[str] = field(default_factory=list)
    whole: bool = False


def causes(results: dict) -> list[Cause]:
    """Failures grouped by cause, most students first; each student once per cause.

    A submission nothing of which could be graded (a PDF, an empty file) counts once,
    under why (:func:`not_graded`), not once under each of its checks."""
    found: dict[tuple[bool, str], Cause] = {}
    for stem, data in results.items():
        person = who(stem, data)
        whole = not_graded(data)
        if whole:
            cause = found.setdefault((True, f"\0{whole}"), Cause(whole, True, whole=True))
            if person not in cause.students:
                cause.students.append(person)
            continue
        for check, mistake in failures(data):
            key = (bool(mistake), mistake or check)
            cause = found.setdefault(key, Cause(key[1], key[0]))
            if check not in cause.checks:
                cause.checks.append(check)
            if person not in cause.students:
                cause.students.append(person)
    for cause in found.values():
        cause.students.sort(key=str.casefold)
    return sorted(found.values(), key=lambda c: (-len(c.students), not c.named, c.title))


@dataclass
class Student:
    """One row of the per-student table (``not_graded``: why nothing could be, or "")."""

    who: str
    score: float
    max_score: float
    failed: list[str]
    not_graded: str = ""


def students(results: dict) -> list[Student]:
    """Every graded submission as a row, by name."""
    rows = [
        Student(
            who(stem, data),
            float(data.get("score", 0)),
            float(data.get("max_score", 0)),
            [t["name"] for t in data.get("tests", []) if t["status"] != "passed"],
            not_graded(data),
        )
        for stem, data in results.items()
    ]
    return sorted(rows, key=lambda row: row.who.casefold())


def histogram_svg(scores: list[float], max_score: float) -> str:
    """The grade histogram as inline SVG: one bar per whole point, 0 to the maximum.

    Drawn from numbers only (no student text reaches it), in the report's blue;
    SVG rather than a matplotlib picture, since ``grade`` writes the report after
    every batch and importing matplotlib alone would cost it about half a second.
    """
    top = int(max_score)
    counts = Counter(min(max(int(s), 0), top) for s in scores)
    tallest = max(counts.values(), default=1)
    width, height, left, bottom, step = 680, 200, 36, 28, 620 / (top + 1)
    scale = (height - bottom - 12) / tallest
    parts = [
        f'<svg id="histogram" role="img" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" font-size="11" '
        'font-family="system-ui, sans-serif"><title>histogram of scores</title>',
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - 4}" y2="{height - bottom}" '
        'stroke="#222"/>',
        f'<text x="4" y="16">{tallest}</text><text x="4" y="{height - bottom}">0</text>',
    ]
    for k in range(top + 1):
        x = left + k * step
        bar = counts.get(k, 0) * scale
        if bar:
            parts.append(
                f'<rect x="{x + 1:.1f}" y="{height - bottom - bar:.1f}" width="{step - 2:.1f}" '
                f'height="{bar:.1f}" fill="#4a78b5"><title>{counts[k]} with {k}</title></rect>'
            )
        if (k % 5 == 0 and top - k > 2) or k == top:
            parts.append(
                f'<text x="{x + step / 2:.1f}" y="{height - bottom + 14}" '
                f'text-anchor="middle">{k}</text>'
            )
    parts.append(
        f'<text x="{left + (width - left) / 2:.0f}" y="{height - 2}" text-anchor="middle">'
        f"score (of {max_score:g}); bar height: submissions</text></svg>"
    )
    return "".join(parts)


def _write_export(export: Path, results: dict, assignment: str, max_score: float) -> None:
    """nbgrader's grade export columns, one row per submission (``student_id``: who), and
    the kit's ``flag`` last (:func:`autograder.results.duplicate_flags`); with hand grades
    merged into the folder (:mod:`autograder.hand`), out of the whole total and counting
    them, as ``nbgrader export`` does."""
    from . import hand

    given = hand.stored(export.parent)
    max_score += hand.hand_max() if given else 0.0
    rows: list[list[str | float]] = [[*NBGRADER_COLUMNS, FLAG_COLUMN]]
    people = [who(stem, r) for stem, r in results.items()]
    flags = duplicate_flags(people, list(results))
    for r, student, flag in zip(results.values(), people, flags):
        score = float(r["score"]) + hand.hand_total(given.get(student, {}))
        rows.append([assignment, "", "", student, "", "", "", score, 0.0, score, max_score, flag])
    write_csv(export, rows)


@dataclass
class Duplicate:
    """Several submissions that resolve to one student: each kept, for a person to decide."""

    who: str
    #: (folder under the graded folder, score) of each.
    submissions: list[tuple[str, float]]


def duplicates(results: dict) -> list[Duplicate]:
    """The students with more than one submission in ``results`` (by folder), by name."""
    groups: dict[str, list[str]] = {}
    for stem, data in results.items():
        groups.setdefault(student_key(who(stem, data)), []).append(stem)
    found = [
        Duplicate(who(same[0], results[same[0]]), [(s, float(results[s]["score"])) for s in same])
        for same in groups.values()
        if len(same) > 1
    ]
    return sorted(found, key=lambda d: d.who.casefold())


def _summary(results: dict, say: Language | None = None) -> dict:
    """The numbers and groupings both the HTML and the markdown report show, the check
    names and causes in ``say``'s language (results on disk are English)."""
    say = say or language(SOURCE_LANG)
    scores = [float(r["score"]) for r in results.values()]
    max_score = max(float(r.get("max_score", 0)) for r in results.values())
    names, passed = _tally(results)
    n = len(results)
    ordered = sorted(scores)
    return {
        "n": n,
        "scores": scores,
        "mean": sum(scores) / n,
        "median": ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2,
        "max_score": max_score,
        "points": say.points(max_score),
        "full": sum(s == max_score for s in scores),
        "zero": sum(s == 0 for s in scores),
        "checks": [(say.check_name(name), passed[name] / n, passed[name]) for name in names],
        "causes": [_said(c, say) for c in causes(results)],
        "duplicates": duplicates(results),
        "students": [
            Student(
                r.who,
                r.score,
                r.max_score,
                [say.check_name(f) for f in r.failed],
                say.t(f"not_graded_{r.not_graded}") if r.not_graded else "",
            )
            for r in students(results)
        ],
        "say": say,
    }


def _said(cause: Cause, say: Language) -> Cause:
    """A cause with its title and checks in ``say``'s language."""
    if cause.whole:
        return Cause(say.t(f"not_graded_{cause.title}"), True, [], cause.students, whole=True)
    title = say.text(cause.title) if cause.named else say.check_name(cause.title)
    checks = [say.check_name(c) for c in cause.checks]
    return Cause(title, cause.named, checks, cause.students)


def class_lang(results: dict) -> str:
    """The language most of a class's submissions were written in (English on a tie)."""
    langs = Counter(
        (data.get("report") or {}).get("lang") or SOURCE_LANG for data in results.values()
    )
    top = max(langs.values(), default=0)
    return SOURCE_LANG if langs[SOURCE_LANG] == top else langs.most_common(1)[0][0]


def _cell(text: str) -> str:
    """Text as one markdown table cell: pipes escaped, on one line."""
    return " ".join(str(text).replace("|", "\\|").split())


def report_markdown(summary: dict) -> str:
    """The class report as markdown: who hit which cause, and each student's row."""
    n, top = summary["n"], summary["max_score"]
    say = summary.get("say") or language(SOURCE_LANG)
    lines = [f"# {_report_title(say, n)}", ""]
    lines.append(
        say.t(
            "report_summary",
            mean=f"{summary['mean']:.2f}",
            max_score=top,
            median=summary["median"],
            full=summary["full"],
            zero=summary["zero"],
        )
    )
    if summary["points"]:
        lines += ["", summary["points"]]
    lines += ["", f"## {say.t('by_cause')}", ""]
    if not summary["causes"]:
        lines.append(say.t("no_failure"))
    else:
        head = [say.t(k) for k in ("students_column", "cause", "checks_column", "who")]
        lines += ["| " + " | ".join(head) + " |", "|---:|---|---|---|"]
    for c in summary["causes"]:
        where = _where(c, say)
        lines.append(
            f"| {len(c.students)} | {_cell(c.title)} | {_cell(where)} "
            f"| {_cell(', '.join(c.students))} |"
        )
    if summary.get("duplicates"):
        lines += ["", f"## {say.t('duplicates')}", "", say.t("duplicates_text"), ""]
        lines += [f"| {say.t('student')} | {say.t('folders_column')} |", "|---|---|"]
        for d in summary["duplicates"]:
            each = ", ".join(f"{folder} ({score:g})" for folder, score in d.submissions)
            lines.append(f"| {_cell(d.who)} | {_cell(each)} |")
    head = [say.t(k) for k in ("student", "score_column", "failed_checks")]
    lines += ["", f"## {say.t('students')}", "", "| " + " | ".join(head) + " |", "|---|---:|---|"]
    for row in summary["students"]:
        every = len(row.failed) == len(summary["checks"])
        failed = (
            row.not_graded or (say.t("every_check") if every else ", ".join(row.failed))
            if row.failed
            else say.t("none")
        )
        lines.append(f"| {_cell(row.who)} | {row.score:g} / {row.max_score:g} | {_cell(failed)} |")
    lines += ["", f"## {say.t('pass_rate')}", "", f"| {say.t('check')} | {say.t('passed')} |"]
    lines += [
        "|---|---:|",
        *(f"| {_cell(name)} | {got} / {n} |" for name, _, got in summary["checks"]),
    ]
    return shown("\n".join(lines), keep="\n\t") + "\n"


def _where(cause: Cause, say: Language) -> str:
    """The checks a cause cost, as the report's checks column says it."""
    if cause.whole:
        return say.t("every_check")
    return "; ".join(cause.checks) if cause.named else say.t("this_check")


#: The columns of causes.csv: the report's "failures by cause", one row per cause.
CAUSES_COLUMNS = ["cause", "kind", "students", "who", "checks"]


def _write_causes(path: Path, summary: dict) -> None:
    """causes.csv: each cause, what kind it is (a named mistake, a check that names none,
    a submission not graded), how many students and who, and the checks it cost; written
    by the kit's one CSV writer (:func:`autograder.results.write_csv`)."""
    say = summary["say"]
    rows: list[list[str | float]] = [list(CAUSES_COLUMNS)]
    for c in summary["causes"]:
        kind = "not graded" if c.whole else "named mistake" if c.named else "check failed"
        rows.append([c.title, kind, len(c.students), "; ".join(c.students), _where(c, say)])
    write_csv(path, rows)


def _report_title(say: Language, n: int) -> str:
    """ "Grading report: 1 submission" / "... 2 submissions" (English keeps its plural)."""
    title = say.t("report_title", n=n)
    if say.lang == SOURCE_LANG:
        title = title.replace("submission(s)", "submission" if n == 1 else "submissions")
    return title


def write_report(folder: Path, assignment: str | None = None, lang: str | None = None) -> Path:
    """Write report.html, report.md and nbgrader_export.csv for the graded submissions in
    ``folder``, in ``lang`` (default: the language most submissions were written in);
    return the HTML's path."""
    assignment = assignment or registry().assignment.name
    results = load_results(folder)
    if not results:
        raise FileNotFoundError(f"no */results.json under {folder}: grade some notebooks first")
    summary = _summary(results, speaking(lang or class_lang(results)))
    export = folder / "nbgrader_export.csv"
    _write_export(export, results, assignment, summary["max_score"])
    _write_causes(folder / CAUSES_CSV, summary)
    write_atomic(folder / "report.md", report_markdown(summary))
    html = _ENV.get_template("report.html.j2").render(
        **summary,
        title=_report_title(summary["say"], summary["n"]),
        histogram=histogram_svg(summary["scores"], summary["max_score"]),
        export_name=export.name,
        similar_pairs=_similar_pairs(folder),
    )
    path = folder / "report.html"
    write_atomic(path, html)
    return path


def _similar_pairs(folder: Path) -> int | None:
    """How many pairs ``similar.csv`` ranks (autograder.similar), None when there is none."""
    try:
        with open(folder / "similar.csv", encoding="utf-8") as fh:
            return max(0, sum(1 for _ in fh) - 1)
    except OSError:
        return None


def report_after_batch(folder: Path, lang: str | None = None) -> Path | None:
    """:func:`write_report` at the end of ``grade``: a report that cannot be written is
    said in one line, and costs nothing else (results and grades.csv are written)."""
    import sys

    try:
        return write_report(folder, lang=lang)
    except (OSError, ValueError) as exc:
        print(f"note: the class report was not written: {shown(str(exc))}", file=sys.stderr)
        return None

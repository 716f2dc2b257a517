"""Feedback a student can act on, and a report an instructor can read.

* :func:`write_feedback` writes ``DIR/<stem>/feedback.md`` and ``feedback.html``
  next to ``results.json``: each check's result, message and hint, grouped by
  function (hidden checks never show expected values: their messages do not
  carry them).
* :func:`write_report` reads every ``DIR/*/results.json`` and writes
  ``DIR/report.html`` (grade histogram, each check's pass rate, the most
  common failure messages) and ``DIR/nbgrader_export.csv`` (nbgrader's export
  columns, so a gradebook import works unchanged).

HTML comes from Jinja2 templates (``autograder/templates``): autoescaping keeps
whatever a student's code printed from becoming markup in the page.
"""

from __future__ import annotations

import base64
import csv
import io
import json
from collections import Counter
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from . import ASSIGNMENT
from .checks import GRADE_IDS
from .judge import Report
from .results import write_atomic

_ENV = Environment(
    loader=PackageLoader("autograder", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    keep_trailing_newline=True,
)

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
        for g in GRADE_IDS
        if any(r.grade_id == g for r in report.results)
    ]


def feedback_markdown(report: Report) -> str:
    lines = [f"# Feedback for {report.submission}", ""]
    lines.append(f"**Score: {report.score:g} of {report.max_score:g}**")
    lines.append("")
    if report.error:
        lines += [f"This submission could not be graded: {report.error}", ""]
    lines += [f"> Note: {note}" for note in report.notes]
    for function, results in _sections(report):
        got = sum(r.score for r in results)
        out_of = sum(r.max_score for r in results)
        lines += ["", f"## {function} ({got:g} / {out_of:g})", ""]
        for r in results:
            mark = "passed" if r.passed else "FAILED"
            hidden = " (hidden check)" if not r.public else ""
            lines.append(
                f"- **{mark}** {r.name.split(': ', 1)[1]}{hidden}: {r.score:g}/{r.max_score:g}"
            )
            if not r.passed:
                lines += ["", "  ```", *("  " + x for x in r.output.splitlines()), "  ```"]
    return "\n".join(lines) + "\n"


def boundary_png(report: Report) -> bytes | None:
    """The student's decision boundary beside the reference's, when training ran."""
    pair = next((r.boundary for r in report.results if r.boundary is not None), None)
    if pair is None:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from .checks import BOUNDARY_STEPS

    axis = np.linspace(-4.0, 7.0, BOUNDARY_STEPS)
    fig, axes = plt.subplots(1, 2, figsize=(9, 4), sharey=True)
    for ax, outputs, title in zip(axes, pair, ("your functions", "the reference")):
        scores = np.asarray(outputs, dtype=float).reshape(BOUNDARY_STEPS, BOUNDARY_STEPS)
        if not np.all(np.isfinite(scores)):
            scores = np.nan_to_num(scores, nan=0.0, posinf=1e6, neginf=-1e6)
        ax.contourf(
            axis, axis, scores > 0.5, levels=[-0.5, 0.5, 1.5], colors=["#c9d7f0", "#f4cccc"]
        )
        if scores.min() < 0.5 < scores.max():
            ax.contour(axis, axis, scores, levels=[0.5], colors="k")
        for mean, color in (((0, 3), "#2b59c3"), ((3, 0), "#c0392b")):
            ax.plot(*mean, "o", color=color, markersize=8)
        ax.set_title(f"trained with {title}")
        ax.set_xlabel("feature 0")
    axes[0].set_ylabel("feature 1")
    return _png_bytes(fig, plt)


def _png_bytes(fig, plt, dpi: int = 80) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def write_feedback(folder: Path, report: Report, boundary: bytes | None = None) -> Path:
    """Write feedback.md and feedback.html into ``folder``; return the HTML path."""
    boundary = boundary if boundary is not None else boundary_png(report)
    write_atomic(folder / "feedback.md", feedback_markdown(report))
    html = _ENV.get_template("feedback.html.j2").render(
        report=report,
        sections=_sections(report),
        boundary=base64.b64encode(boundary).decode() if boundary else None,
    )
    path = folder / "feedback.html"
    write_atomic(path, html)
    return path


# --------------------------------------------------------------------------- instructor report


def _png(fig) -> str:
    import matplotlib.pyplot as plt

    return base64.b64encode(_png_bytes(fig, plt, dpi=100)).decode()


def load_results(folder: Path) -> dict[str, dict]:
    """Every ``<stem>/results.json`` below ``folder``, by submission stem."""
    out = {}
    for path in sorted(folder.glob("*/results.json")):
        try:
            out[path.parent.name] = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError):
            continue
    return out


def write_report(folder: Path, assignment: str = ASSIGNMENT) -> Path:
    """Write report.html and nbgrader_export.csv for the graded submissions in ``folder``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    results = load_results(folder)
    if not results:
        raise FileNotFoundError(f"no */results.json under {folder}: grade some notebooks first")
    scores = [float(r["score"]) for r in results.values()]
    max_score = max(float(r.get("max_score", 0)) for r in results.values())
    names: list[str] = []
    passed: Counter = Counter()
    failures: Counter = Counter()
    for r in results.values():
        for t in r.get("tests", []):
            if t["name"] not in names:
                names.append(t["name"])
            if t["status"] == "passed":
                passed[t["name"]] += 1
            else:
                first = t.get("output", "").splitlines()[0] if t.get("output") else ""
                failures[(t["name"], first)] += 1
    n = len(results)

    fig, ax = plt.subplots(figsize=(7, 3))
    ax.hist(
        scores, bins=range(0, int(max_score) + 2), color="#4a78b5", edgecolor="white", align="left"
    )
    ax.set_xlabel(f"score (of {max_score:g})")
    ax.set_ylabel("submissions")
    histogram = _png(fig)

    rates = [passed[name] / n for name in names]
    fig, ax = plt.subplots(figsize=(7, 0.28 * len(names) + 1))
    ax.barh(range(len(names)), rates, color="#4a78b5")
    ax.set_yticks(range(len(names)), [name[:60] for name in names], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of submissions passing")
    passrates = _png(fig)

    export = folder / "nbgrader_export.csv"
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(NBGRADER_COLUMNS)
    for stem, r in results.items():
        score = float(r["score"])
        writer.writerow([assignment, "", "", stem, "", "", "", score, 0.0, score, max_score])
    write_atomic(export, buffer.getvalue())

    ordered = sorted(scores)
    median = ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2
    html = _ENV.get_template("report.html.j2").render(
        n=n,
        mean=sum(scores) / n,
        median=median,
        max_score=max_score,
        full=sum(s == max_score for s in scores),
        zero=sum(s == 0 for s in scores),
        histogram=histogram,
        passrates=passrates,
        checks=[(name, passed[name] / n, passed[name]) for name in names],
        failures=[(count, name, message) for (name, message), count in failures.most_common(15)],
        export_name=export.name,
    )
    path = folder / "report.html"
    write_atomic(path, html)
    return path


def feedback_for(out: Path, reports: list[Report]) -> None:
    for report in reports:
        write_feedback(out / Path(report.submission).stem, report)

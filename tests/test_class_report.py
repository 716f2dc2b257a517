"""The instructor's class report names students: each cause of lost points with who hit it.

A small class is really graded (the solved notebook, the untouched release and the
same corpus mistake handed in by two students), each submission named by a student,
and the report is opened in headless Chromium: the rendered page must list every
cause with exactly the students whose results carry it, most students first, beside
a row per student.  What is expected is computed here from the graded reports and
the master notebook's nbgrader metadata, not from the report's own code.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from browser_tools import chromium, rendered_dom, screenshot
from corpus_tools import RELEASED, SOLVED, entries, materialize
from course_paths import ASSIGNMENT, ROOT

from autograder.batch import grade_paths
from autograder.checks import REGISTRY
from autograder.feedback import failures, report_markdown, write_feedback, write_report
from autograder.judge import named_mistake
from autograder.pool import Limits
from autograder.results import points_sentence, result_dir, write_results

#: notebook stem -> the student who handed it in (distinct, with characters to escape)
STUDENTS = {
    "solved": "Ada Lovelace",
    "untouched": "Bo Chen",
    "relu_a": "Cara O'Neil",
    "relu_b": "Dev <Patel>",
}


def _points() -> tuple[float, float]:
    """(autograded, graded by hand): the checks' points, and the master notebook's
    nbgrader cells a person grades (graded solution cells and tasks)."""
    master = json.loads((ROOT / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text())
    manual = 0.0
    for cell in master["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        if (meta.get("grade") and meta.get("solution")) or meta.get("task"):
            manual += float(meta.get("points", 0))
    return sum(c.points for c in REGISTRY), manual


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("class")
    subs = tmp / "subs"
    subs.mkdir()
    (subs / "solved.ipynb").write_bytes(SOLVED.read_bytes())
    (subs / "untouched.ipynb").write_bytes(RELEASED.read_bytes())
    relu = next(e for e in entries("mistakes") if e.name == "relu_on_output")
    paths = [subs / "solved.ipynb", subs / "untouched.ipynb"]
    for stem in ("relu_a", "relu_b"):
        written = materialize(relu, subs)
        paths.append(written.rename(subs / f"{stem}.ipynb"))
    out = tmp / "graded"
    reports = grade_paths(paths, out, Limits(), jobs=2, progress=False)
    assert (out / "report.html").is_file() and (out / "report.md").is_file()  # grade wrote it
    for report in reports:  # as a class folder names them
        report.student = STUDENTS[Path(report.submission).stem]
        write_results(out, report)
        write_feedback(result_dir(out, report.submission), report)
    return out, reports, write_report(out)


def _expected_causes(reports) -> dict[str, set[str]]:
    """cause -> students, from the reports: the named mistake, else the failing check."""
    found: dict[str, set[str]] = {}
    for report in reports:
        for r in report.results:
            if not r.passed:
                found.setdefault(r.mistake or r.name, set()).add(report.who)
    return found


class _Tables(HTMLParser):
    """Each table's rows as lists of cell texts, by the table's id."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.table = self.row = self.cell = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.table = self.tables.setdefault(dict(attrs).get("id", ""), [])
        elif tag == "tr" and self.table is not None:
            self.row = []
            self.table.append(self.row)
        elif tag in ("td", "th") and self.row is not None:
            self.cell = []
            self.row.append(self.cell)
        elif tag == "li" and self.cell is not None:
            self.cell.append("; ")

    def handle_endtag(self, tag):
        if tag == "table":
            self.table = None
        elif tag in ("td", "th") and self.cell is not None:
            self.row[-1] = " ".join("".join(self.cell).split())
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


@pytest.mark.slow  # grades four notebooks
def test_the_rendered_report_lists_each_cause_with_its_students(graded):
    browser = chromium()
    if browser is None:
        pytest.skip("no Chromium on this machine (.ci/run installs it)")
    out, reports, page = graded
    tables = _Tables()
    tables.feed(rendered_dom(browser, page))
    rows = tables.tables["causes"][1:]
    expected = _expected_causes(reports)
    shown = {}
    for count, cause, people in rows:
        title = max((t for t in expected if cause.startswith(t)), key=len)
        shown[title] = set(people.split(", "))
        assert int(count) == len(shown[title])
    assert shown == expected
    counts = [int(row[0]) for row in rows]
    assert counts == sorted(counts, reverse=True)  # most students first
    # the named mistake both relu students made is one cause, with both of them
    relu = next(t for t in expected if "the last layer applies ReLU" in t)
    assert shown[relu] == {"Cara O'Neil", "Dev <Patel>"}
    assert "Ada Lovelace" not in " ".join(" ".join(r) for r in rows)
    students = {row[0]: row for row in tables.tables["students"][1:]}
    assert set(students) == set(STUDENTS.values())
    for report in reports:
        row = students[report.who]
        assert row[1] == f"{report.score:g} / {report.max_score:g}"
        failed = [r.name for r in report.results if not r.passed]
        if not failed:
            assert row[2] == "none"
        elif len(failed) < len(report.results):
            assert [f.strip() for f in row[2].split(";") if f.strip()] == failed
        else:
            assert row[2] == "every check"
    shot = screenshot(browser, page, out / "report.png", "1200,2600")
    assert shot.stat().st_size > 10_000


@pytest.mark.slow  # grades four notebooks
def test_results_feedback_and_report_say_what_is_graded_by_hand(graded):
    out, reports, page = graded
    autograded, manual = _points()
    assert manual > 0  # the master notebook has a hand-graded answer
    phrase = f"{autograded:g} autograded + {manual:g} graded by hand = {autograded + manual:g}"
    assert phrase in page.read_text() and phrase in (out / "report.md").read_text()
    for report in reports:
        folder = result_dir(out, report.submission)
        data = json.loads((folder / "results.json").read_text())
        assert data["max_score"] == autograded and phrase in data["output"]
        assert sum(h["points"] for h in data["hand_graded"]) == manual
        assert phrase in (folder / "feedback.md").read_text()
        assert phrase in (folder / "feedback.html").read_text()


@pytest.mark.slow  # grades four notebooks
def test_the_markdown_report_lists_each_cause_with_its_students(graded):
    out, reports, _ = graded
    md = (out / "report.md").read_text()
    section = md.split("## Failures by cause", 1)[1].split("## Students", 1)[0]
    lines = [line for line in section.splitlines() if line.startswith("| ") and "---" not in line]
    expected = _expected_causes(reports)
    shown = {}
    for line in lines[1:]:
        count, cause, _, people = [c.strip() for c in line.strip("|").split(" | ")]
        shown[cause] = set(people.split(", "))
        assert int(count) == len(shown[cause])
    assert shown == expected
    for report in reports:
        assert f"| {report.who} | {report.score:g} / {report.max_score:g} |" in md


def test_a_named_mistake_is_read_from_the_message_but_never_from_printed_output():
    title = "the last layer applies ReLU: it must be linear, so outputs below 0 survive"
    assert named_mistake(f"model gives wrong values: {title}.\n  expected: 1") == title
    assert named_mistake("model: x.\n  likely cause: `*` multiplies element by element") == (
        "`*` multiplies element by element"
    )
    assert named_mistake(f"model gives wrong values.\n  your code printed: {title}") == ""
    # results written before CheckResult.mistake existed: read from the message
    old = {
        "tests": [{"name": "model: a", "status": "failed", "output": f"wrong: {title}"}],
        "report": {"results": [{"name": "model: a"}]},
    }
    assert failures(old) == [("model: a", title)]
    new = {"tests": old["tests"], "report": {"results": [{"name": "model: a", "mistake": ""}]}}
    assert failures(new) == [("model: a", "")]


def test_hand_graded_points_come_from_the_master_notebook(tmp_path):
    import nbformat

    from autograder.notebook import hand_graded, read_notebook

    nb = nbformat.v4.new_notebook()
    meta = {"grade": True, "solution": True, "grade_id": "essay", "points": 5, "locked": False}
    task = {"grade": False, "solution": False, "task": True, "grade_id": "t", "points": 1}
    test = {"grade": True, "solution": False, "grade_id": "test_x", "points": 9}
    nb.cells = [
        nbformat.v4.new_markdown_cell("## 3. Discuss (by hand)\n\ntext"),
        nbformat.v4.new_markdown_cell("answer", metadata={"nbgrader": meta}),
        nbformat.v4.new_markdown_cell("do it", metadata={"nbgrader": task}),
        nbformat.v4.new_code_cell("assert True", metadata={"nbgrader": test}),
    ]
    path = tmp_path / "master.ipynb"
    nbformat.write(nb, path)
    found = hand_graded(read_notebook(path))
    assert [(h.grade_id, h.points, h.section) for h in found] == [
        ("essay", 5.0, "3. Discuss"),
        ("t", 1.0, "3. Discuss"),
    ]
    assert points_sentence(20.0, found).startswith("20 autograded + 6 graded by hand = 26 ")
    assert points_sentence(20.0, []) == ""


def test_report_markdown_escapes_table_cells():
    from autograder.feedback import Cause, Student

    summary = {
        "n": 1,
        "mean": 0.0,
        "median": 0.0,
        "max_score": 31.0,
        "points": "",
        "full": 0,
        "zero": 1,
        "checks": [],
        "causes": [Cause("a | b", True, ["c"], ["x|y"])],
        "students": [Student("x|y", 0.0, 31.0, ["c"])],
    }
    md = report_markdown(summary)
    assert "| 1 | a \\| b | c | x\\|y |" in md and "| x\\|y | 0 / 31 | c |" in md


def test_readme_states_the_points_the_data_gives():
    import re

    text = " ".join((ROOT / "README.md").read_text().split())
    autograded, manual = _points()
    stated = re.findall(r"(\d+) autograded \+ (\d+) graded by hand = (\d+) points", text)
    assert stated and all(
        (float(a), float(m), float(t)) == (autograded, manual, autograded + manual)
        for a, m, t in stated
    )
    assert f"worth {autograded:g} points, all autograded" in text
    assert f"total for the assignment is {autograded + manual:g}" in text


def test_a_damaged_results_file_is_left_out_of_the_report(tmp_path):
    good = {
        "score": 1,
        "max_score": 2,
        "output": "",
        "tests": [
            {"name": "model: a", "status": "passed", "output": "passed"},
            {"name": "model: b", "status": "failed", "output": "wrong"},
        ],
        "report": {"student": "Eve", "results": [{"name": "model: b", "mistake": ""}]},
    }
    damaged = [[], {"score": "x", "tests": []}, {"score": 1, "tests": [3]}, "text"]
    for k, data in enumerate([good, *damaged]):
        (tmp_path / f"s{k}").mkdir()
        (tmp_path / f"s{k}" / "results.json").write_text(json.dumps(data))
    (tmp_path / "s9").mkdir()
    (tmp_path / "s9" / "results.json").write_text("{not json")
    page = write_report(tmp_path)
    md = (tmp_path / "report.md").read_text()
    assert "| 1 | model: b | (this check; no named mistake) | Eve |" in md
    assert md.startswith("# Grading report: 1 submission\n") and "Eve" in page.read_text()

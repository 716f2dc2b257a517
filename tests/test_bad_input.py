"""Bad and hostile submissions are graded safely, in one batch.

Every entry of ``tests/corpus/broken/`` (see :mod:`corpus_tools`) and a few raw
files that are not notebooks at all are graded by one :func:`grade_paths` call
with real worker processes.  The rule, per submission: a row in grades.csv and
a results.json; 0 points on the grade_ids it breaks and full points on all the
others; a message that says what went wrong; and nothing it does stops the
batch or reaches the grader.

Entries with time-outs carry short limits (``# limits:``), so the file runs in
about 1.5 minutes on two cores.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from corpus_tools import SOLVED, broken_problems, entries, materialize
from run_scope import grading_uids, owned_by

from autograder import key as answer_key
from autograder.batch import confined, grade_paths
from autograder.checks import GRADE_IDS, REGISTRY, points_by_grade_id
from autograder.judge import grade_notebook
from autograder.notebook import read_notebook, reference_sources, source_path
from autograder.pool import Limits
from autograder.processes import descendants

pytestmark = pytest.mark.slow

#: Entries whose containment needs root (CI runs as root) are not even graded as another
#: user: kill_everyone.py, say, would end the test run itself.
BROKEN = [e for e in entries("broken") if e.needs != "root" or os.geteuid() == 0]

#: Files that are not notebooks: name -> (bytes, a substring of the message).
RAW = {
    "not_json": (b"def layer(inputs, W, b):\n    return inputs @ W + b\n", "not valid JSON"),
    "empty": (b"", "the file is empty"),
    "json_not_notebook": (b'{"name": "my homework", "answer": 42}\n', "without a list of cells"),
    "json_list": (b"[1, 2, 3]\n", "without a list of cells"),
    "cells_not_objects": (
        b'{"cells": [1, 2], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}',
        "a cell is not a JSON object",
    ),
    "binary": (bytes(range(256)) * 4, "not valid JSON"),
    "deeply_nested": (b"[" * 100_000 + b"]" * 100_000, "not valid JSON"),
}
#: Not files at all; they must not hang or stop the batch.
SPECIAL = {"fifo": "not a regular file", "missing": "cannot read", "a_folder": "not a regular file"}
#: A solved notebook whose results folder would clash with grades.csv.
CLASH = "grades.csv.ipynb"
#: What background_process.py and escaping_daemon.py start; they must not survive grading.
SLEEPERS = (b"sleep\x004321\x00", b"sleep\x004322\x00", b"sleep\x004323\x00")

#: Set in the grader's environment while the batch is graded (grader_environment.py).
SECRET = f"secret-{os.getpid()}-not-for-students"
POINTS = points_by_grade_id()
FULL = sum(POINTS.values())


@dataclass
class Graded:
    base: Path
    out: Path
    reports: dict
    seconds: float


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("bad_input")
    subs = base / "submissions"
    subs.mkdir()
    paths, limits_for = [], {}
    for entry in BROKEN:
        path = materialize(entry, subs)
        paths.append(path)
        if entry.limits:
            limits_for[path] = Limits(**entry.limits)
    for name, (data, _) in RAW.items():
        path = subs / f"{name}.ipynb"
        path.write_bytes(data)
        paths.append(path)
    os.mkfifo(subs / "fifo.ipynb")
    (subs / "a_folder.ipynb").mkdir()
    paths += [subs / "fifo.ipynb", subs / "missing.ipynb", subs / "a_folder.ipynb"]
    (subs / CLASH).write_bytes(SOLVED.read_bytes())
    paths.append(subs / CLASH)

    # Workers' temporary folders go under base/tmp, so that what fake_results.py
    # writes into their parents stays inside this test's folder.
    (base / "tmp").mkdir()
    saved, tempfile.tempdir = tempfile.tempdir, str(base / "tmp")
    os.environ["AUTOGRADER_TEST_TOKEN"] = SECRET
    started = time.monotonic()
    try:
        reports = grade_paths(
            paths, base / "graded", Limits(), jobs=2, progress=False, limits_for=limits_for
        )
    finally:
        tempfile.tempdir = saved
        del os.environ["AUTOGRADER_TEST_TOKEN"]
    seconds = time.monotonic() - started
    print(f"\ngraded {len(paths)} bad submissions in {seconds:.1f} s")
    return Graded(
        base, base / "graded", {r.submission.removesuffix(".ipynb"): r for r in reports}, seconds
    )


def _by_grade_id(report) -> dict[str, float]:
    got = {g: 0.0 for g in GRADE_IDS}
    for r in report.results:
        got[r.grade_id] += r.score
    return got


def _failures(report) -> str:
    lines = [f"- {r.name}: {r.output}" for r in report.results if not r.passed]
    return "\n".join(lines + [f"note: {n}" for n in report.notes])


@pytest.mark.parametrize("entry", BROKEN, ids=lambda e: e.name)
def test_broken_submission_loses_only_what_it_breaks(graded, entry):
    if entry.needs == "root" and os.geteuid() != 0:
        pytest.skip("this containment needs the grader to run as root (README: Trust model)")
    report = graded.reports[entry.name]
    assert entry.loses or entry.score, f"{entry.path.name} must say what it loses"
    problems = broken_problems(entry, report)
    assert not problems, f"{entry.why}: {problems}\n{_failures(report)}"


def test_the_graders_environment_reaches_no_result(graded):
    """grader_environment.py looks for SECRET (set where the grader ran) and would put
    it in its error message: no results.json, feedback.md or feedback.html holds it."""
    files = [p for p in graded.out.rglob("*") if p.is_file()]
    assert any(p.name == "feedback.html" for p in files)
    leaked = [str(p) for p in files if SECRET.encode() in p.read_bytes()]
    assert not leaked, leaked


@pytest.mark.parametrize("name", [*RAW, *SPECIAL])
def test_unreadable_file_gets_zero_and_a_reason(graded, name):
    report = graded.reports[name]
    message = RAW[name][1] if name in RAW else SPECIAL[name]
    assert report.score == 0
    assert len(report.results) == len(REGISTRY)
    assert all(not r.passed and message in r.output for r in report.results), report.error
    results = json.loads((graded.out / name / "results.json").read_text())
    assert message in results["output"]


def test_results_folder_never_clashes_with_grades_csv(graded):
    report = graded.reports[CLASH.removesuffix(".ipynb")]
    assert report.score == FULL, _failures(report)
    assert (graded.out / "grades.csv").is_file()
    assert (graded.out / "_grades.csv" / "results.json").is_file()


def test_every_submission_has_its_row_and_true_results(graded):
    """Also after fake_results.py overwrote every results.json and grades.csv it found."""
    with open(graded.out / "grades.csv", newline="") as fh:
        rows = {row["submission"]: row for row in csv.DictReader(fh)}
    assert len(rows) == len(graded.reports)
    for stem, report in graded.reports.items():
        row = rows[report.submission]
        assert float(row["score"]) == report.score
        folder = "_grades.csv" if report.submission == CLASH else stem
        results = json.loads((graded.out / folder / "results.json").read_text())
        assert results["score"] == report.score, f"{stem}: results.json was tampered with"
        assert results["output"] != "FAKE"
        assert len(results["tests"]) == len(report.results)


def test_student_code_wrote_nothing_into_the_results_folder(graded):
    """Workers run in a temporary folder; what they write into its parents is not read."""
    expected = {"grades.csv"} | {
        f"{'_grades.csv' if r.submission == CLASH else s}/results.json"
        for s, r in graded.reports.items()
    }
    files = [p for p in graded.out.rglob("*") if p.is_file()]
    found = {
        str(p.relative_to(graded.out)) for p in files if p.name in ("results.json", "grades.csv")
    }
    assert found == expected
    # what quotes the submission's own code (kept for `similar`) holds its words, not its acts
    from autograder.similar import CODE_FILE, CSV_NAME, HTML_NAME

    quoting = {CODE_FILE, CSV_NAME, HTML_NAME}
    assert not [p for p in files if p.name not in quoting and b"FAKE" in p.read_bytes()]
    # Its workers ran in their own view, where nothing of the grader's folders is.
    assert not (graded.base / "tmp" / "grades.csv").exists()


def _survivors(tmp: Path) -> list[tuple]:
    """Processes a submission started (this run's sleepers: another run's grading may have
    its own for the moment; or anything working under ``tmp``)."""
    found = []
    run_uids = grading_uids()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes()
            cwd = os.readlink(proc / "cwd")
            uid = proc.stat().st_uid
        except OSError:
            continue
        if (cmdline.startswith(SLEEPERS) and uid in run_uids) or cwd.startswith(str(tmp)):
            found.append((proc.name, cmdline[:80], cwd))
    # ... and anything below this process in another PID namespace: a worker's
    # (cpu_flood.py's spinning children, say).
    ours = os.readlink("/proc/self/ns/pid")
    for pid in descendants(os.getpid()):
        try:
            if os.readlink(f"/proc/{pid}/ns/pid") != ours:
                found.append((str(pid), b"in a worker's PID namespace", ""))
        except OSError:
            continue
    return found


def test_root_followed_no_planted_link(graded):
    """plant_symlinks.py pointed links at the answer key where root creates and
    chowns a worker's files; the key must still be root's, and unchanged."""
    key = answer_key.key_path()
    info = key.stat()
    assert (info.st_uid, info.st_gid) == (os.geteuid(), os.getegid())
    assert answer_key.load() is not None  # loads, and (below) matches its digest
    assert not [p for p in (graded.base / "tmp").rglob("*") if p.is_symlink()]


def test_nothing_left_in_tmp_or_shared_memory(graded):
    """Nothing of this run's workers (their uids: another run beside it has its own)."""
    left = [
        p
        for d in ("/tmp", "/var/tmp", "/dev/shm")
        for pattern in ("autograder-leftover-*", "autograder-sibling-*")
        for p in Path(d).glob(pattern)
    ]
    assert not owned_by(left, grading_uids()), left
    pwned = owned_by(Path("/tmp").glob("autograder-pwned-*"), grading_uids())
    assert not pwned, "the fork server ran a pickle"


def test_no_student_process_outlives_grading(graded):
    assert not _survivors(graded.base / "tmp")
    # ... and their temporary folders are gone.
    assert not list((graded.base / "tmp").glob("autograder-worker-*"))


#: Hostile entries graded again with both workers at once (one submission on a
#: machine with a core to spare, as `grade` on one notebook or Gradescope runs it).
PARALLEL = (
    "kill_forkserver",
    "kill_process_group",
    "infinite_loop_top",
    "os_exit_top",
    "sys_exit_top",
    "background_process",
    "escaping_daemon",
    "sibling_worker_channel",
    "read_the_checkout",
)


def test_hostile_submissions_score_the_same_with_parallel_workers(graded):
    key, source, refs = answer_key.load(), read_notebook(source_path()), reference_sources()
    tmp = graded.base / "tmp_parallel"
    tmp.mkdir()
    saved, tempfile.tempdir = tempfile.tempdir, str(tmp)
    try:
        for name in PARALLEL:
            entry = next(e for e in BROKEN if e.name == name)
            limits = Limits(**entry.limits) if entry.limits else Limits()
            path = graded.base / "submissions" / f"{name}.ipynb"
            limits = confined([path], limits, {}, 1).get(path, limits)
            report = grade_notebook(path, key, source, refs, limits, parallel=True)
            assert _by_grade_id(report) == _by_grade_id(graded.reports[name]), (
                f"{name}:\n{_failures(report)}"
            )
    finally:
        tempfile.tempdir = saved
    assert not _survivors(tmp)
    assert not list(tmp.glob("autograder-worker-*"))


# --------------------------------------------------------------------------- the command line

#: Another course's notebook: nbgrader cells, none of this assignment's.
OTHER_ASSIGNMENT = {
    "cells": [
        {
            "cell_type": "code",
            "execution_count": None,
            "id": "q1",
            "metadata": {"nbgrader": {"grade_id": "fit_line", "solution": True, "grade": False}},
            "outputs": [],
            "source": "def fit_line(x, y):\n    return np.polyfit(x, y, 1)\n",
        }
    ],
    "metadata": {},
    "nbformat": 4,
    "nbformat_minor": 5,
}
EMPTY_NOTEBOOK = {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


@pytest.fixture(scope="module")
def command(tmp_path_factory):
    """One ``grade`` run: good notebooks (one with a Latin-1 file name, as a Linux disk
    may hold it), a path that does not exist, another assignment's notebook, an empty
    notebook and a text file."""
    from corpus_tools import run_grade

    base = tmp_path_factory.mktemp("command")
    good = base / "good.ipynb"
    good.write_bytes(SOLVED.read_bytes())
    latin = Path(os.fsdecode(bytes(base) + b"/\xe9l\xe8ve.ipynb"))
    latin.write_bytes(SOLVED.read_bytes())
    (base / "hw2.ipynb").write_text(json.dumps(OTHER_ASSIGNMENT))
    (base / "blank.ipynb").write_text(json.dumps(EMPTY_NOTEBOOK))
    (base / "notes.txt").write_text("my answers are in the other file\n")
    missing = base / "typo" / "misssing.ipynb"
    names = [good, missing, latin, base / "hw2.ipynb", base / "blank.ipynb", base / "notes.txt"]
    done = run_grade(*names, "--out", base / "out", "--quiet")
    return base / "out", done, missing


def test_a_missing_path_is_named_and_the_others_are_graded(command):
    out, done, missing = command
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    lines = [line for line in done.stderr.splitlines() if str(missing) in line]
    assert lines == [f"error: {missing}: no such file or folder"]
    with open(out / "grades.csv", newline="") as fh:
        rows = {row["student"]: row for row in csv.DictReader(fh)}
    assert set(rows) == {"good", "\ufffdl\ufffdve", "hw2", "blank", "notes"}
    assert float(rows["good"]["score"]) == FULL
    assert float(rows["\ufffdl\ufffdve"]["score"]) == FULL


@pytest.mark.parametrize("student", ["hw2", "blank"])
def test_another_assignments_notebook_is_named_as_such(command, student):
    out, _, _ = command
    results = json.loads((out / student / "results.json").read_text())
    feedback = (out / student / "feedback.md").read_text()
    said = "this is not three_layer_classifier"
    assert results["score"] == 0
    assert said in results["output"] and said in feedback
    assert all(said in test["output"] for test in results["tests"])
    if student == "hw2":
        assert "another assignment's (fit_line)" in results["output"]


def test_a_file_that_is_not_a_notebook_says_so(command):
    out, _, _ = command
    results = json.loads((out / "notes" / "results.json").read_text())
    assert "notes.txt is not a Jupyter notebook" in results["output"]


@pytest.mark.parametrize("case", ["a file", "under a file", "a read-only folder"])
def test_an_unwritable_out_is_refused_before_grading(tmp_path, case):
    from corpus_tools import run_grade

    good = tmp_path / "good.ipynb"
    good.write_bytes(SOLVED.read_bytes())
    (tmp_path / "file").write_text("")
    out = {"a file": "file", "under a file": "file/graded", "a read-only folder": "ro"}[case]
    if case == "a read-only folder":
        if os.geteuid() == 0:
            pytest.skip("root writes into a read-only folder; the file cases stand for it")
        (tmp_path / "ro").mkdir(mode=0o555)
    done = run_grade(good, "--out", tmp_path / out)
    assert done.returncode == 2
    assert done.stdout == ""
    assert len(done.stderr.splitlines()) == 1 and f"--out {tmp_path / out}" in done.stderr
    assert "Traceback" not in done.stderr
    assert not list(tmp_path.rglob("grades.csv")) and not list(tmp_path.rglob("results.json"))


def test_demo_refuses_an_out_that_is_a_file_in_one_line(tmp_path):
    """``demo --out FILE`` was an internal error (exit 3, FileExistsError); it is a usage
    error, said in one line, like grade's."""
    import subprocess
    import sys

    from corpus_tools import ROOT

    target = tmp_path / "file"
    target.write_text("mine")
    done = subprocess.run(
        [sys.executable, "-m", "autograder", "demo", "--assignment", "three_layer_classifier",
         "--out", str(target)],
        capture_output=True, text=True, cwd=ROOT, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == f"error: --out {target}: is a file, not a folder"
    assert target.read_text() == "mine"

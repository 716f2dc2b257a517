"""Grade on arrival: ``python -m autograder watch`` on a real nbgrader exchange and an inbox.

The exchange is a temporary folder laid out as nbgrader's (``<root>/<course_id>/inbound``,
``outbound/<assignment>/``); students hand in with real ``nbgrader submit`` (each with
``--student``, nbgrader's own way to name one, and a cache of their own) and read their
feedback with real ``nbgrader fetch_feedback``.  The watcher runs as an instructor runs
it, a process of its own from this checkout; it is killed with SIGKILL and started again,
and stopped with SIGTERM, and /proc says whether anything it started is left.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from corpus_tools import entries, materialize, run_grade
from course_paths import ROOT
from test_stale_key import change_one_probe_seed, copy_kit

from autograder import course
from autograder.processes import descendants, proc_stat

pytestmark = pytest.mark.slow

COURSE_ID = "tf-watch-test"
ASSIGNMENTS = course.assignment_names(ROOT)
FIRST = "three_layer_classifier"


def _env(kit: Path = ROOT, **extra: str) -> dict:
    env = dict(os.environ, PYTHONPATH=str(kit), TF_CPP_MIN_LOG_LEVEL="3", **extra)
    env.pop(course.ASSIGNMENT_ENV, None)  # the watcher watches every assignment
    env.pop(course.COURSE_ENV, None)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return env


def start_watcher(out: Path, *args: str, kit: Path = ROOT) -> subprocess.Popen:
    log = open(out.parent / f"{out.name}-console-{time.monotonic_ns()}.txt", "w")  # noqa: SIM115
    return subprocess.Popen(
        [sys.executable, "-m", "autograder", "watch", "--out", str(out), *args],
        cwd=kit,
        env=_env(kit),
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )


def console(out: Path) -> str:
    """What the watchers writing into ``out`` printed (stdout and stderr)."""
    return "".join(p.read_text() for p in sorted(out.parent.glob(f"{out.name}-console-*")))


def ledger(out: Path) -> dict:
    try:
        return json.loads((out / ".watch" / "ledger.json").read_text())["entries"]
    except (OSError, ValueError, KeyError):
        return {}


def wait_for(predicate, what: str, watcher: subprocess.Popen | None = None, seconds=600):
    """Poll ``predicate`` until it is true; fail naming ``what`` (and a watcher that died)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if watcher is not None and watcher.poll() is not None:
            pytest.fail(f"the watcher exited ({watcher.returncode}) waiting for {what}")
        time.sleep(0.3)
    pytest.fail(f"timed out waiting for {what}")


def started_at(pid: int) -> str | None:
    """When ``pid`` started (so a reused pid is not taken for it); None once it is gone
    or a zombie (dead: it runs nothing, and waits for init to reap it)."""
    fields = proc_stat(pid)
    alive = fields is not None and len(fields) > 19 and fields[0] not in ("Z", "X")
    return fields[19] if alive else None


def assert_stops_cleanly(watcher: subprocess.Popen, least: int) -> None:
    """SIGTERM: exit 0, and none of the processes below it (at least ``least`` of them
    when it was signalled) still runs."""
    below = {pid: started_at(pid) for pid in descendants(watcher.pid)}
    assert len(below) >= least, below
    watcher.send_signal(signal.SIGTERM)
    assert watcher.wait(timeout=120) == 0
    left = [pid for pid, start in below.items() if start and started_at(pid) == start]
    assert not left, [(p, proc_stat(p)) for p in left]


# --------------------------------------------------------------------------- nbgrader


def make_exchange(root: Path) -> Path:
    """nbgrader's exchange with every assignment released (outbound), as
    ``nbgrader release_assignment`` leaves it."""
    course_dir = root / COURSE_ID
    (course_dir / "inbound").mkdir(parents=True)
    os.chmod(course_dir / "inbound", 0o777)
    for name in ASSIGNMENTS:
        shutil.copytree(ROOT / "release" / name, course_dir / "outbound" / name)
    return root


def nbgrader(student_home: Path, student: str, exchange: Path, *args: str) -> str:
    """A real nbgrader student command, run from the student's folder as that student."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "nbgrader",
            *args,
            f"--student={student}",
            f"--Exchange.root={exchange}",
            f"--CourseDirectory.course_id={COURSE_ID}",
            f"--Exchange.cache={student_home / '.cache'}",
        ],  # fmt: skip
        cwd=student_home,
        env=_env(USER=student),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return done.stderr


def submit(tmp: Path, exchange: Path, student: str, notebook: Path, assignment=FIRST) -> str:
    """``nbgrader submit`` of ``notebook`` as ``student``; the inbound folder's name."""
    home = tmp / "students" / student
    work = home / assignment
    work.mkdir(parents=True, exist_ok=True)
    shutil.copy(notebook, work / f"{assignment}.ipynb")
    before = set(os.listdir(exchange / COURSE_ID / "inbound"))
    nbgrader(home, student, exchange, "submit", assignment)
    (new,) = set(os.listdir(exchange / COURSE_ID / "inbound")) - before
    return new


def fetch_feedback(tmp: Path, exchange: Path, student: str, assignment=FIRST) -> list[str]:
    """``nbgrader fetch_feedback`` as ``student``: the feedback files it fetched."""
    home = tmp / "students" / student
    nbgrader(home, student, exchange, "fetch_feedback", assignment)
    return sorted(
        p.read_text() for p in (home / assignment / "feedback").glob(f"*/{assignment}.html")
    )


def graded(out: Path, *names: str):
    found = ledger(out)
    return all(n in found for n in names) and found


def corpus_notebook(kind: str, name: str, folder: Path, assignment=FIRST) -> Path:
    entry = next(e for e in entries(kind, assignment) if e.name == name)
    return materialize(entry, folder)


def test_the_watcher_grades_nbgrader_submissions_as_they_land(tmp_path):
    exchange = make_exchange(tmp_path / "exchange")
    out = tmp_path / "out"
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    mistake = corpus_notebook("mistakes", "relu_on_output", notebooks)
    solved = {n: ROOT / "solutions" / n / f"{n}.ipynb" for n in ASSIGNMENTS}
    hostile = [
        corpus_notebook("broken", n, notebooks)
        for n in ("read_the_checkout", "write_the_kit_from_the_kernel")
    ]

    watcher = start_watcher(out, f"--exchange={exchange}", f"--course-id={COURSE_ID}")
    try:
        # alice hands in a mistake, bob each assignment's solved notebook
        first = submit(tmp_path, exchange, "alice", mistake)
        bobs = [submit(tmp_path, exchange, "bob", solved[n], n) for n in ASSIGNMENTS]
        wait_for(lambda: graded(out, first, *bobs), "alice's and bob's grades", watcher)
        alice_first = fetch_feedback(tmp_path, exchange, "alice")
        assert len(alice_first) == 1
        record = ledger(out)
        assert record[first]["score"] < record[first]["max_score"]
        assert (
            f"Score: {record[first]['score']:g} of {record[first]['max_score']:g}" in alice_first[0]
        )
        for name, entry in zip(ASSIGNMENTS, bobs):
            assert record[entry]["score"] == record[entry]["max_score"] > 0, name
            (bob_feedback,) = fetch_feedback(tmp_path, exchange, "bob", name)
            full = f"{record[entry]['max_score']:g}"
            assert f"Score: {full} of {full}" in bob_feedback, name
            bob_results = json.loads((out / name / "bob" / "results.json").read_text())
            assert bob_results["score"] == bob_results["max_score"]

        # alice resubmits, solved: her grade in --out is replaced, both feedbacks fetched
        second = submit(tmp_path, exchange, "alice", solved[FIRST])
        wait_for(lambda: graded(out, second), "alice's resubmission", watcher)
        results = json.loads((out / FIRST / "alice" / "results.json").read_text())
        assert results["score"] == results["max_score"] == ledger(out)[second]["score"]
        with open(out / FIRST / "grades.csv") as fh:
            rows = {r["student"]: r for r in csv.DictReader(fh)}
        assert set(rows) == {"alice", "bob"}
        assert float(rows["alice"]["score"]) == results["max_score"]
        assert len(fetch_feedback(tmp_path, exchange, "alice")) == 2
    finally:
        watcher.kill()  # SIGKILL: no chance to tidy up
        watcher.wait(timeout=60)

    # while it is down, two hostile submissions land; started again, it grades those only
    landed = [submit(tmp_path, exchange, s, nb) for s, nb in zip(("mallory", "trudy"), hostile)]
    watcher = start_watcher(out, f"--exchange={exchange}", f"--course-id={COURSE_ID}")
    try:
        wait_for(lambda: graded(out, *landed), "the submissions that landed meanwhile", watcher)
        time.sleep(2)  # a second look at everything: nothing more is graded
        log = (out / "grader.log").read_text()
        for entry in [first, second, *bobs, *landed]:
            assert log.count(f"graded {entry} ") == 1, entry
        # contained as `grade` contains them: the same points
        flat = tmp_path / "flat"
        flat.mkdir()
        for student, notebook in zip(("mallory", "trudy"), hostile):
            shutil.copy(notebook, flat / f"{student}.ipynb")
        done = run_grade("--assignment", FIRST, "--out", tmp_path / "by-grade", "--quiet", flat)
        assert done.returncode == 0, done.stderr[-2000:]
        for student, entry in zip(("mallory", "trudy"), landed):
            by_grade = json.loads((tmp_path / "by-grade" / student / "results.json").read_text())
            watched = json.loads((out / FIRST / student / "results.json").read_text())
            assert watched["score"] == by_grade["score"] == by_grade["max_score"], student
            assert ledger(out)[entry]["score"] == by_grade["score"]
            assert fetch_feedback(tmp_path, exchange, student)
        assert_stops_cleanly(watcher, least=1)
    finally:
        if watcher.poll() is None:
            watcher.kill()


# --------------------------------------------------------------------------- an inbox


def test_an_inbox_is_graded_per_assignment_and_sigterm_mid_grading_leaves_nothing(tmp_path):
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    watcher = start_watcher(out, f"--inbox={inbox}")
    try:
        for name in ASSIGNMENTS:  # each assignment's solved notebook, told by its cells
            shutil.copy(ROOT / "solutions" / name / f"{name}.ipynb", inbox / f"{name}-ann.ipynb")
        # a name that would clear the screen of whoever reads the log
        hostile_name = "mal\x1b[2Jlory\u202e.ipynb"
        shutil.copy(ROOT / "solutions" / FIRST / f"{FIRST}.ipynb", inbox / hostile_name)
        wanted = [f"{n}-ann.ipynb" for n in ASSIGNMENTS] + [hostile_name]
        wait_for(lambda: graded(out, *wanted), "the inbox's notebooks", watcher)
        for name in ASSIGNMENTS:
            results = json.loads((out / name / f"{name}-ann" / "results.json").read_text())
            assert results["assignment"] == name
            assert results["score"] == results["max_score"] > 0
            assert (out / name / f"{name}-ann" / "feedback.html").is_file()
        assert ledger(out)[hostile_name]["folder"] == "mal_x1b_2Jlory_u202e"
        assert (out / FIRST / "mal_x1b_2Jlory_u202e" / "results.json").is_file()
        for text in (out / "grader.log").read_text(), console(out):
            assert "\x1b" not in text and "\u202e" not in text
            assert "mal\\x1b[2Jlory\\u202e" in text
        # a flood of processes lands: SIGTERM while its workers run
        flood = corpus_notebook("broken", "cpu_flood", tmp_path)
        shutil.copy(flood, inbox / ".flood.ipynb.part")
        os.rename(inbox / ".flood.ipynb.part", inbox / "flood.ipynb")
        wait_for(lambda: len(descendants(watcher.pid)) > 20, "the flood's processes", watcher)
        assert_stops_cleanly(watcher, least=20)
        assert "flood.ipynb" not in ledger(out)  # graded again at the next start
    finally:
        if watcher.poll() is None:
            watcher.kill()


# --------------------------------------------------------------------------- a stale key


def test_a_stale_key_stops_the_watcher_before_and_while_it_runs(tmp_path):
    kit = copy_kit(tmp_path / "kit")
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    checks = kit / "source" / FIRST / "checks.toml"
    original = checks.read_text()
    change_one_probe_seed(kit)
    refused = subprocess.run(
        [sys.executable, "-m", "autograder", "watch", "--out", str(out), f"--inbox={inbox}"],
        cwd=kit, env=_env(kit), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    lines = [line for line in refused.stderr.splitlines() if line.strip()]
    assert refused.returncode == 2, refused.stderr[-2000:]
    assert len(lines) == 1 and "stale" in lines[0] and "python -m autograder release" in lines[0]
    assert not out.exists()

    checks.write_text(original)  # the key fits again: it starts, and grades
    watcher = start_watcher(out, f"--inbox={inbox}", f"--assignment={FIRST}", kit=kit)
    try:
        shutil.copy(kit / "solutions" / FIRST / f"{FIRST}.ipynb", inbox / "ann.ipynb")
        wait_for(lambda: graded(out, "ann.ipynb"), "ann's grade", watcher)
        change_one_probe_seed(kit)  # stale now: the next submission is not graded
        shutil.copy(kit / "solutions" / FIRST / f"{FIRST}.ipynb", inbox / "ben.ipynb")
        assert watcher.wait(timeout=300) == 2
    finally:
        if watcher.poll() is None:
            watcher.kill()
    assert "ben.ipynb" not in ledger(out)
    assert not (out / "ben").exists()
    last = (out / "grader.log").read_text().splitlines()[-2]
    assert "stale" in last and "stopped grading" in last, last

    # `release` rebuilds the key while it runs: it fits the kit, but not the checks this
    # process loaded, so the watcher stops rather than grading against it
    checks.write_text(original)
    (inbox / "ben.ipynb").unlink()  # it lands once the key is rebuilt
    watcher = start_watcher(out, f"--inbox={inbox}", f"--assignment={FIRST}", kit=kit)
    try:
        wait_for(lambda: "watching" in (out / "grader.log").read_text().split(" INFO watch ")[-1],
                 "the watcher's start", watcher)  # fmt: skip
        rebuilt = kit / "source" / FIRST / "answer_key.json"
        data = rebuilt.read_bytes().replace(b"\n", b"\n\n", 1)  # a key written anew
        rebuilt.write_bytes(data)
        rebuilt.with_suffix(".sha256").write_text(hashlib.sha256(data).hexdigest() + "\n")
        shutil.copy(kit / "solutions" / FIRST / f"{FIRST}.ipynb", inbox / "ben.ipynb")
        assert watcher.wait(timeout=300) == 2
    finally:
        if watcher.poll() is None:
            watcher.kill()
    assert "ben.ipynb" not in ledger(out)
    last = (out / "grader.log").read_text().splitlines()[-2]
    assert "changed while the watcher ran" in last, last


# --------------------------------------------------------------------------- the API


def test_grade_one_returns_the_result_and_its_feedback(tmp_path):
    from autograder.api import grade_one

    for name in ASSIGNMENTS:  # the assignment told by the notebook
        result = grade_one(ROOT / "solutions" / name / f"{name}.ipynb", out=tmp_path / name)
        assert result["assignment"] == name
        assert result["score"] == result["max_score"] > 0
        assert all(t["status"] == "passed" for t in result["tests"])
        assert Path(result["feedback_html"]).is_file()
        saved = json.loads(Path(result["results_json"]).read_text())
        assert saved["score"] == result["score"]
    mistake = corpus_notebook("mistakes", "relu_on_output", tmp_path)
    result = grade_one(mistake, FIRST)
    failed = {t["name"].split(":")[0] for t in result["tests"] if t["status"] == "failed"}
    assert "model" in failed and result["score"] < result["max_score"]
    assert Path(result["feedback_html"]).read_text().count("last layer applies ReLU") >= 1

"""The judge (the grading process: root in CI and on Gradescope, in no cgroup) stays small
whatever a worker writes to it, and runs under a memory limit of its own.

``oversized_reply.py`` (tests/corpus/three_layer_classifier/broken/) writes a 60 MB frame
and a 6 MB frame of 2 million values on its worker's connection to the judge; the judge
once read and decoded such a frame whole (peak memory 3.0 GB instead of 59 MB).  Here the
grade command grades it beside the solved notebook, as a process of its own, and its peak
resident memory is measured from inside (``getrusage`` of that process alone, not of its
workers).  The solved notebook of every assignment is graded under the default limit and
keeps full marks.  ``tests/test_pool.py`` tests the reading function itself.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from corpus_tools import broken_problems, entries, materialize
from course_paths import ROOT

from autograder import pool
from autograder.judge import Report

pytestmark = pytest.mark.slow

ASSIGNMENTS = sorted(p.parent.name for p in (ROOT / "source").glob("*/assignment.toml"))
#: Runs ``python -m autograder ARGS`` in this process and writes its peak resident set (KB)
#: to the file named by AUTOGRADER_TEST_PEAK when it exits (autograder's __main__ runs the
#: exit handlers before its os._exit).
MEASURED = """
import atexit, os, resource, runpy, sys
def peak():
    with open(os.environ["AUTOGRADER_TEST_PEAK"], "w") as fh:
        fh.write(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))
atexit.register(peak)
sys.argv = ["autograder", *sys.argv[1:]]
runpy.run_module("autograder", run_name="__main__", alter_sys=True)
"""
#: Far over what grading two notebooks holds (75 to 85 MB resident, measured), far under what
#: reading and decoding the oversized frames whole took (1.5 GB here, 3.0 GB in issue 25).
PEAK_MB = 400


def _grade_measured(tmp: Path, assignment: str, notebooks: list[Path]):
    """Grade ``notebooks`` with the grade command (default limits); its output, its peak
    resident memory in MB, and the reports by submission name."""
    out = tmp / "graded"
    peak = tmp / "peak"
    env = {k: v for k, v in os.environ.items() if k != pool.JUDGE_MEMORY_VARIABLE}
    env.update(PYTHONPATH=str(ROOT), AUTOGRADER_TEST_PEAK=str(peak))
    command = [sys.executable, "-c", MEASURED, "grade", *map(str, notebooks)]
    command += ["--out", str(out), "--quiet", "--assignment", assignment]
    done = subprocess.run(
        command, capture_output=True, text=True, cwd=ROOT, env=env, timeout=900, check=False
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    reports = {}
    for results in out.glob("*/results.json"):
        report = Report.from_dict(json.loads(results.read_text())["report"])
        reports[report.submission.removesuffix(".ipynb")] = report
    log = (out / "grader.log").read_text()
    return int(peak.read_text()) / 1024, reports, log


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_an_oversized_reply_costs_its_own_points_and_the_judge_stays_small(tmp_path, assignment):
    solved = ROOT / "solutions" / assignment / f"{assignment}.ipynb"
    attacks = [e for e in entries("broken", assignment) if e.name == "oversized_reply"]
    notebooks = [materialize(e, tmp_path) for e in attacks] + [solved]
    peak, reports, log = _grade_measured(tmp_path, assignment, notebooks)
    print(f"\n{assignment}: the judge's peak resident memory was {peak:.0f} MB")
    # The solved notebook keeps full marks under the judge's default memory limit.
    honest = reports[assignment]
    assert honest.score == honest.max_score, [r.output for r in honest.results if not r.passed]
    assert f"the judge's memory limit: {pool.JUDGE_MEMORY_MB} MB of data" in log
    for entry in attacks:
        problems = broken_problems(entry, reports[entry.name])
        assert not problems, f"{entry.why}: {problems}"
    assert peak < PEAK_MB < pool.JUDGE_MEMORY_MB, f"the judge peaked at {peak:.0f} MB"


def test_the_oversized_reply_is_in_the_first_assignments_corpus():
    """(The test above grades it only where the entry exists.)"""
    assert [e.name for e in entries("broken") if e.name == "oversized_reply"]


LIMITED = """
import os, resource, sys
from multiprocessing import util
from autograder import pool

pool.context()  # installs the judge's way of starting processes (pool._start_clean)
used = int(open("/proc/self/status").read().split("VmData:")[1].split()[0]) // 1024
CHILD = "import os, resource; os.write(%d, repr(resource.getrlimit(resource.RLIMIT_DATA)).encode())"
with pool.judge_memory(used + 200):
    try:
        bytearray(400 * 1024 * 1024)
        print("allocated 400 MB under the limit")
    except MemoryError:
        print("MemoryError under the limit")
    read, write = os.pipe()
    child = [sys.executable, "-c", CHILD % write]
    pid = util.spawnv_passfds(os.fsencode(sys.executable), child, [write])
    os.close(write)
    print("a process started meanwhile:", os.read(read, 100).decode())
    os.waitpid(pid, 0)
bytearray(400 * 1024 * 1024)
print("allocated 400 MB after it:", resource.getrlimit(resource.RLIMIT_DATA))
"""


def test_the_judges_memory_limit_holds_it_and_not_the_processes_it_starts():
    done = subprocess.run(
        [sys.executable, "-c", LIMITED],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    before = repr(resource.getrlimit(resource.RLIMIT_DATA))  # what the subprocess inherited
    assert done.stdout.splitlines() == [
        "MemoryError under the limit",
        f"a process started meanwhile: {before}",
        f"allocated 400 MB after it: {before}",
    ]


@pytest.mark.parametrize(
    ("option", "env", "said"),
    [
        (["--judge-memory-mb", "-1"], "", "--judge-memory-mb must be 0 (no limit) or more"),
        ([], "lots", "AUTOGRADER_JUDGE_MEMORY_MB='lots': give a whole number of MB (0 for none)"),
    ],
)
def test_a_bad_judge_memory_limit_is_one_line_and_exit_status_2(tmp_path, option, env, said):
    solved = ROOT / "solutions" / ASSIGNMENTS[0] / f"{ASSIGNMENTS[0]}.ipynb"
    command = [sys.executable, "-m", "autograder", "grade", str(solved)]
    command += ["--out", str(tmp_path / "out"), "--assignment", ASSIGNMENTS[0], *option]
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT), **{pool.JUDGE_MEMORY_VARIABLE: env}),
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == f"error: {said}"
    assert not (tmp_path / "out").exists(), "refused after --out was touched"

"""A stale answer key stops grading in one line, before any student code runs.

The key records what it was computed from (``autograder.key.built_from``). Each test
copies the kit (the repository's tracked files, as they are in this checkout) into a
temporary folder, edits the copy as an instructor would and forgets ``release``, and
runs the copy's own commands there (``PYTHONPATH`` is the copy): ``grade`` and
``gradescope`` must exit non-zero with one line on stderr that names
``python -m autograder release``, write no ``grades.csv`` and no zip, and print no
traceback; the unchanged copy grades normally, so the same commands can pass.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from course_paths import ASSIGNMENT, ROOT

from autograder.checks import REGISTRY

REBUILD = "python -m autograder release"
SOLVED = Path("solutions") / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
MASTER = Path("source") / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
#: How a refusal names the assignment's checks, and the probes its module makes.
CHECKS_NAME = f"source/{ASSIGNMENT}/checks.toml"
PROBES_NAME = f"the probes source/{ASSIGNMENT}/grading.py makes"


def copy_kit(target: Path) -> Path:
    """The repository's tracked files, as this checkout has them, copied into ``target``."""
    listed = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "-z"], capture_output=True, check=True
    ).stdout
    for name in filter(None, listed.decode().split("\0")):
        source = ROOT / name
        if source.is_file():  # a file deleted in the checkout but not in git is left out
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def run_kit(kit: Path, *args: str) -> subprocess.CompletedProcess:
    """``python -m autograder ARGS`` with the copy's own kit, run from the copy."""
    env = dict(os.environ, PYTHONPATH=str(kit), TF_CPP_MIN_LOG_LEVEL="3")
    bindir = str(Path(sys.executable).parent)
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
    return subprocess.run(
        [sys.executable, "-m", "autograder", *args],
        cwd=kit,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def change_one_probe_seed(kit: Path) -> str:
    """Add 1000 to the first ``seed`` of a probe entry in the copy's checks.toml."""
    path = kit / "source" / ASSIGNMENT / "checks.toml"
    text = path.read_text()
    entry = re.search(r"\{ *make = [^}\n]*?\bseed = (\d+)", text)
    assert entry, "checks.toml has no probe entry with a seed"
    start, end = entry.span(1)
    path.write_text(text[:start] + str(int(entry.group(1)) + 1000) + text[end:])
    return text[entry.start() : entry.end()]


def assert_refused(done: subprocess.CompletedProcess, *names: str) -> str:
    """Non-zero exit, one line on stderr naming the rebuild command (and ``names``)."""
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode != 0, done.stdout[-2000:]
    assert len(lines) == 1, done.stderr[-3000:]
    assert REBUILD in lines[0] and "stale" in lines[0], lines[0]
    for name in names:
        assert name in lines[0], lines[0]
    assert "Traceback" not in done.stdout + done.stderr
    return lines[0]


@pytest.fixture(scope="module")
def stale_kit(tmp_path_factory) -> Path:
    kit = copy_kit(tmp_path_factory.mktemp("stale_kit"))
    change_one_probe_seed(kit)
    return kit


def test_a_changed_probe_seed_stops_grade_before_anything_is_written(stale_kit):
    out = stale_kit / "graded"
    done = run_kit(stale_kit, "grade", str(SOLVED), "--out", str(out), "--quiet")
    line = assert_refused(done, CHECKS_NAME)
    assert done.returncode == 2, line
    assert not (out / "grades.csv").exists()
    assert not out.exists(), "grade wrote into --out before refusing"


def test_a_changed_probe_seed_stops_gradescope_before_the_zip(stale_kit):
    archive = stale_kit / "autograder.zip"
    done = run_kit(stale_kit, "gradescope", "--out", str(archive))
    assert_refused(done, CHECKS_NAME)
    assert not archive.exists()


def test_the_unchanged_copy_grades_and_builds_its_zip(tmp_path):
    kit = copy_kit(tmp_path / "kit")
    out = tmp_path / "graded"
    done = run_kit(kit, "grade", str(SOLVED), "--out", str(out), "--quiet")
    assert done.returncode == 0, done.stderr[-3000:]
    with open(out / "grades.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 1
    assert float(rows[0]["score"]) == sum(c.points for c in REGISTRY) > 0
    archive = tmp_path / "autograder.zip"
    done = run_kit(kit, "gradescope", "--out", str(archive))
    assert done.returncode == 0, done.stderr[-3000:]
    assert archive.is_file()


def test_the_container_grades_nothing_against_a_stale_key(stale_kit, tmp_path):
    """The safety net inside Gradescope's container (build_zip refuses a stale key, so a
    zip holds one only when its kit reads differently there): results.json says the
    submission was not graded, the log has the one line, and the run exits non-zero."""
    root = tmp_path / "autograder"
    (root / "submission").mkdir(parents=True)
    shutil.copy(stale_kit / SOLVED, root / "submission" / f"{ASSIGNMENT}.ipynb")
    done = run_kit(stale_kit, "gradescope-run", "--root", str(root))
    assert_refused(done, CHECKS_NAME)
    data = json.loads((root / "results" / "results.json").read_text())
    assert data["tests"] == [] and data["output"].startswith("Not graded")


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text() + text)


def _set_setting(path: Path, name: str, value: str) -> None:
    text, count = re.subn(rf"^{name} = .*$", f"{name} = {value}", path.read_text(), flags=re.M)
    assert count == 1, f"{path.name} sets {name} {count} times"
    path.write_text(text)


def _edit_setup_cell(path: Path) -> None:
    """Change the master notebook's last setup cell (tagged ``setup``): a new line in it."""
    notebook = json.loads(path.read_text())
    setup = [c for c in notebook["cells"] if "setup" in c.get("metadata", {}).get("tags", [])]
    assert setup, "the master notebook has no setup cell"
    source = setup[-1]["source"]
    text = "".join(source) if isinstance(source, list) else source
    setup[-1]["source"] = text + "\n_extra_setting = 1\n"
    path.write_text(json.dumps(notebook, indent=1) + "\n")


def _edit_first_hint(path: Path) -> None:
    pattern = r'^hint = "[^"\n]+"$'
    text, count = re.subn(pattern, 'hint = "a new hint"', path.read_text(), count=1, flags=re.M)
    assert count == 1, "checks.toml has no one-line hint"
    path.write_text(text)


#: Edits an instructor makes, and what the refusal must name.
STALE_EDITS = {
    # a graded function of the reference: the later definition is the one the worker gets
    "the reference solution": (
        lambda kit: _append(
            kit / "solutions" / ASSIGNMENT / "reference.py",
            "\n\ndef square_loss(targets, predictions):\n"
            "    return tf.reduce_mean(tf.abs(targets - predictions))\n",
        ),
        f"solutions/{ASSIGNMENT}/reference.py",
    ),
    "a setting in assignment.toml": (
        lambda kit: _set_setting(kit / "source" / ASSIGNMENT / "assignment.toml", "epochs", "6"),
        PROBES_NAME,
    ),
    "a probe maker's fixed data": (
        lambda kit: _set_setting(
            kit / "source" / ASSIGNMENT / "grading.py", "_LAYER_B", "np.array([0.5, -1.0, 2.5])"
        ),
        PROBES_NAME,
    ),
    "a setup cell of the master notebook": (
        lambda kit: _edit_setup_cell(kit / MASTER),
        "the setup cells of",
    ),
    # no answer changes, but the public checks' hints do: any edit there needs release
    "a hint in checks.toml": (
        lambda kit: _edit_first_hint(kit / "source" / ASSIGNMENT / "checks.toml"),
        CHECKS_NAME,
    ),
}


@pytest.mark.parametrize("edit", sorted(STALE_EDITS))
def test_an_edit_the_answers_depend_on_makes_the_key_stale(tmp_path, edit):
    kit = copy_kit(tmp_path / "kit")
    change, named = STALE_EDITS[edit]
    change(kit)
    archive = tmp_path / "autograder.zip"
    assert_refused(run_kit(kit, "gradescope", "--out", str(archive)), named)
    assert not archive.exists()


def test_an_edit_the_answers_do_not_depend_on_leaves_the_key_current(tmp_path):
    """Only what reaches the answers counts: the reference module's other code and a
    comment in checks.py change nothing the worker runs or the probes hold."""
    kit = copy_kit(tmp_path / "kit")
    _append(
        kit / "solutions" / ASSIGNMENT / "reference.py",
        "\n\nNOT_GRADED = 1  # used by no function\n",
    )
    _append(kit / "source" / ASSIGNMENT / "grading.py", "\n# a comment: the probes are the same\n")
    archive = tmp_path / "autograder.zip"
    done = run_kit(kit, "gradescope", "--out", str(archive))
    assert done.returncode == 0, done.stderr[-3000:]
    assert archive.is_file()


# --------------------------------------------------------------------------- nbgrader


def test_nbgrader_lists_the_key_check_before_it_executes_anything():
    """The course's nbgrader_config.py: KeyIsCurrent runs before nbgrader's Execute."""
    from nbgrader.preprocessors import Execute
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()
    order = list(config.Autograde.autograde_preprocessors)
    assert order.index("autograder.nbgrader_judge.KeyIsCurrent") < order.index(Execute)
    assert "autograder.nbgrader_judge.JudgeOutsideKernel" in order


NBGRADER_UNIT = """
import nbformat
from autograder import key
from autograder.nbgrader_judge import JudgeOutsideKernel, KeyIsCurrent

nb = nbformat.read("solutions/three_layer_classifier/three_layer_classifier.ipynb", as_version=4)
for step in (KeyIsCurrent(), JudgeOutsideKernel()):
    try:
        step.preprocess(nb, {})
    except key.StaleKey as exc:
        print(type(step).__name__, "refused:", exc)
    else:
        print(type(step).__name__, "graded")
"""


def test_nbgrader_preprocessors_refuse_a_stale_key(stale_kit, tmp_path):
    """Both the check before Execute and the judge itself (a safety net for a course
    configuration without the first) refuse, before the judge starts any worker."""
    stale = run_kit_python(stale_kit, NBGRADER_UNIT)
    assert stale.returncode == 0, stale.stderr[-3000:]
    lines = stale.stdout.splitlines()
    assert [line.split(" ", 1)[0] for line in lines] == ["KeyIsCurrent", "JudgeOutsideKernel"]
    assert all(" refused: " in line and REBUILD in line for line in lines), lines
    # The same script in the unchanged kit: the key check passes and the judge grades.
    current = run_kit_python(copy_kit(tmp_path / "kit"), NBGRADER_UNIT)
    assert current.returncode == 0, current.stderr[-3000:]
    assert current.stdout.splitlines() == ["KeyIsCurrent graded", "JudgeOutsideKernel graded"]


def run_kit_python(kit: Path, script: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(kit), TF_CPP_MIN_LOG_LEVEL="3")
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=kit,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.slow  # about 20 s: nbgrader generate_assignment and autograde
def test_nbgrader_autograde_refuses_before_running_student_code(stale_kit, tmp_path):
    """Real ``nbgrader autograde`` in the stale copy: a non-zero exit naming ``release``,
    no autograded notebook, and the submission's first cell (which writes a file) never
    ran."""
    import nbformat

    marker = tmp_path / "student_code_ran"
    notebook = nbformat.read(str(stale_kit / SOLVED), as_version=4)
    notebook.cells.insert(0, nbformat.v4.new_code_cell(f"open({str(marker)!r}, 'w').close()"))
    folder = stale_kit / "submitted" / "alice" / ASSIGNMENT
    folder.mkdir(parents=True)
    nbformat.write(notebook, str(folder / f"{ASSIGNMENT}.ipynb"))
    generated = run_nbgrader_in(stale_kit, "generate_assignment", ASSIGNMENT, "--force")
    assert generated.returncode == 0, generated.stderr[-3000:]
    done = run_nbgrader_in(stale_kit, "autograde", ASSIGNMENT, "--create")
    assert done.returncode != 0, done.stdout[-3000:]
    assert REBUILD in done.stdout + done.stderr
    assert not (stale_kit / "autograded" / "alice" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").exists()
    assert not marker.exists(), "nbgrader ran the student's code with a stale key"


def run_nbgrader_in(kit: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(kit), TF_CPP_MIN_LOG_LEVEL="3")
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return subprocess.run(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=kit,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


# --------------------------------------------------------------------------- in process


def test_the_committed_key_is_current_and_records_every_source():
    """The kit as committed: its key was built from these checks, reference and cells
    (otherwise every grading refuses; run release and commit the key)."""
    from autograder import key

    recorded = json.loads(key.key_path().read_text())["built_from"]
    assert set(recorded) == set(key.built_from())
    key.ensure_current()  # raises StaleKey, naming what changed


def test_release_keep_key_refuses_a_stale_key(stale_kit):
    done = run_kit(stale_kit, "release", "--keep-key")
    line = assert_refused(done, "--keep-key")
    assert done.returncode == 2, line

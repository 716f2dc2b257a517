"""Final accuracy only for gradient descent (issue 25, finding 6; autograder/descent.py).

A training_step that computes no gradient but sets the variables from each batch it is
handed (a nearest-class-mean rule: ``broken/nearest_class_mean.py``) fits the turned
clouds of any draw, so held-out accuracy alone rewarded it.  On a fresh draw the worker
now says which rows each step got and records the variables around a few steps the
judge draws; the judge checks those steps and replays the whole run with the
assignment's ``loss_gradient``.  Here: each assignment's ``loss_gradient`` is its loss's
gradient; the check passes honest runs (also one that forgets a variable: that costs
training_step's points only) and names what is wrong with a run that is not gradient
descent; and the nearest-class-mean step gets 0 final-accuracy points from ``grade``, as
root and as an ordinary user, beside an honest twin that gets them all.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
from corpus_tools import CORPUS, SOLVED, broken_problems, materialize, parse
from course_paths import ASSIGNMENT, ROOT

from autograder import course, descent, wire
from autograder.batch import grade_paths
from autograder.judge import Report
from autograder.pool import Limits

ASSIGNMENTS = course.assignment_names(ROOT)
NEAREST = CORPUS / "broken" / "nearest_class_mean.py"
#: What the final-accuracy check says to the nearest-class-mean step.
NOT_GRADIENT = "the steps taken were not gradient steps of the loss times the learning rate"


def _module(name: str):
    return course.find(name, ROOT).module


def _start(module) -> dict[str, np.ndarray]:
    """The assignment's random weights (float32), as a probe carries them."""
    return {k: np.asarray(wire.from_plain(v)) for k, v in module.random_weights(7).items()}


def _numeric(module, v: dict, x: np.ndarray, y: np.ndarray, eps: float = 1e-6) -> dict:
    """Central differences of the loss ``loss_gradient`` differentiates (the assignment's
    own float64 forward pass: mean squared error, or binary cross-entropy of the sigmoid)."""
    bce = hasattr(module, "bce64")

    def loss(values):
        p = module.forward64(values, x)
        return module.bce64(y, p) if bce else float(np.mean((y - p) ** 2))

    grads = {}
    for name, value in v.items():
        g = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            saved = value[index]
            value[index] = saved + eps
            up = loss(v)
            value[index] = saved - eps
            g[index] = (up - loss(v)) / (2 * eps)
            value[index] = saved
        grads[name] = g
    return grads


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_loss_gradient_is_the_gradient_of_the_assignments_loss(assignment):
    module = _module(assignment)
    assert callable(getattr(module, "loss_gradient", None)), f"{assignment}: no loss_gradient"
    for seed in (3, 4):
        x, y = module.two_clouds(seed, 8)
        x, y = x.astype(np.float64), y.astype(np.float64)
        v = {k: a.astype(np.float64) for k, a in _start(module).items()}
        got = module.loss_gradient({k: a.copy() for k, a in v.items()}, x, y)
        want = _numeric(module, v, x, y)
        for name in v:
            assert got[name].shape == v[name].shape, name
            assert np.allclose(got[name], want[name], rtol=1e-4, atol=1e-7), name


# --------------------------------------------------------------------------- the check itself
# Runs made here in float32, as a worker's TensorFlow makes them, and handed to the check
# as a decoded reply: what the check concludes from them, for each assignment's loss.


def _probe(module, draw: int) -> dict:
    x, y = module.two_clouds(11, 40)
    order = np.random.default_rng(12).permutation(len(x))
    train = {"x": wire.to_plain(x[order]), "y": wire.to_plain(y[order])}
    probe = {
        "train": {**train, "epochs": 3, "batches": 4, "split": "split", "step": "step"},
        "variables": {k: wire.to_plain(v) for k, v in _start(module).items()},
        "learning_rate": 0.1,
    }
    return descent.recording(probe, draw)


def _run(module, probe: dict, frozen=(), tamper=None) -> dict:
    """A float32 run of gradient steps on contiguous batches, as the worker reports it;
    ``tamper(k, values, x, y)`` replaces step k's result where it returns one."""
    spec = probe["train"]
    x, y = wire.from_plain(spec["x"]), wire.from_plain(spec["y"])
    values = {k: np.asarray(wire.from_plain(v)) for k, v in probe["variables"].items()}
    batches = np.array_split(np.arange(len(x)), spec["batches"])
    record = set(spec["record"])
    rows, sizes, steps = [], [], {}
    k = 0
    for _ in range(spec["epochs"]):
        for idx in batches:
            before = {n: v.copy() for n, v in values.items()}
            g = module.loss_gradient(
                {n: v.astype(np.float64) for n, v in values.items()},
                x[idx].astype(np.float64),
                y[idx].astype(np.float64),
            )
            for n in values:
                if n not in frozen:
                    values[n] = (values[n] - np.float32(0.1) * g[n].astype(np.float32)).astype(
                        np.float32
                    )
            changed = tamper(k, values, x[idx], y[idx]) if tamper else None
            if changed:
                values.update(changed)
            if k in record:
                steps[str(k)] = {
                    "before": before,
                    "after": {n: v.copy() for n, v in values.items()},
                }
            rows.append(idx)
            sizes.append(len(idx))
            k += 1
    return {
        "after": values,
        "rows": np.concatenate(rows).astype(np.int16),
        "sizes": np.asarray(sizes, dtype=np.int32),
        "steps": steps,
    }


def _class_means(k, values, x, y):
    """What the nearest-class-mean step writes: weights worked out from the batch."""
    m0, m1 = x[y[:, 0] < 0.5].mean(axis=0), x[y[:, 0] >= 0.5].mean(axis=0)
    w1 = np.zeros_like(values["W1"])
    w1[:, 0], w1[:, 1] = m1 - m0, m0 - m1
    return {"W1": w1, "b3": np.full_like(values["b3"], 0.5)}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_an_honest_run_passes_and_a_forgotten_variable_costs_nothing_here(assignment):
    module = _module(assignment)
    for draw in (1, 2, 3):
        probe = _probe(module, draw)
        assert descent.check(probe, _run(module, probe), module.loss_gradient, "training") is None
        forgot = _run(module, probe, frozen=("b3",))
        assert descent.check(probe, forgot, module.loss_gradient, "training") is None


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_a_step_that_is_not_a_gradient_step_is_named(assignment):
    module = _module(assignment)
    probe = _probe(module, 5)
    recorded = probe["train"]["record"]
    assert recorded[0] == 0 and len(set(recorded)) == descent.RECORDED_STEPS
    # every step sets weights from the batch's class means: the first recorded step says so
    means = _run(module, probe, tamper=_class_means)
    message = descent.check(probe, means, module.loss_gradient, "training")
    assert message and NOT_GRADIENT in message and "step 1 of 12 changed W1" in message
    # one step the judge did not record: the replay finds it, at the next recorded step's
    # "before" or, after the last recorded step, in the trained variables
    for unrecorded in (k for k in range(12) if k not in recorded):
        once = _run(
            module,
            probe,
            tamper=lambda k, *a, at=unrecorded: _class_means(k, *a) if k == at else None,
        )
        message = descent.check(probe, once, module.loss_gradient, "training")
        later = any(k > unrecorded for k in recorded)
        expected = "are not where gradient steps" if later else "are not what 12 steps"
        assert message and NOT_GRADIENT in message and expected in message, unrecorded
    # a step uphill (assign_add)
    uphill = _run(module, probe)
    uphill_probe = {**probe, "learning_rate": -0.1}
    assert NOT_GRADIENT in descent.check(uphill_probe, uphill, module.loss_gradient, "training")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_made_up_records_are_not_believed(assignment):
    module = _module(assignment)
    probe = _probe(module, 9)
    honest = _run(module, probe)
    # rows that are not the training data's
    foreign = dict(honest, rows=honest["rows"].copy())
    foreign["rows"][3] = -1
    assert "not rows of the training data" in descent.check(
        probe, foreign, module.loss_gradient, "training"
    )
    # no rows at all
    silent = {k: v for k, v in honest.items() if k not in ("rows", "sizes")}
    assert "did not say which rows" in descent.check(
        probe, silent, module.loss_gradient, "training"
    )
    # a recorded step's "before" that the earlier steps do not lead to
    k = next(k for k in probe["train"]["record"] if k > 0)
    moved = {n: v + np.float32(0.05) for n, v in honest["steps"][str(k)]["before"].items()}
    g = module.loss_gradient(
        {n: v.astype(np.float64) for n, v in moved.items()},
        *(wire.from_plain(probe["train"][c]).astype(np.float64)[_rows(honest, k)] for c in "xy"),
    )
    after = {n: (moved[n] - 0.1 * g[n]).astype(np.float32) for n in moved}
    shifted = dict(honest, steps={**honest["steps"], str(k): {"before": moved, "after": after}})
    assert "are not where gradient steps" in descent.check(
        probe, shifted, module.loss_gradient, "training"
    )
    # a record the judge asked for is missing
    missing = dict(honest, steps={})
    assert "did not record step 1" in descent.check(
        probe, missing, module.loss_gradient, "training"
    )


def _rows(answer: dict, k: int) -> np.ndarray:
    ends = np.cumsum(answer["sizes"])
    return answer["rows"][ends[k] - answer["sizes"][k] : ends[k]].astype(np.int64)


# --------------------------------------------------------------------------- through `grade`


def _final_points(report: Report) -> float:
    return sum(r.score for r in report.results if r.grade_id == "final_accuracy")


def _assert_nearest_and_honest(reports: dict[str, Report], mode: str) -> None:
    entry = parse(NEAREST)
    nearest, honest = reports["nearest_class_mean"], reports["honest"]
    assert _final_points(honest) == 3 and honest.score == honest.max_score, mode
    assert _final_points(nearest) == 0, mode
    # The judge checks the steps only after the accuracy assertion passed: this message
    # says the nearest-class-mean rule reached the threshold and lost the points for it.
    final = next(r for r in nearest.results if r.grade_id == "final_accuracy")
    assert NOT_GRADIENT in final.output, f"{mode}: {final.output}"
    problems = broken_problems(entry, nearest)
    assert not problems, f"{mode}: {problems}"


@pytest.mark.slow
def test_nearest_class_mean_earns_no_final_accuracy_from_grade_as_root(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("the ordinary user's run is the next test")
    subs = tmp_path / "subs"
    subs.mkdir()
    honest = subs / "honest.ipynb"
    honest.write_bytes(SOLVED.read_bytes())
    paths = [materialize(parse(NEAREST), subs), honest]
    reports = grade_paths(paths, tmp_path / "out", Limits(), jobs=2, progress=False)
    _assert_nearest_and_honest({r.submission.removesuffix(".ipynb"): r for r in reports}, "root")


@pytest.fixture
def ordinary_user():
    """A user of this test run's own (removed after it), who can reach the interpreter."""
    if os.geteuid() != 0 or not shutil.which("useradd") or not shutil.which("runuser"):
        pytest.skip("creates an ordinary user: run as root with useradd and runuser (CI does)")
    name = f"agtest_{os.getpid()}"
    subprocess.run(
        ["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", name], check=True
    )
    for folder in Path(sys.base_prefix).resolve().parents:
        mode = folder.stat().st_mode
        if not mode & stat.S_IXOTH:
            os.chmod(folder, stat.S_IMODE(mode) | stat.S_IXOTH)
    try:
        yield pwd.getpwnam(name)
    finally:
        subprocess.run(["userdel", name], check=False)


@pytest.mark.slow
def test_nearest_class_mean_earns_no_final_accuracy_from_grade_as_an_ordinary_user(
    ordinary_user,
):
    folder = Path(tempfile.mkdtemp(prefix="autograder-descent-"))
    try:
        subs = folder / "submissions"
        subs.mkdir(parents=True)
        (subs / "honest.ipynb").write_bytes(SOLVED.read_bytes())
        nearest = materialize(parse(NEAREST), subs)
        for path in [folder, *folder.rglob("*")]:
            os.chown(path, ordinary_user.pw_uid, ordinary_user.pw_gid)
        folder.chmod(0o755)
        env = {
            "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
            "HOME": str(folder),
            "LANG": "C.UTF-8",
            "PYTHONPATH": str(ROOT),
            "AUTOGRADER_COURSE": str(ROOT),
            "AUTOGRADER_ASSIGNMENT": ASSIGNMENT,
        }
        argv = ["-m", "autograder", "grade", "--out", "out", "--quiet", "--jobs", "2"]
        argv += ["submissions/honest.ipynb", str(nearest.relative_to(folder))]
        command = ["runuser", "-u", ordinary_user.pw_name, "--", "env", "-i"]
        command += [f"{k}={v}" for k, v in env.items()] + [sys.executable, *argv]
        done = subprocess.run(
            command, cwd=folder, capture_output=True, text=True, timeout=900, check=False
        )
        assert done.returncode == 0, done.stderr[-2000:]
        assert "Traceback" not in done.stderr, done.stderr[-2000:]
        reports = {}
        for results in (folder / "out").glob("*/results.json"):
            report = Report.from_dict(json.loads(results.read_text())["report"])
            reports[report.submission.removesuffix(".ipynb")] = report
        _assert_nearest_and_honest(reports, "an ordinary user")
    finally:
        shutil.rmtree(folder, ignore_errors=True)

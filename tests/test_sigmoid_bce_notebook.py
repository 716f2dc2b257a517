"""sigmoid_bce_classifier: its notebook runs alone in a kernel; its text is true to its outputs.

The notebook is executed once, copied alone into an empty folder, without TensorFlow's
quieting variables in the environment (its setup cell must keep stderr clean). Every
number its markdown states is a setting that appears in its code, a fact of float32
computed here, or a claim below rebuilt from what the executed cells printed: text and
results cannot drift. The whole run must take under 60 seconds.
"""

from __future__ import annotations

import ast
import re
import time
import tomllib
from pathlib import Path

import nbformat
import numpy as np
import pytest
from test_notebook_runs import code_numbers, execute_alone, gid, grab, markdown, printed

pytestmark = pytest.mark.slow

ASSIGNMENT = "sigmoid_bce_classifier"
ROOT = Path(__file__).resolve().parent.parent
MASTER = ROOT / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
REFERENCE = ROOT / "solutions" / ASSIGNMENT / "reference.py"
SOLVED = ROOT / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
GRADED = ("sigmoid", "bce_loss", "training_step")


def _without_grading_cells(folder: Path) -> Path:
    """The master with its solutions, without the cells that need the release (the public
    checks' loader, their calls, the summary): the solved notebook until `release` makes it."""
    notebook = nbformat.read(str(MASTER), as_version=4)
    grading = {"public_checks_loader", "summary"} | {f"test_{g}" for g in GRADED}
    notebook.cells = [c for c in notebook.cells if gid(c) not in grading]
    folder.mkdir(parents=True)
    path = folder / f"{ASSIGNMENT}.ipynb"
    nbformat.write(notebook, str(path))
    return path


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> tuple[nbformat.NotebookNode, float]:
    patch = pytest.MonkeyPatch()
    for name in ("TF_CPP_MIN_LOG_LEVEL", "TF_ENABLE_ONEDNN_OPTS"):
        patch.delenv(name, raising=False)
    patch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    folder = tmp_path_factory.mktemp("second")
    source = SOLVED if SOLVED.exists() else _without_grading_cells(folder / "made")
    try:
        start = time.perf_counter()
        notebook = execute_alone(source, folder / "alone")
        return notebook, time.perf_counter() - start
    finally:
        patch.undo()


def test_runs_alone_in_a_kernel_in_under_a_minute_without_errors_or_stderr(run):
    notebook, seconds = run
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            assert output.output_type != "error", f"{output.ename}: {output.evalue}"
            assert not (output.output_type == "stream" and output.name == "stderr"), output.text
    assert seconds < 60, f"the notebook took {seconds:.0f} s"
    assert any(
        "image/png" in o.get("data", {})
        for c in notebook.cells
        if gid(c) == "train"
        for o in c.outputs
    ), "no training plot"


def _functions(source: str) -> dict[str, str]:
    tree = ast.parse(source)
    return {n.name: ast.dump(n) for n in tree.body if isinstance(n, ast.FunctionDef)}


def test_the_solution_cells_are_the_reference_functions():
    """The master's solutions and solutions/<assignment>/reference.py cannot drift apart."""
    master = nbformat.read(str(MASTER), as_version=4)
    reference = _functions(REFERENCE.read_text(encoding="utf-8"))
    for name in GRADED:
        cell = next(c for c in master.cells if gid(c) == name)
        assert cell.metadata.nbgrader["solution"] and not cell.metadata.nbgrader["locked"]
        text = re.sub(r"\s*### (BEGIN|END) SOLUTION", "", cell.source)
        assert _functions(text)[name] == reference[name], name


def _with_public_checks() -> set[str]:
    checks = tomllib.loads((MASTER.parent / "checks.toml").read_text())["check"]
    return {c["grade_id"] for c in checks if c["public"]}


def test_nbgrader_metadata_marks_solutions_tests_and_locked_setup():
    master = nbformat.read(str(MASTER), as_version=4)
    ids = [gid(c) for c in master.cells if gid(c)]
    assert len(ids) == len(set(ids)), "grade_ids must be unique"
    for name in GRADED:
        test = next(c for c in master.cells if gid(c) == f"test_{name}")
        meta = test.metadata.nbgrader
        assert meta["grade"] and meta["locked"] and meta["points"] > 0
        assert "### BEGIN HIDDEN TESTS" in test.source
        # the student's cell runs the function's public checks where it has any (checks.toml)
        assert (f'check("{name}")' in test.source) == (name in _with_public_checks()), name
    for cell in master.cells:
        if "setup" in cell.metadata.get("tags", []):
            assert cell.metadata.nbgrader["locked"] and not cell.metadata.nbgrader["solution"]
    hand = [c for c in master.cells if c.cell_type == "markdown" and gid(c)]
    assert [c.metadata.nbgrader["points"] for c in hand] == [2]


# --------------------------------------------------------------------------- claims


def _rows(out: dict) -> dict[str, str]:
    return {
        name.strip(): row
        for name, row in re.findall(
            r"^([^:\n]+?)\s*: (gradient.*)$", out["experiment_one_step"], re.M
        )
    }


def _losses(out: dict) -> dict[str, list[float]]:
    found = re.findall(
        r"^(.+?)\s*:\s+\d+% of 10 seeds .*accuracies (.*)$", out["experiment_losses"], re.M
    )
    return {name.strip(): [float(a) for a in accs.split(", ")] for name, accs in found}


def _share(accuracies: list[float]) -> str:
    """The share of runs reaching 0.95, as the cell prints it."""
    return f"{np.mean(np.array(accuracies) >= 0.95):.0%}"


def _claims(out: dict) -> list[str]:
    """The phrases of the markdown, each filled with what the cells printed."""
    one = out["experiment_one_step"]
    rows, losses = _rows(out), _losses(out)
    low, high = grab(one, r"logits of the first batch from ([\d.]+) to ([\d.]+)")[0]
    blog, mse, bce, logit = (
        rows[k]
        for k in (
            "linear + MSE (the blog)",
            "sigmoid + MSE",
            "sigmoid + BCE (yours)",
            "BCE from logits",
        )
    )

    def field(row: str, pattern: str) -> str:
        return grab(row, pattern)[0]

    below = r"below 1e-6 for\s+(\d+%)"
    largest = r"largest\s+([\d.]+)"
    assert float(field(blog, largest)) > 100 > float(field(bce, largest)) > 0.9
    assert all(a == 0.5 for a in losses["linear + MSE (the blog)"])
    assert all(a >= 0.95 for k in ("sigmoid + BCE (yours)", "BCE from logits") for a in losses[k])
    assert all(a < 0.95 for a in losses["sigmoid + MSE"])
    mse_accuracies = sorted(losses["sigmoid + MSE"])
    first = round(float(grab(one, r"over the data and 10 seeds ([\d.]+)")[0]))
    return [
        f"the first logit is large (about {first} at width 10",
        f"| at z = {first} |",
        f"| {2 * (first - 1)} or {2 * first}: huge |",
        f"logits from {low} to {high}, and "
        + grab(one, r"probabilities equal to 1.0: (\d+%)")[0]
        + " of its probabilities are exactly 1.0",
        "its cross-entropy is " + grab(one, r"without clipping: (\w+);")[0],
        "your clipped `bce_loss` gives " + grab(one, r"your bce_loss: ([\d.]+)")[0],
        f"up to {float(field(blog, largest)):.0f} per sample",
        "moves the mean of `W2` from {} to {} and leaves {} of layer 2 dead".format(
            *grab(blog, r"from ([\d.]+) to\s+(-?[\d.]+), layer 2 dead\s+(\d+%)")[0]
        ),
        f"its largest gradient is {field(mse, largest)}, and for {field(mse, below)} of the batch",
        f"below 10⁻⁶ for {field(bce, below)} of the batch",
        f"(the largest is {field(bce, largest)})",
        f"below 10⁻⁶ for {field(logit, below)} of the batch, samples",
        "the blog's loss ends at {} from every seed ({} reach 0.95)".format(
            f"{losses['linear + MSE (the blog)'][0]:.3f}", _share(losses["linear + MSE (the blog)"])
        ),
        "(0% reach 0.95), and your cross-entropy reaches 0.95 from {} of seeds".format(
            _share(losses["sigmoid + BCE (yours)"])
        )
        if _share(losses["sigmoid + MSE"]) == "0%"
        else "(MSE on a sigmoid trained)",
        f"stalls between {mse_accuracies[0]:.3f} and {mse_accuracies[-1]:.3f}",
        "on the sigmoid kills nothing"
        if field(mse, r"layer 2 dead\s+(\d+%)") == "0%"
        else "(MSE on a sigmoid killed units)",
        "After epochs {}, {}, {}, {} and {} the cell prints".format(
            *grab(out["train"], r"^after epoch\s+(\d+):")
        ),
        "the accuracy is above 0.99 after the first epoch"
        if float(grab(out["train"], r"after epoch  1: .*accuracy ([\d.]+)")[0]) > 0.99
        else "(the first epoch did not reach 0.99)",
    ]


def _float32_facts() -> list[str]:
    """Facts of float32 the text states, computed here rather than trusted."""
    f32 = np.float32
    overflow = float(np.log(np.finfo(f32).max))
    gap = float(f32(1) - np.nextafter(f32(1), f32(0)))
    saturates = [z for z in range(1, 40) if f32(1) / (f32(1) + np.exp(f32(-z))) == f32(1)][0]
    assert np.exp(f32(80)) < np.finfo(f32).max, "e^80 must be far below the largest float32"
    return [
        f"as soon as x is above about {overflow:.1f}",
        f"about {gap * 1e8:.0f}·10⁻⁸ apart",
        f"from z = {saturates} on",
        f"from about z = {saturates} on",
        "for instance to [-80, 80], so that e^(-z) cannot overflow (e^80 is far below",
    ]


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).replace("\u2212", "-")


def test_the_markdown_states_what_the_cells_printed(run):
    notebook, _ = run
    text, out = _squash(markdown(notebook)), printed(notebook)
    missing = [c for c in _claims(out) + _float32_facts() if _squash(c) not in text]
    assert not missing, f"the markdown should say, as the outputs show: {missing}"


_NUMBER = re.compile(r"(?<![\w.⁻])-?\d+(?:\.\d+)?%?")


def test_every_number_in_the_markdown_is_a_setting_or_a_checked_claim(run):
    """A number added to the text with no claim above, and not a setting of the code, fails."""
    notebook, _ = run
    out = printed(notebook)
    text = _squash(re.sub(r"(?m)^#+.*$|^\| \d+ \||sections? \d+", " ", markdown(notebook)))
    covered = []
    for claim in _claims(out) + _float32_facts():
        covered += [m.span() for m in re.finditer(re.escape(_squash(claim)), text)]
    settings = code_numbers(notebook) | {"0", "1", "2", "10", "100", "2000", "0.5"}
    unexplained = [
        text[max(0, m.start() - 30) : m.end() + 10]
        for m in _NUMBER.finditer(text)
        if not any(a <= m.start() < b for a, b in covered)
        and m.group().lstrip("-").rstrip("%") not in settings
    ]
    assert not unexplained, "numbers stated but neither settings nor checked claims:\n" + (
        "\n".join(unexplained)
    )

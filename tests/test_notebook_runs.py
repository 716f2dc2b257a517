"""The solved notebook runs top to bottom in a real kernel, and its text is true to its outputs.

The notebook is executed once (in a folder holding nothing but the notebook: the
public checks come from its own loader cell), without TensorFlow's quieting variables
in the environment, so that its setup cell alone must keep stderr clean.  Every number
its markdown states is either a setting that appears in its code, or a claim below
that is checked against what the executed cells printed: text and results cannot drift.
The plots are written to the folder in $NOTEBOOK_PLOTS (default: a temporary folder)
so that a person can look at them; benchmarks/bench_notebook.py times the run.
"""

from __future__ import annotations

import base64
import io
import os
import re
import shutil
import tokenize
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from course_paths import ASSIGNMENT, ROOT
from nbclient import NotebookClient
from test_notebook_causal_claims import ROWS as CAUSAL_ROWS
from test_notebook_causal_claims import claim_pattern

from autograder.checks import REGISTRY

pytestmark = pytest.mark.slow

SOLVED = ROOT / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
N_PUBLIC = sum(c.public for c in REGISTRY)


def execute_alone(notebook_path: Path, folder: Path, **client) -> nbformat.NotebookNode:
    """Execute a notebook copied alone into an empty folder, as Colab opens it."""
    folder.mkdir(parents=True)
    shutil.copy(notebook_path, folder / notebook_path.name)
    notebook = nbformat.read(str(folder / notebook_path.name), as_version=4)
    NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(folder)}},
        **client,
    ).execute()
    return notebook


@pytest.fixture(scope="module")
def solved(solved_alone) -> nbformat.NotebookNode:
    """The solved notebook executed alone (conftest.py: once for the run), without the
    TensorFlow quieting variables: the notebook's setup cell must quiet TensorFlow."""
    return solved_alone


def gid(cell) -> str:
    return cell.metadata.get("nbgrader", {}).get("grade_id", "")


def printed(notebook) -> dict[str, str]:
    """What each code cell with a grade_id printed on stdout."""
    out: dict[str, str] = {}
    for cell in notebook.cells:
        if cell.cell_type == "code" and gid(cell):
            out[gid(cell)] = "".join(
                o.get("text", "") for o in cell.outputs if o.output_type == "stream"
            )
    return out


def test_solved_notebook_runs_alone_and_plots(solved, tmp_path):
    plots = Path(os.environ.get("NOTEBOOK_PLOTS", tmp_path / "plots"))
    plots.mkdir(parents=True, exist_ok=True)
    images = []
    for cell in solved.cells:
        for output in cell.get("outputs", []):
            assert output.output_type != "error", f"{output.ename}: {output.evalue}"
            assert not (output.output_type == "stream" and output.name == "stderr"), output.text
            if "image/png" in output.get("data", {}):
                path = plots / f"{len(images):02d}-{gid(cell) or 'cell'}.png"
                path.write_bytes(base64.b64decode(output.data["image/png"]))
                images.append(gid(cell))
    for name in ("plot_data", "train", "plot_predictions", "experiment_width"):
        assert name in images, f"no plot from {name}"
    assert "experiment_shuffling" in images
    summary = printed(solved)["summary"]
    assert f"{N_PUBLIC} of {N_PUBLIC} public checks passed" in summary, summary


def test_reset_variables_repeats_a_run_and_uses_the_students_glorot(solved):
    """The same seed gives the same accuracy twice, with the students' own functions."""
    runs = re.findall(
        r"accuracy ([\d.]+), the same seed again ([\d.]+)", printed(solved)["experiment_randomness"]
    )
    assert len(runs) == 3 and all(a == b for a, b in runs), runs
    assert len({a for a, _ in runs}) > 1, "different seeds should give different accuracies"
    assert "is not used yet" not in "".join(printed(solved).values())


# --------------------------------------------------------------------------- claims


def grab(text: str, pattern: str) -> list[str]:
    found = re.findall(pattern, text, re.M)
    assert found, f"{pattern!r} not in the output:\n{text}"
    return found


def number(text: str, pattern: str) -> float:
    return float(grab(text, pattern)[0])


def pct_range(text: str, pattern: str) -> tuple[str, str]:
    values = sorted(int(v) for v in grab(text, pattern))
    return f"{values[0]}%", f"{values[-1]}%"


def each(out: dict, cell: str, pattern: str, keys) -> list[str]:
    """The first group of ``pattern`` (with ``{}`` filled by each key) in a cell's output."""
    return [grab(out[cell], pattern.format(key))[0] for key in keys]


def width_row(out: dict, init: str, width: int) -> str:
    return grab(out["experiment_width"], rf"^{init}\s+width\s+{width}:.*$")[0]


@dataclass
class Claim:
    """A phrase of the markdown and how to rebuild it from the outputs.

    ``values`` returns the strings that fill the phrase's ``{}``: the phrase, so filled,
    must appear in the markdown.  A phrase without ``{}`` states a fact that ``values``
    checks itself (it returns True).
    """

    phrase: str
    values: Callable[[dict], object]


def _first_output(out: dict, width: int) -> str:
    row = grab(out["experiment_first_output"], rf"^\s*{width} \|.*$")[0]
    return row.split("|")[3].split("vs")[0].strip()


def _blog_wide_rows(out: dict) -> list[str]:
    return [width_row(out, "blog", w) for w in (4, 5, 8, 10, 20)]


def _from_file(entry: dict) -> Claim:
    """A claim of notebook_claims.toml: a pattern's first groups fill the phrase."""
    cell, pattern, keys = entry["cell"], entry["pattern"], entry.get("keys")
    if keys is None:
        return Claim(entry["phrase"], lambda o: grab(o[cell], pattern))
    return Claim(entry["phrase"], lambda o: each(o, cell, pattern, keys))


def _glorot_wide_range(o: dict) -> tuple[str, str]:
    rows = [width_row(o, "glorot", w) for w in (4, 5, 8, 10, 20)]
    all_train = all("100% of seeds" in row for row in rows)
    return pct_range("\n".join(rows) if all_train else "layer 2 999%", r"layer 2\s+(\d+)%")


def _one_seed_fails(o: dict) -> bool:
    accuracies = sorted(
        float(a) for a in grab(o["experiment_randomness"], r"seed \d: accuracy ([\d.]+)")
    )
    return accuracies[0] == 0.5 and all(a > 0.99 for a in accuracies[1:])


def _derived_constant(o: dict) -> list[str]:
    """The model answer's 1 / (1 + 0.8^10), which must be the constant the run printed."""
    printed_constant = grab(o["experiment_symptom"], r"shuffle=False: .*outputs from ([\d.]+)")[0]
    derived = f"{1 / (1 + 0.8**10):.3f}"
    return [derived] if derived == printed_constant else ["(the derivation disagrees with the run)"]


def _blog_wide(o: dict) -> list[str]:
    rows = "\n".join(_blog_wide_rows(o))
    return [*pct_range(rows, r"layer 2\s+(\d+)%"), pct_range(rows, r"layer 1\s+(\d+)%")[1]]


def _blog_trains_at_width_2_only(o: dict) -> list[str]:
    if not all(" 0% of seeds" in r for r in _blog_wide_rows(o)):
        return ["(a wide blog model trained)"]
    return [width_row(o, "blog", 2).split(":")[1].split("of")[0].strip()]


def _cross_entropy_trains_every_width(o: dict) -> bool:
    after = o["experiment_causes"].split("cross-entropy")[1]
    return all(v == "100%" for v in grab(after, r"width\s+\d+:\s+(\d+%)"))


_COMPUTED = [
    Claim(
        "accuracy is above 0.99 after the first epoch",
        lambda o: number(o["train"], r"after epoch  1: .*accuracy ([\d.]+)") > 0.99,
    ),
    Claim("one of the three seeds ends at 0.5, the others above 0.99", _one_seed_fails),
    Claim(
        "about {} at width 10, against about {} at\n   width 2",
        lambda o: [f"{float(_first_output(o, 10)):.0f}", f"{float(_first_output(o, 2)):.1f}"],
    ),
    Claim(
        "the first output is about {} at width 10 and about {} at width 20",
        lambda o: [f"{float(_first_output(o, w)):.0f}" for w in (10, 20)],
    ),
    Claim(
        "a\nfirst output of about {} at width 10 means",
        lambda o: [f"{float(_first_output(o, 10)):.0f}"],
    ),
    Claim("{} of seeds train at width 2 and none from width 4 on", _blog_trains_at_width_2_only),
    Claim(
        "there, {} to\n{} of the layer-2 units are dead after training, and {} of layer 1's",
        _blog_wide,
    ),
    Claim(
        "every seed trains from width 4 on, although {} to {} of their layer-2 units die",
        _glorot_wide_range,
    ),
    Claim(
        "the blog's own all-positive\nweights train from 100% of seeds at every width tried",
        _cross_entropy_trains_every_width,
    ),
    # The model answer's arithmetic, checked against the printed constant.
    Claim("is b3 ← 0.8 b3 + 0.2 ȳ", lambda o: abs((1 - 2 * 0.1) - 0.8) < 1e-12),
    Claim("multiply b3 by 0.8 each (by a = 0.8¹⁰ ≈ {} in all)", lambda o: [f"{0.8**10:.3f}"]),
    Claim("v = 1 / (1 + a) ≈ {}", _derived_constant),
]
CLAIMS_FILE = Path(__file__).with_name("notebook_claims.toml")
CLAIMS = [
    *_COMPUTED,
    *(_from_file(e) for e in tomllib.loads(CLAIMS_FILE.read_text(encoding="utf-8"))["claim"]),
]


def markdown(notebook) -> str:
    return "\n\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")


def _filled(claim: Claim, out: dict) -> str | None:
    values = claim.values(out)
    if values is True:
        return claim.phrase
    if values is False or values is None:
        return None
    return claim.phrase.format(*values)


@pytest.mark.parametrize("claim", CLAIMS, ids=[c.phrase[:40] for c in CLAIMS])
def test_the_markdown_states_what_the_cells_printed(solved, claim):
    text, out = markdown(solved), printed(solved)
    filled = _filled(claim, out)
    assert filled is not None, f"the outputs do not support {claim.phrase!r}"
    assert _squash(filled) in _squash(text), (
        f"the markdown should say {filled!r}, as the outputs show; it does not"
    )


def _squash(text: str) -> str:
    """Whitespace squashed, and the typographic minus read as a hyphen."""
    return re.sub(r"\s+", " ", text).replace("\u2212", "-")


def code_numbers(notebook) -> set[str]:
    """Every number literal in the notebook's code: settings the text may repeat."""
    found: set[str] = set()
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        try:
            for token in tokenize.generate_tokens(io.StringIO(cell.source).readline):
                if token.type == tokenize.NUMBER:
                    found.add(token.string)
                elif token.type == tokenize.STRING and token.string.lower().startswith(("f", "rf")):
                    # the expressions of an f-string, without their format specs
                    for expression in re.findall(r"\{([^{}:]*)", token.string):
                        found.update(_NUMBER.findall(expression))
        except (tokenize.TokenError, IndentationError, SyntaxError):
            continue
    return found


# Section references ("section 14", "14.3", a table's first column), not measurements.
_SECTION_REFERENCES = re.compile(
    r"(?mi)^#+.*$|^\| \d+ \||sections?\s+\d+(\.\d)?|\(?\b1[0-7]\.\d\b\)?"
)
#: Numbers the text derives from the settings, with the derivation checked here.
DERIVED = {"2000": 2 * 1000, "100": 2 * 1000 // 20}
_NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?")


def test_every_number_in_the_markdown_is_a_setting_or_a_checked_claim(solved):
    """A number added to the text without a claim here or a row there, and not a setting, fails.

    The rows of tests/test_notebook_causal_claims.py assert their figures across seeds, so
    the figures in their phrases count as checked.
    """
    out = printed(solved)
    text = _squash(_SECTION_REFERENCES.sub(" ", markdown(solved)))
    covered = []
    for claim in CLAIMS:
        filled = _filled(claim, out)
        if filled is None:
            continue
        for match in re.finditer(re.escape(_squash(filled)), text):
            covered.append(match.span())
    for row in CAUSAL_ROWS:  # figures measured across seeds by test_notebook_causal_claims.py
        covered.extend(match.span() for match in claim_pattern(row).finditer(text))
    settings = code_numbers(solved) | {k for k, v in DERIVED.items() if str(v) == k}
    unexplained = []
    for match in _NUMBER.finditer(text):
        inside = any(a <= match.start() < b for a, b in covered)
        if not inside and match.group() not in settings:
            unexplained.append(text[max(0, match.start() - 40) : match.end() + 20])
    assert not unexplained, "numbers stated but neither settings nor checked claims:\n" + (
        "\n".join(unexplained)
    )


def test_the_notebook_names_what_each_exercise_returns(solved):
    """Shapes are stated for every exercise (W is (fan_in, fan_out), b is (fan_out,))."""
    text = markdown(solved)
    for phrase in ("`(fan_in, fan_out)`", "`(fan_out,)`", "returns shape `(n, 1)`"):
        assert phrase in text
    sections = [c.source for c in solved.cells if c.cell_type == "markdown"]
    assert sections[-1].startswith("## 17. Before you submit"), "the summary comes last"


def test_the_setup_cell_turns_tf32_off(tmp_path):
    """On Ampere GPUs TensorFlow would round float32 matmuls to TF32; the setup forbids it."""
    master = nbformat.read(str(SOLVED), as_version=4)
    setup = next(c for c in master.cells if gid(c) == "setup_imports")
    probe = nbformat.v4.new_code_cell(
        "print('tf32', tf.config.experimental.tensor_float_32_execution_enabled())"
    )
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(setup.source), probe])
    NotebookClient(
        notebook,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()
    said = "".join(o.get("text", "") for o in notebook.cells[1].outputs)
    assert said.strip() == "tf32 False", said

"""Public checks blame only what is wrong: one mistake at a time, in the student's own kernel.

The solved notebook (the release notebook with the reference in its solution cells) is
copied alone into an empty folder, as Colab opens it, and run in a real Jupyter kernel
(nbclient) that cannot import the kit (a stub package on PYTHONPATH shadows it).  Every
public check runs there, calling the student's functions as the check cells do.

One kernel serves every corpus entry, so that ~90 notebooks cost one kernel start and
one TensorFlow import (about a minute in all, not ~90 kernels).  The notebook is cut
after its last check cell (training and experiments do not change what a check sees:
each probe sets the variables it needs) and then, for each entry of
``tests/corpus/<assignment>/mistakes`` and ``.../correct``, gets these cells appended:
the notebook's code cells from the first setup cell to the last function cell, in
order, with the entry's cells in place of the reference's (as if the student had
written them there and run the notebook from the top; the loader, plots and check
cells are left out), then one cell that runs ``check(name)`` for each function and
prints what each printed.  The next entry starts again from the reference, so no
entry sees another's code.

Both assignments are run so, each in a kernel of its own (its solved notebook, its
corpus).  Asserted, for each: with the reference every public check passes; with one
mistake, every public check of every *other* function passes (it never prints FAILED,
nor waits); a correct alternative passes every public check.  For three_layer_classifier,
a wrong ``layer`` with a ``model`` that calls it otherwise than the reference gets "not
checked yet" for ``model``, not FAILED.  For sigmoid_bce_classifier, whose
``training_step`` calls the locked ``model`` (and through it ``sigmoid``) and
``bce_loss``: a wrong ``sigmoid`` or ``bce_loss`` leaves ``training_step``'s public
checks passing on the recorded stand-ins (not on the student's own functions); each
``training_step`` mistake of the corpus fails one of them, named; and a step that calls
``sigmoid`` otherwise than the reference (on half batches) is "not checked yet" while
``sigmoid`` fails, and passes on the student's own functions once they are right.
"""

from __future__ import annotations

import json
import shutil
import tomllib
from pathlib import Path

import nbformat
import pytest
from corpus_tools import ROOT, Entry, entries
from nbclient import NotebookClient

from autograder import course

FIRST, SECOND = "three_layer_classifier", "sigmoid_bce_classifier"
ASSIGNMENTS = (FIRST, SECOND)
REPORT = """\
import contextlib as _contextlib, io as _io, json as _json
from public_checks import FUNCTIONS as _FUNCTIONS, check as _check
_printed = {}
for _name in _FUNCTIONS:
    with _contextlib.redirect_stdout(_io.StringIO()) as _buffer:
        _check(_name, globals())
    _printed[_name] = _buffer.getvalue()
print("REPORT " + _json.dumps({"entry": %r, "printed": _printed}))
"""
#: Not a corpus entry: a wrong layer, and a model that calls it otherwise than the
#: reference (no ReLU on layer 1), so model's check cannot be judged with either.
BOTH_WRONG = "both_wrong"
#: Not corpus entries either: a correct training_step that calls sigmoid (through the locked
#: model) and bce_loss on each half of the batch, otherwise than the reference does, so that
#: no recorded reply fits; alone, and with a wrong sigmoid. Every probe's batch is even.
HALVES, HALVES_WRONG_SIGMOID = "step_in_halves", "step_in_halves_wrong_sigmoid"
STEP_IN_HALVES = """\
def training_step(inputs, targets):
    half = len(inputs) // 2
    with tf.GradientTape() as tape:
        first = bce_loss(targets[:half], model(inputs[:half]))
        loss = (first + bce_loss(targets[half:], model(inputs[half:]))) / 2
    variables = [W1, b1, W2, b2, W3, b3]
    for variable, gradient in zip(variables, tape.gradient(loss, variables)):
        variable.assign_sub(learning_rate * gradient)
    return loss
"""


def _solved(assignment: str) -> Path:
    return ROOT / "solutions" / assignment / f"{assignment}.ipynb"


def _functions(assignment: str) -> list[str]:
    return list(course.find(assignment).functions)


def _n_public(assignment: str) -> dict[str, int]:
    """function -> its number of public checks (the assignment's checks.toml)."""
    checks = tomllib.loads(course.find(assignment).checks_path.read_text())["check"]
    return {
        f: sum(c["public"] and c["grade_id"] == f for c in checks) for f in _functions(assignment)
    }


N_PUBLIC = {a: _n_public(a) for a in ASSIGNMENTS}
MISTAKES = [(a, e) for a in ASSIGNMENTS for e in entries("mistakes", a)]
CORRECT = [(a, e) for a in ASSIGNMENTS for e in entries("correct", a)]


def _id(pair: tuple[str, Entry]) -> str:
    return f"{pair[0]}-{pair[1].name}"


def _gid(cell) -> str:
    return cell.metadata.get("nbgrader", {}).get("grade_id", "")


def _rerun_cells(notebook, functions: list[str]) -> list:
    """The code cells a student's change re-runs: first setup cell to last function cell,
    without plots and check cells."""
    ids = [_gid(c) for c in notebook.cells]
    first = ids.index("setup_imports")
    last = max(ids.index(f) for f in functions)
    return [
        c
        for c in notebook.cells[first : last + 1]
        if c.cell_type == "code" and not _gid(c).startswith(("test_", "plot_"))
    ]


def _append_entry(notebook, rerun: list, name: str, replaced: dict[str, str]) -> None:
    for cell in rerun:
        source = replaced.get(_gid(cell), cell.source)
        notebook.cells.append(nbformat.v4.new_code_cell(source))
    notebook.cells.append(nbformat.v4.new_code_cell(REPORT % name))


def _replacements(entry: Entry) -> dict[str, str]:
    assert all(op == "replace" for op, _, _ in entry.cells), entry.name
    return {gid: code for _, gid, code in entry.cells}


def _corpus(assignment: str, kind: str, name: str) -> dict[str, str]:
    return _replacements(next(e for e in entries(kind, assignment) if e.name == name))


def _extras(assignment: str) -> dict[str, dict[str, str]]:
    """The entries of each assignment that are no corpus entry: name -> replaced cells."""
    if assignment == FIRST:
        layer = _corpus(FIRST, "mistakes", "layer_no_bias")
        model = _corpus(FIRST, "mistakes", "model_first_layer_no_relu")
        return {BOTH_WRONG: {**layer, **model}}
    halves = {"training_step": STEP_IN_HALVES}
    wrong = _corpus(SECOND, "mistakes", "sigmoid_wrong_sign")
    return {HALVES: halves, HALVES_WRONG_SIGMOID: {**wrong, **halves}}


def _build(assignment: str) -> nbformat.NotebookNode:
    functions = _functions(assignment)
    notebook = nbformat.read(str(_solved(assignment)), as_version=4)
    ids = [_gid(c) for c in notebook.cells]
    last_check = max(ids.index(f"test_{f}") for f in functions)
    rerun = _rerun_cells(notebook, functions)
    notebook.cells = notebook.cells[: last_check + 1]
    _append_entry(notebook, rerun, "reference", {})
    for kind in ("mistakes", "correct"):
        for entry in entries(kind, assignment):
            _append_entry(notebook, rerun, entry.name, _replacements(entry))
    for name, replaced in _extras(assignment).items():
        _append_entry(notebook, rerun, name, replaced)
    return notebook


def _run_alone(assignment: str, root: Path) -> dict[str, dict[str, str]]:
    """entry name -> function -> what its public checks printed, from one kernel."""
    folder = root / "student"
    folder.mkdir()
    blocker = root / "blocker"
    for name in ("autograder", "solutions"):
        (blocker / name).mkdir(parents=True)
        (blocker / name / "__init__.py").write_text(f"raise ImportError('no {name} here')\n")
    shutil.copy(_solved(assignment), folder / f"{assignment}.ipynb")  # as a student has it
    notebook = _build(assignment)
    mp = pytest.MonkeyPatch()
    mp.setenv("PYTHONPATH", str(blocker))
    mp.setenv("TF_CPP_MIN_LOG_LEVEL", "3")
    mp.setenv("MPLBACKEND", "Agg")
    try:
        NotebookClient(
            notebook,
            timeout=600,
            kernel_name="python3",
            allow_errors=True,
            resources={"metadata": {"path": str(folder)}},
        ).execute()
    finally:
        mp.undo()
    reports = {}
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            for line in output.get("text", "").splitlines():
                if line.startswith("REPORT "):
                    data = json.loads(line[len("REPORT ") :])
                    reports[data["entry"]] = data["printed"]
    return reports


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    """assignment -> entry name -> function -> what its public checks printed; each
    assignment's kernel runs when a test first asks for it."""
    runs: dict[str, dict] = {}

    def of(assignment: str) -> dict[str, dict[str, str]]:
        if assignment not in runs:
            runs[assignment] = _run_alone(assignment, tmp_path_factory.mktemp(assignment))
        return runs[assignment]

    return of


def _all_passed(assignment: str, text: str, function: str) -> bool:
    n = N_PUBLIC[assignment][function]
    return f"{function}: {n} of {n} public checks passed" in text and "FAILED" not in text


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_reference_passes_every_public_check_alone(printed, assignment):
    reference = printed(assignment)["reference"]
    assert set(reference) == set(_functions(assignment))
    for function, text in reference.items():
        assert _all_passed(assignment, text, function), text


@pytest.mark.slow
@pytest.mark.parametrize("pair", MISTAKES, ids=_id)
def test_a_mistake_fails_no_other_functions_public_check(printed, pair):
    assignment, entry = pair
    mine = set(_replacements(entry))
    for function, text in printed(assignment)[entry.name].items():
        if function not in mine:
            assert _all_passed(assignment, text, function), f"{entry.why}\n{text}"


@pytest.mark.slow
@pytest.mark.parametrize("pair", CORRECT, ids=_id)
def test_a_correct_alternative_passes_every_public_check(printed, pair):
    assignment, entry = pair
    for function, text in printed(assignment)[entry.name].items():
        assert _all_passed(assignment, text, function), f"{entry.why}\n{text}"


@pytest.mark.slow
def test_a_check_that_needs_a_broken_function_waits_for_it(printed):
    both = printed(FIRST)[BOTH_WRONG]
    assert "FAILED" in both["layer"]
    assert "FAILED" not in both["model"], both["model"]
    assert "not checked yet: `layer` fails its own check; fix it first" in both["model"]
    assert "model: 0 of" in both["model"]
    for function in set(_functions(FIRST)) - {"layer", "model"}:
        assert _all_passed(FIRST, both[function], function), both[function]


# --------------------------------------------------------------------------- the second assignment
# training_step's public checks answer its calls to sigmoid and bce_loss from the tables
# grading.py's recorded_tables wrote into the release, with catalogue.py's stand-ins.

STEP = "training_step"


def _step_mistakes() -> list[Entry]:
    return [e for a, e in MISTAKES if a == SECOND and e.loses[0] == STEP]


def _earlier_mistakes() -> list[Entry]:
    return [e for a, e in MISTAKES if a == SECOND and e.loses[0] in ("sigmoid", "bce_loss")]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["sigmoid_wrong_sign", "bce_swapped_arguments"])
def test_an_earlier_function_fails_its_own_public_check_while_the_step_passes(printed, name):
    """Two mistakes the public checks of their own function see: the step's still pass, so
    they ran on the stand-ins (on the student's own, failing, functions they would wait)."""
    text = printed(SECOND)[name]
    own = next(e for e in _earlier_mistakes() if e.name == name).loses[0]
    assert "FAILED" in text[own], text[own]
    assert _all_passed(SECOND, text[STEP], STEP), text[STEP]


@pytest.mark.slow
@pytest.mark.parametrize("entry", _step_mistakes(), ids=lambda e: e.name)
def test_a_training_step_mistake_fails_its_public_check_by_name(printed, entry):
    text = printed(SECOND)[entry.name][STEP]
    failed = [line for line in text.splitlines() if line.endswith("FAILED")]
    assert failed and all(line.startswith(f"{STEP}: ") for line in failed), text
    assert f"{STEP}: {N_PUBLIC[SECOND][STEP]} of" not in text, text


@pytest.mark.slow
def test_a_step_that_calls_sigmoid_otherwise_waits_for_a_failing_sigmoid(printed):
    waiting = printed(SECOND)[HALVES_WRONG_SIGMOID]
    assert "FAILED" in waiting["sigmoid"]
    assert "FAILED" not in waiting[STEP], waiting[STEP]
    assert "not checked yet: `sigmoid` fails its own check; fix it first" in waiting[STEP]
    assert f"{STEP}: 0 of" in waiting[STEP]
    assert _all_passed(SECOND, waiting["bce_loss"], "bce_loss"), waiting["bce_loss"]
    # right sigmoid and bce_loss: the check runs the student's own (it says so only on failure)
    for function, text in printed(SECOND)[HALVES].items():
        assert _all_passed(SECOND, text, function), text


@pytest.mark.slow
def test_the_rebinding_step_fails_its_public_check_by_name_alone(printed):
    """Issue 26: `global W1; W1 = W1 - ...` passed every public check, then crashed in
    training; the public step check finds the variables replaced and says so."""
    text = printed(FIRST)["step_rebinds_globals"][STEP]
    failed = [line for line in text.splitlines() if line.endswith("FAILED")]
    assert failed == [f"{STEP}: moves all six variables by -learning_rate * gradient ... FAILED"]
    assert "replaced the global variables with new objects" in text, text


@pytest.mark.slow
def test_a_split_one_batch_short_is_told_so_alone(printed):
    text = printed(FIRST)["split_one_batch_short"]["split_mini_batches"]
    assert "one batch too few" in text and "batches of 4 samples" not in text, text

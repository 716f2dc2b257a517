"""Public checks blame only what is wrong: one mistake at a time, in the student's own kernel.

The solved notebook (the release notebook with the reference in its solution cells) is
copied alone into an empty folder, as Colab opens it, and run in a real Jupyter kernel
(nbclient) that cannot import the kit (a stub package on PYTHONPATH shadows it).  Every
public check runs there, calling the student's functions as the check cells do.

One kernel serves every corpus entry, so that ~90 notebooks cost one kernel start and
one TensorFlow import (about a minute in all, not ~90 kernels).  The notebook is cut
after its last check cell (training and experiments do not change what a check sees:
each probe sets the variables it needs) and then, for each entry of
``tests/corpus/mistakes`` and ``tests/corpus/correct``, gets these cells appended:
the notebook's code cells from the first setup cell to the last function cell, in
order, with the entry's cells in place of the reference's (as if the student had
written them there and run the notebook from the top; the loader, plots and check
cells are left out), then one cell that runs ``check(name)`` for each function and
prints what each printed.  The next entry starts again from the reference, so no
entry sees another's code.

Asserted: with the reference every public check passes; with one mistake, every public
check of every *other* function passes (it never prints FAILED, nor waits); a correct
alternative passes every public check; and a wrong ``layer`` with a ``model`` that
calls it otherwise than the reference gets "not checked yet" for ``model``, not FAILED.
"""

from __future__ import annotations

import json
import shutil

import nbformat
import pytest
from corpus_tools import SOLVED, Entry, entries, parse
from course_paths import ASSIGNMENT
from nbclient import NotebookClient

from autograder.checks import FUNCTIONS, REGISTRY

MISTAKES = entries("mistakes")
CORRECT = entries("correct")
N_PUBLIC = {f: sum(c.public and c.grade_id == f for c in REGISTRY) for f in FUNCTIONS}
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


def _gid(cell) -> str:
    return cell.metadata.get("nbgrader", {}).get("grade_id", "")


def _rerun_cells(notebook) -> list:
    """The code cells a student's change re-runs: first setup cell to last function cell,
    without plots and check cells."""
    ids = [_gid(c) for c in notebook.cells]
    first = ids.index("setup_imports")
    last = max(ids.index(f) for f in FUNCTIONS)
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


def _build() -> nbformat.NotebookNode:
    notebook = nbformat.read(str(SOLVED), as_version=4)
    ids = [_gid(c) for c in notebook.cells]
    last_check = max(ids.index(f"test_{f}") for f in FUNCTIONS)
    rerun = _rerun_cells(notebook)
    notebook.cells = notebook.cells[: last_check + 1]
    _append_entry(notebook, rerun, "reference", {})
    for entry in MISTAKES + CORRECT:
        _append_entry(notebook, rerun, entry.name, _replacements(entry))
    layer = _replacements(parse(_corpus("mistakes", "layer_no_bias")))
    model = _replacements(parse(_corpus("mistakes", "model_first_layer_no_relu")))
    _append_entry(notebook, rerun, BOTH_WRONG, {**layer, **model})
    return notebook


def _corpus(kind: str, name: str):
    return next(e.path for e in entries(kind) if e.name == name)


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> dict[str, dict[str, str]]:
    """entry name -> function -> what its public checks printed, from one kernel."""
    root = tmp_path_factory.mktemp("alone")
    folder = root / "student"
    folder.mkdir()
    blocker = root / "blocker"
    for name in ("autograder", "solutions"):
        (blocker / name).mkdir(parents=True)
        (blocker / name / "__init__.py").write_text(f"raise ImportError('no {name} here')\n")
    shutil.copy(SOLVED, folder / f"{ASSIGNMENT}.ipynb")  # the file as a student has it
    notebook = _build()
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


def _all_passed(text: str, function: str) -> bool:
    n = N_PUBLIC[function]
    return f"{function}: {n} of {n} public checks passed" in text and "FAILED" not in text


@pytest.mark.slow
def test_reference_passes_every_public_check_alone(printed):
    assert set(printed["reference"]) == set(FUNCTIONS)
    for function, text in printed["reference"].items():
        assert _all_passed(text, function), text


@pytest.mark.slow
@pytest.mark.parametrize("entry", MISTAKES, ids=lambda e: e.name)
def test_a_mistake_fails_no_other_functions_public_check(printed, entry):
    mine = set(_replacements(entry))
    for function, text in printed[entry.name].items():
        if function not in mine:
            assert _all_passed(text, function), f"{entry.why}\n{text}"


@pytest.mark.slow
@pytest.mark.parametrize("entry", CORRECT, ids=lambda e: e.name)
def test_a_correct_alternative_passes_every_public_check(printed, entry):
    for function, text in printed[entry.name].items():
        assert _all_passed(text, function), f"{entry.why}\n{text}"


@pytest.mark.slow
def test_a_check_that_needs_a_broken_function_waits_for_it(printed):
    both = printed[BOTH_WRONG]
    assert "FAILED" in both["layer"]
    assert "FAILED" not in both["model"], both["model"]
    assert "not checked yet: `layer` fails its own check; fix it first" in both["model"]
    assert "model: 0 of" in both["model"]
    for function in set(FUNCTIONS) - {"layer", "model"}:
        assert _all_passed(both[function], function), both[function]

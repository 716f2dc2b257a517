"""The committed release is what nbgrader generates from source, and it leaks nothing."""

from __future__ import annotations

import ast
import json
import re

import nbformat
import pytest
from course_paths import ASSIGNMENT, ROOT
from run_scope import course_copy, course_selected

from autograder.checks import FUNCTIONS, REGISTRY, points_by_grade_id
from autograder.notebook import grade_id, nbgrader_meta, read_notebook, reference_sources
from autograder.release import generate, public_data, solved_notebook

RELEASE = ROOT / "release" / ASSIGNMENT
SOURCE = ROOT / "source" / ASSIGNMENT


def _code(nb) -> list[str]:
    return [c.source for c in nb.cells]


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("release")
    # generate() writes the public checks into its course's source/: a copy's, not the
    # checkout's, which other tests (other xdist workers) copy meanwhile
    with course_selected(course_copy(tmp / "course")):
        notebook = generate(tmp / "release", db_url=f"sqlite:///{tmp / 'gradebook.db'}")
    solved = solved_notebook(notebook, SOURCE / f"{ASSIGNMENT}.ipynb", tmp / "solved.ipynb")
    return tmp / "release" / ASSIGNMENT, solved


def test_committed_release_equals_a_fresh_generation(fresh):
    folder, _ = fresh
    fresh_files = sorted(p.relative_to(folder) for p in folder.rglob("*") if p.is_file())
    committed = sorted(
        p.relative_to(RELEASE)
        for p in RELEASE.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    )
    assert fresh_files == committed
    for rel in fresh_files:
        assert (folder / rel).read_bytes() == (RELEASE / rel).read_bytes(), (
            f"release/{ASSIGNMENT}/{rel} is stale: run `python -m autograder release`"
        )


def test_committed_solved_notebook_is_fresh(fresh):
    _, solved = fresh
    committed = ROOT / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    assert _code(read_notebook(solved)) == _code(read_notebook(committed))


def test_committed_public_data_is_fresh():
    data = json.loads((RELEASE / "public_checks" / "data.json").read_text())
    assert data == json.loads(json.dumps(public_data())), "run `python -m autograder release`"


def test_release_has_no_solution_and_no_hidden_test():
    text = "\n".join(
        p.read_text()
        for p in RELEASE.rglob("*")
        if p.is_file() and p.suffix in {".ipynb", ".py", ".json"}
    )
    markers = (
        "BEGIN SOLUTION",
        "END SOLUTION",
        "BEGIN HIDDEN TESTS",
        "from autograder",
        "answer_key",
    )
    for marker in markers:
        assert marker not in text
    # No line of the reference functions' bodies appears in any code cell or module.
    notebook = read_notebook(RELEASE / f"{ASSIGNMENT}.ipynb")
    code = "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
    # Lines the instructions themselves teach (e.g. `with tf.GradientTape() as tape:`) are
    # not leaks; every other line of a reference body must be absent.
    taught = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    modules = "\n".join(p.read_text() for p in (RELEASE / "public_checks").glob("*.py"))
    for name, source in reference_sources().items():
        body = ast.parse(source).body[0].body[1:]  # skip the docstring
        for statement in body:
            line = ast.unparse(statement).splitlines()[0]
            if len(line) > 12 and line not in taught:
                assert line not in code, f"{name}: {line!r} is in the release notebook"
                assert line not in modules, f"{name}: {line!r} is in the public checks"


def test_public_package_holds_only_public_checks():
    data = json.loads((RELEASE / "public_checks" / "data.json").read_text())
    public = {c.name for c in REGISTRY if c.public}
    hidden = {c.name for c in REGISTRY if not c.public}
    names = {entry["name"] for entry in data["checks"]}
    assert names == public
    blob = json.dumps(data)
    assert not any(h in blob for h in hidden)
    files = {p.name for p in (RELEASE / "public_checks").iterdir() if p.is_file()}
    from autograder.release import SHIPPED_MODULES

    # the engine's shipped modules, and the assignment's catalogue of typical mistakes and
    # stand-ins (its catalogue.py, under another name that nbgrader's ignore list lacks)
    assert files == {"__init__.py", "data.json", "typical_mistakes.py", *SHIPPED_MODULES}
    shipped = (RELEASE / "public_checks" / "typical_mistakes.py").read_bytes()
    assert shipped == (ROOT / "source" / ASSIGNMENT / "catalogue.py").read_bytes()
    for entry in data["checks"]:
        # A probe that calls earlier functions gets recorded stand-ins (numbers), never
        # the reference's code: every function it substitutes has its table, and no probe
        # carries the reference functions' sources.
        for probe, tables in zip(entry["probes"], entry["standins"], strict=True):
            assert set(probe.get("substitute", [])) == set(tables)
            assert "references" not in probe


def test_source_test_cells_carry_the_points_of_the_checks():
    points = points_by_grade_id()
    notebook = read_notebook(SOURCE / f"{ASSIGNMENT}.ipynb")
    seen = {}
    for cell in notebook.cells:
        gid, meta = grade_id(cell), nbgrader_meta(cell)
        if gid and meta.get("grade") and cell.cell_type == "code":
            seen[gid] = meta["points"]
            assert meta.get("schema_version") == 3
    assert seen == {f"test_{g}": p for g, p in points.items()}


def _function_ast(source: str, name: str) -> str:
    cleaned = re.sub(r"^\s*### (BEGIN|END) SOLUTION\s*$", "", source, flags=re.M)
    tree = ast.parse(cleaned)
    node = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name)
    return ast.dump(node, include_attributes=False)


def test_master_solution_cells_match_the_reference_module():
    notebook = read_notebook(SOURCE / f"{ASSIGNMENT}.ipynb")
    cells = {
        grade_id(c): c.source
        for c in notebook.cells
        if nbgrader_meta(c).get("solution") and c.cell_type == "code"
    }
    refs = reference_sources()
    assert set(cells) == set(FUNCTIONS)
    for name in FUNCTIONS:
        assert _function_ast(cells[name], name) == _function_ast(refs[name], name), name


def test_release_notebook_is_valid_nbformat():
    nbformat.validate(nbformat.read(str(RELEASE / f"{ASSIGNMENT}.ipynb"), as_version=4))


def test_shipped_modules_are_copies_of_the_kit():
    """The public checks run the kit's own comparison code: one definition, two places."""
    from autograder.release import PACKAGE, SHIPPED_MODULES

    for folder in (RELEASE / "public_checks",):  # source/'s copy is a build product
        for name in SHIPPED_MODULES:
            assert (folder / name).read_bytes() == (PACKAGE / name).read_bytes(), (
                f"{folder / name} is stale: run `python -m autograder release`"
            )
        template = (PACKAGE / "public_template.py").read_bytes()
        assert (folder / "__init__.py").read_bytes() == template


def test_the_notebook_carries_the_same_public_checks_as_its_folder():
    """Opened alone (Colab), the notebook unpacks its own copy: it must be the folder's."""
    from autograder.release import LOADER_ID, embedded_public_checks

    notebook = read_notebook(RELEASE / f"{ASSIGNMENT}.ipynb")
    loaders = [c for c in notebook.cells if grade_id(c) == LOADER_ID]
    assert len(loaders) == 1
    assert loaders[0].source == embedded_public_checks(RELEASE / "public_checks"), (
        "the notebook's embedded public checks are stale: run `python -m autograder release`"
    )
    assert nbgrader_meta(loaders[0]).get("locked") is True
    assert loaders[0].metadata.get("jupyter", {}).get("source_hidden") is True
    first_check = next(i for i, c in enumerate(notebook.cells) if "from public_checks" in c.source)
    assert notebook.cells.index(loaders[0]) < first_check


#: Words of the hand-graded answer's rubric (section 16), which only graders may read.
RUBRIC_WORDS = ("Rubric (2 points, for graders", "Half a point when", "why shuffling flips")


def test_the_rubric_is_in_the_master_and_not_in_the_release(fresh):
    """The rubric sits in the model answer's solution cell: generate_assignment strips it."""
    master = read_notebook(SOURCE / f"{ASSIGNMENT}.ipynb")
    answer = next(c for c in master.cells if grade_id(c) == "explain_width")
    assert nbgrader_meta(answer).get("solution") and nbgrader_meta(answer).get("points") == 2
    for words in RUBRIC_WORDS:
        assert words in answer.source, f"the master's model answer lost its rubric: {words!r}"
    folder, _ = fresh
    for release in (RELEASE, folder):  # the committed release and a fresh generation
        for path in (p for p in release.rglob("*") if p.is_file()):
            text = path.read_text(encoding="utf-8", errors="replace")
            for words in RUBRIC_WORDS:
                assert words not in text, f"{path.name} carries the rubric ({words!r})"

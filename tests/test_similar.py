"""`similar` ranks copied code above honest code, in its CSV and in the page a browser shows.

For each assignment a class is built from the corpus (every correct alternative and every
mistake a student of its own, and two students who handed in the untouched release), and
copies are planted as a student would disguise them: the source's notebook with its
variables renamed, two independent statements swapped where a function has them, new
comments, and one function changed (rewritten with a variable of its own).  A copy goes
into the Korean edition where the assignment has one.  The command line is run as an
instructor runs it, and every planted pair must rank above every other pair, in
``similar.csv`` and in ``similar.html`` as headless Chromium renders it.  Nothing here
uses the module's code to decide what is expected: the planted pairs are known.
"""

from __future__ import annotations

import ast
import csv
import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from browser_tools import chromium, rendered_dom
from corpus_tools import entries, materialize

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENTS = sorted(
    p.name for p in (ROOT / "source").glob("*/") if (p / "assignment.toml").is_file()
)
#: How many copies are planted per assignment.
PLANTED = 3


def run_similar(*args, assignment: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """``python -m autograder similar ARGS`` as an instructor runs it."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "autograder",
            "similar",
            *map(str, args),
            "--assignment",
            assignment,
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=timeout,
    )


def functions_of(assignment: str) -> list[str]:
    import tomllib

    settings = tomllib.loads((ROOT / "source" / assignment / "assignment.toml").read_text())
    return settings["graded"]["functions"]


def cells(path: Path, functions: list[str]) -> dict[str, str]:
    """grade_id -> the solution cell's code of a notebook."""
    notebook = nbformat.read(str(path), as_version=4)
    return {
        c.metadata["nbgrader"]["grade_id"]: c.source
        for c in notebook.cells
        if c.metadata.get("nbgrader", {}).get("grade_id") in functions
        and c.metadata["nbgrader"].get("solution")
    }


# --------------------------------------------------------------------------- the disguise


def _locals(function: ast.FunctionDef) -> set[str]:
    """Names the function binds itself besides its parameters (the given signature)."""
    names = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    declared = {
        n for node in ast.walk(function) if isinstance(node, ast.Global) for n in node.names
    }
    return names - declared - {a.arg for a in function.args.args + function.args.kwonlyargs}


def rename(code: str) -> tuple[str, bool]:
    """Every local variable renamed (``x`` -> ``my_x_value``), as a student who copies
    renames them; attributes and the given signature left alone."""
    tree = ast.parse(code)
    names = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            names |= _locals(node)
    for name in names:
        code = re.sub(rf"(?<![.\w]){re.escape(name)}\b", f"my_{name}_value", code)
    return code, bool(names)


def _reads(node: ast.stmt) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _writes(node: ast.stmt) -> set[str]:
    return {
        n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
    }


def swap_independent(code: str) -> tuple[str, bool]:
    """Two adjacent one-line statements of a body swapped where neither reads what the other
    writes and neither returns nor is a docstring (an order a student may change without
    changing what the function does: two updates of different variables, say)."""
    tree = ast.parse(code)
    lines = code.splitlines()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if not isinstance(body, list):
            continue
        for first, second in zip(body, body[1:]):
            simple = all(
                s.lineno == s.end_lineno
                and not isinstance(s, ast.Return)
                and not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
                for s in (first, second)
            )
            if (
                simple
                and not (_writes(first) & (_reads(second) | _writes(second)))
                and not (_writes(second) & _reads(first))
            ):
                i, j = first.lineno - 1, second.lineno - 1
                lines[i], lines[j] = lines[j], lines[i]
                return "\n".join(lines) + "\n", True
    return code, False


def comment(code: str) -> str:
    """Old comments dropped, a comment of the copier's above every other line and after
    the ``def``."""
    out = []
    for k, line in enumerate(code.splitlines()):
        if line.strip().startswith("#"):
            continue
        indent = line[: len(line) - len(line.lstrip())]
        if k % 2 and line.strip():
            out.append(f"{indent}# step {k}: see lecture notes")
        out.append(line + ("  # my own version" if line.startswith("def ") else ""))
    return "\n".join(out) + "\n"


#: How three copiers change a function's result line, each their own way (``{}``: the
#: returned expression).
REWRITES = (
    ["copied_result_here = {}", "return copied_result_here"],
    ["copied_result_here = ({},)[0]", "print('the result is ready')", "return copied_result_here"],
    ["return (lambda: {})()"],
)


def rewrite(code: str, style: int) -> str:
    """A function changed by a copier: its last ``return`` written in one of
    :data:`REWRITES`'s ways (a change of their own, not anyone else's)."""
    tree = ast.parse(code)
    returns = [n for n in ast.walk(tree) if isinstance(n, ast.Return) and n.value is not None]
    last = max(returns, key=lambda n: n.lineno)
    lines = code.splitlines()
    start, end = last.lineno - 1, last.end_lineno - 1
    indent = lines[start][: len(lines[start]) - len(lines[start].lstrip())]
    value = ast.get_source_segment(code, last.value)
    new = [indent + line.format(value) for line in REWRITES[style % len(REWRITES)]]
    return "\n".join(lines[:start] + new + lines[end + 1 :]) + "\n"


def plant(source: dict[str, str], own: list[str], functions: list[str], k: int) -> tuple:
    """The ``k``-th copier's disguised copy of ``source``'s cells (``own``: the functions
    where the source wrote something of its own), with one other function changed (the
    copiers change different ones where they can); and what was done."""
    others = [f for f in reversed(functions) if f not in own]
    changed = others[k % len(others)]
    done = {"renamed": False, "swapped": False, "changed": changed}
    copy = {}
    for gid in functions:
        code = rewrite(source[gid], k) if gid == changed else source[gid]
        code, renamed = rename(code)
        code, swapped = swap_independent(code)
        done["renamed"] |= renamed
        done["swapped"] |= swapped
        copy[gid] = comment(code)
    return copy, done


def write_copy(base: Path, code: dict[str, str], path: Path) -> Path:
    """``base`` (a solved notebook, English or Korean) with its solution cells set to ``code``."""
    notebook = nbformat.read(str(base), as_version=4)
    for cell in notebook.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in code and cell.metadata["nbgrader"].get("solution"):
            cell.source = code[gid]
    nbformat.write(notebook, str(path))
    return path


# --------------------------------------------------------------------------- the class


def _lines(entry) -> set[str]:
    """The stripped code lines of the cells an entry replaces."""
    return {
        line.strip()
        for op, _, code in entry.cells
        if op == "replace"
        for line in code.splitlines()
        if line.strip() and not line.strip().startswith("#")
    }


def sources(assignment: str, found: list) -> list:
    """The students to copy: those with the most lines of their own (in neither the
    reference solution nor any other entry), as plain text; ties by name.  A copy of a
    student who wrote what everyone writes is no copy anyone can find (README)."""
    reference = ROOT / "solutions" / assignment / "reference.py"
    standard = {line.strip() for line in reference.read_text().splitlines()}
    own = {}
    for entry, _ in found:
        others = set().union(*(_lines(e) for e, _ in found if e is not entry))
        own[entry.name] = len(_lines(entry) - standard - others)
    return sorted(found, key=lambda s: (-own[s[0].name], s[0].name))[:PLANTED]


def build_class(assignment: str, folder: Path) -> dict:
    """The class's notebooks in ``folder``; the planted pairs (copy, source) and disguises."""
    folder.mkdir(parents=True)
    functions = functions_of(assignment)
    students = {}
    for kind in ("correct", "mistakes"):
        for entry in entries(kind, assignment):
            students[entry.name] = (entry, materialize(entry, folder))
    released = ROOT / "release" / assignment / f"{assignment}.ipynb"
    for name in ("untouched_a", "untouched_b"):
        (folder / f"{name}.ipynb").write_bytes(released.read_bytes())
    # Two students who wrote every function but the first, each in the Korean edition where
    # there is one and in the English one: the first function's stub is all they share.
    solved = ROOT / "solutions" / assignment / f"{assignment}.ipynb"
    korean_solved = ROOT / "solutions" / assignment / f"{assignment}.ko.ipynb"
    korean_release = ROOT / "release" / "ko" / assignment / f"{assignment}.ipynb"
    stubbed = [(solved, released)]
    if korean_solved.is_file():
        stubbed.append((korean_solved, korean_release))
    for k, (base, stub) in enumerate(stubbed * (3 - len(stubbed))):
        code = cells(base, functions)
        code[functions[0]] = cells(stub, functions)[functions[0]]
        write_copy(base, code, folder / f"stub_{k}.ipynb")
    korean = ROOT / "solutions" / assignment / f"{assignment}.ko.ipynb"
    english = ROOT / "solutions" / assignment / f"{assignment}.ipynb"
    planted, disguises = {}, []
    for k, (entry, path) in enumerate(sources(assignment, list(students.values()))):
        own = [gid for op, gid, _ in entry.cells if op == "replace"]
        copy, done = plant(cells(path, functions), own, functions, k)
        base = korean if k == 0 and korean.is_file() else english
        name = f"copy_of_{entry.name}"
        write_copy(base, copy, folder / f"{name}.ipynb")
        planted[name] = entry.name
        disguises.append(done | {"base": base.name})
    return {"planted": planted, "disguises": disguises, "functions": functions}


@pytest.fixture(scope="module", params=ASSIGNMENTS)
def compared(request, tmp_path_factory):
    assignment = request.param
    tmp = tmp_path_factory.mktemp(f"similar_{assignment}")
    built = build_class(assignment, tmp / "class")
    out = tmp / "out"
    done = run_similar(tmp / "class", "--out", out, assignment=assignment)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    with open(out / "similar.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return assignment, built, out, rows


def _key(a: str, b: str) -> frozenset[str]:
    return frozenset((a, b))


def test_the_disguises_were_applied(compared):
    """The copies really are disguised: names changed, statements swapped, comments new,
    a function changed; one is in the Korean edition where the assignment has one."""
    assignment, built, _, _ = compared
    assert all(d["renamed"] for d in built["disguises"])
    assert any(d["swapped"] for d in built["disguises"])
    assert all(d["changed"] for d in built["disguises"])
    if (ROOT / "solutions" / assignment / f"{assignment}.ko.ipynb").is_file():
        assert built["disguises"][0]["base"].endswith(".ko.ipynb")


def test_every_planted_pair_ranks_above_every_honest_pair_in_the_csv(compared):
    _, built, _, rows = compared
    planted = {_key(c, s) for c, s in built["planted"].items()}
    ranks = {_key(r["student_a"], r["student_b"]): int(r["rank"]) for r in rows}
    assert planted <= ranks.keys(), f"planted pairs not found: {planted - ranks.keys()}"
    worst_planted = max(ranks[p] for p in planted)
    others = sorted((rank, sorted(p)) for p, rank in ranks.items() if p not in planted)
    assert not others or worst_planted < others[0][0], (worst_planted, others[:3])
    # ranks are 1..n in the file's order
    assert [int(r["rank"]) for r in rows] == list(range(1, len(rows) + 1))
    # each planted pair shares most of the function the source wrote itself
    for copy, source in built["planted"].items():
        row = next(r for r in rows if _key(r["student_a"], r["student_b"]) == _key(copy, source))
        assert float(row["share"]) > 0 and float(row["shared"]) > 0


def test_a_function_both_left_untouched_pairs_nobody(compared):
    """Students who left the first function as the release gave it (English and Korean
    stubs) are not paired by it: they have no code of their own there."""
    _, built, _, rows = compared
    first = built["functions"][0]
    stubbed = [
        r for r in rows if r["student_a"].startswith("stub_") or r["student_b"].startswith("stub_")
    ]
    assert all(r[first] == "" for r in stubbed), stubbed
    assert not [
        r
        for r in stubbed
        if r["student_a"].startswith("stub_") and r["student_b"].startswith("stub_")
    ]


def test_the_untouched_release_pairs_with_nobody(compared):
    """The released stub is no student's own code: two students who handed it in untouched
    share nothing, and nobody shares anything with them."""
    _, _, _, rows = compared
    untouched = {"untouched_a", "untouched_b"}
    assert not [r for r in rows if {r["student_a"], r["student_b"]} & untouched]


class _Pairs(HTMLParser):
    """The rendered page's ranked pairs, its side-by-side sections and marked passages."""

    def __init__(self):
        super().__init__()
        self.rows: list[dict] = []
        self.details: dict[str, dict] = {}
        self.baseline: list[str] = []
        self._row = None
        self._field = None
        self._detail = None
        self._mark = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "tr" and "pair" in classes:
            self._row = {"rank": int(a["data-rank"]), "a": "", "b": ""}
            self.rows.append(self._row)
        elif tag == "tr" and "function" in classes:
            self.baseline.append(a["data-function"])
        elif tag == "td" and self._row is not None and classes and classes[0] in ("a", "b"):
            self._field = classes[0]
        elif tag == "details" and "pair" in classes:
            self._detail = {"marked": "", "rank": int(a["data-rank"])}
            self.details[a["data-rank"]] = self._detail
        elif tag == "mark" and "own" in classes and self._detail is not None:
            self._mark += 1

    def handle_endtag(self, tag):
        if tag == "td":
            self._field = None
        elif tag == "tr":
            self._row = None
        elif tag == "details":
            self._detail = None
        elif tag == "mark" and self._mark:
            self._mark -= 1

    def handle_data(self, data):
        if self._row is not None and self._field:
            self._row[self._field] += data
        if self._detail is not None and self._mark:
            self._detail["marked"] += data


def test_every_planted_pair_ranks_first_in_the_page_chromium_renders(compared):
    browser = chromium()
    if browser is None:
        pytest.skip("no Chromium on this machine")
    assignment, built, out, rows = compared
    page = _Pairs()
    page.feed(rendered_dom(browser, out / "similar.html"))
    assert page.baseline == built["functions"]  # the class's baseline, every function
    planted = {_key(c, s) for c, s in built["planted"].items()}
    shown = [_key(r["a"], r["b"]) for r in sorted(page.rows, key=lambda r: r["rank"])]
    assert set(shown[: len(planted)]) == planted, shown[: len(planted) + 2]
    assert shown == [_key(r["student_a"], r["student_b"]) for r in rows][: len(shown)]
    for rank in range(1, len(planted) + 1):
        detail = page.details[str(rank)]
        # the side-by-side view marks passages of the source's own function in both columns
        assert detail["marked"].strip(), f"pair {rank} opens with nothing marked"


def test_a_planted_pair_marks_the_copied_lines_on_both_sides(compared):
    """In the side-by-side view of a planted pair, the statement the source wrote itself
    (its own function's longest line) is marked on the source's side, and the copy's
    renamed version of it on the copy's side."""
    browser = chromium()
    if browser is None:
        pytest.skip("no Chromium on this machine")
    _, built, out, _ = compared
    dom = rendered_dom(browser, out / "similar.html")
    for copy, source in built["planted"].items():
        assert f"copy_of_{source}" == copy
    # every planted pair's <details> has <mark class="own"> on both of its sides
    for match in re.finditer(
        r'<details class="pair"[^>]*data-rank="(\d+)".*?</details>', dom, re.S
    ):
        if int(match.group(1)) > len(built["planted"]):
            continue
        sides = re.findall(r'<pre class="code">(.*?)</pre>', match.group(0), re.S)
        pairs_of_sides = list(zip(sides[::2], sides[1::2]))
        assert any(
            '<mark class="own">' in left and '<mark class="own">' in right
            for left, right in pairs_of_sides
        )


def test_names_and_code_are_text_in_the_page_and_csv(tmp_path):
    """Students named like markup, a formula and a terminal escape, with code holding a
    script tag: the page shows them as text, the CSV cell is no formula."""
    assignment = ASSIGNMENTS[0]
    functions = functions_of(assignment)
    folder = tmp_path / "class"
    folder.mkdir()
    solved = ROOT / "solutions" / assignment / f"{assignment}.ipynb"
    source = cells(solved, functions)
    code = dict(source)
    first = functions[0]
    code[first] = source[first].rstrip("\n") + "\n    # </pre><script>alert(1)</script>\n"
    code[first] += "    unusual_name_here = '<script>alert(2)</script>' * 3  # own\n"
    names = ["=cmd|' -C calc'!A0", "<img src=x onerror=alert(3)>", "esc\x1b[31mred"]
    for name in names:
        write_copy(solved, code, folder / f"{name}.ipynb")
    for k in range(3):  # what the three share is rare only beside others
        (folder / f"solved_{k}.ipynb").write_bytes(solved.read_bytes())
    out = tmp_path / "out"
    done = run_similar(folder, "--out", out, assignment=assignment)
    assert done.returncode == 0, done.stderr
    text = (out / "similar.html").read_text(encoding="utf-8")
    assert "<script>" not in text and "<img" not in text and "\x1b" not in text
    assert "&lt;img src=x onerror=alert(3)&gt;" in text and "esc\\x1b[31mred" in text
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in text  # the code, as text
    table = (out / "similar.csv").read_text(encoding="utf-8")
    assert "\x1b" not in table
    with open(out / "similar.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    cells_written = {r["student_a"] for r in rows} | {r["student_b"] for r in rows}
    assert not any(c.startswith(("=", "+", "-", "@")) for c in cells_written)
    assert "'=cmd|' -C calc'!A0" in cells_written


def test_bad_input_is_one_line(tmp_path):
    assignment = ASSIGNMENTS[0]
    missing = run_similar(tmp_path / "nowhere", "--out", tmp_path / "o", assignment=assignment)
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    assert len(missing.stderr.strip().splitlines()) >= 1
    (tmp_path / "class").mkdir()
    (tmp_path / "class" / "a.ipynb").write_text("not json")
    (tmp_path / "class" / "b.ipynb").write_text(json.dumps({"cells": [], "nbformat": 4}))
    few = run_similar(tmp_path / "class", "--out", tmp_path / "o", assignment=assignment)
    assert few.returncode == 2 and "Traceback" not in few.stderr
    assert "fewer than two" in few.stderr
    no_out = run_similar(tmp_path / "class", assignment=assignment)
    assert no_out.returncode == 2 and "--out" in no_out.stderr


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_grade_keeps_the_code_and_similar_reads_the_graded_folder(assignment, tmp_path):
    """``grade`` keeps each submission's own code beside its results, writes similar.html and
    similar.csv and links them from the class report; ``similar DIR`` on the graded folder
    alone (the notebooks gone) ranks the planted pair first again."""
    from corpus_tools import run_grade

    functions = functions_of(assignment)
    folder = tmp_path / "class"
    folder.mkdir()
    found = [
        (e, materialize(e, folder)) for k in ("correct", "mistakes") for e in entries(k, assignment)
    ]
    (entry, path), *_ = sources(assignment, found)
    keep = {path.name}
    own = [gid for op, gid, _ in entry.cells if op == "replace"]
    copy, _ = plant(cells(path, functions), own, functions, 0)
    write_copy(ROOT / "solutions" / assignment / f"{assignment}.ipynb", copy, folder / "copy.ipynb")
    keep.add("copy.ipynb")
    for _, other in found[:3]:
        keep.add(other.name)
    (folder / "untouched.ipynb").write_bytes(
        (ROOT / "release" / assignment / f"{assignment}.ipynb").read_bytes()
    )
    keep.add("untouched.ipynb")
    for p in folder.iterdir():
        if p.name not in keep:
            p.unlink()
    graded = tmp_path / "graded"
    done = run_grade(folder, "--out", graded, "--assignment", assignment, "--quiet", timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    records = sorted(graded.glob("*/student_code.json"))
    assert len(records) == len(keep)
    untouched = json.loads((graded / "untouched" / "student_code.json").read_text())
    assert set(untouched["code"]) == set(functions)  # the stubs, kept as they were handed in
    pair = {"copy", entry.name}

    def first_pair() -> set[str]:
        with open(graded / "similar.csv", newline="", encoding="utf-8") as fh:
            top = next(csv.DictReader(fh))
        return {top["student_a"], top["student_b"]}

    assert first_pair() == pair  # written by grade
    assert 'href="similar.html"' in (graded / "report.html").read_text(encoding="utf-8")
    for p in folder.iterdir():
        p.unlink()
    (graded / "similar.csv").unlink()
    again = run_similar(graded, assignment=assignment)
    assert again.returncode == 0, again.stderr
    assert first_pair() == pair


def test_a_graded_folder_without_records_is_one_line(tmp_path):
    """A folder graded before ``similar`` existed (results, no student_code.json), or whose
    records are not what grade writes (a list, a link), is refused in one line naming
    the file, nothing written."""
    graded = tmp_path / "graded"
    for name in ("ann", "bob"):
        (graded / name).mkdir(parents=True)
        (graded / name / "results.json").write_text("{}")
    (graded / "grades.csv").write_text("student\n")
    (graded / "bob" / "student_code.json").write_text("[1, 2]")
    (graded / "cat").mkdir()
    (graded / "cat" / "results.json").write_text("{}")
    (graded / "cat" / "student_code.json").symlink_to(ROOT / "README.md")
    done = run_similar(graded, assignment=ASSIGNMENTS[0])
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "student_code.json" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not (graded / "similar.html").exists()

"""Who wrote code like whom: a class's submissions compared function by function.

``python -m autograder similar DIR`` writes ``similar.html`` and ``similar.csv``: every
pair of students ranked by how much of their *own* code they share, per graded function
and overall, each of the top pairs opening side by side with the shared passages marked.
It is a ranking for a person to read, never a verdict.

What is compared, and how (never by running student code: :mod:`tokenize` and :mod:`ast`):

* **Only what students wrote**: each graded function's solution cell(s), found as the
  grader finds them (:func:`autograder.notebook.cells_to_run`: by nbgrader grade_id, or
  by the ``def`` of a cell that lost its metadata).  Everything the release's code
  cells hold (every edition's: the stubs, their ``def`` lines, the provided code) is
  subtracted as boilerplate, so an untouched stub is no code of the student's at all.
* **Normalized tokens**: comments, docstrings and whitespace dropped, literals made one
  token each (numbers ``#``, strings ``$``), and every name the cell binds itself (its
  variables, parameters, loop targets, helpers: :func:`bound_names`, by :mod:`ast`) made
  ``V``, so renaming hides nothing.  Names it does not bind stay themselves (``tf``,
  ``np``, the notebook's global variables, attributes after a ``.``, the graded
  functions), which keeps ``tf.matmul`` apart from ``tf.add``.  Korean and English
  editions differ in prose only, so their code compares as one.
* **Fingerprints per statement** (a logical line): a hash of the whole normalized
  statement, and within statements longer than :data:`K` tokens, hashes of their
  K-token runs chosen by winnowing (a window of :data:`WINDOW` hashes, robust
  winnowing as in Schleimer, Wilkerson and Aiken 2003, MOSS's paper).  No fingerprint
  spans two statements, so reordering independent lines changes none, and a changed
  statement loses only its own.
* **The class's own baseline**: a passage found in more than ``common`` (a share of the
  class, at least :data:`LEAST_COMMON` students) counts for nothing, as MOSS ignores
  passages found in more than a set number of submissions: the standard answer most
  of a class writes makes no pair stand out.  Below that, a passage weighs less the
  more students have it (``log(n / students) / log(n / 2)``: 1 for a passage only the
  pair has).

Pairs are ranked by the weighted sum of the fingerprints they share (``shared``: how much
of their own code, each passage counting less the more students have it); a pair's
``share`` of a function is that sum over the smaller one's own fingerprints there (their
code minus boilerplate, common passages included), and overall the same sums over every
function.  A student who left a function untouched has no own code there and pairs with
nobody by it.  Ranking by the amount rather than the share keeps two students who each
wrote one unusual line, the same one, from the top.  The page also shows, per function,
how much pairs of this class share on average and at the 95th percentile: a pair's share
stands out only where it is unusual for the class.

Why not copydetect (MIT, on PyPI, with an in-memory API)?  It hashes character k-grams of
the whole filtered file, so reordered lines break its fingerprints; it compares pairs one
at a time and discounts nothing the class has in common; its page is one pair per file,
not per function; and it would bring pygments.  What this module needed of it is the
winnowing (twenty lines, below), so the kit writes those instead of adding a dependency.
"""

from __future__ import annotations

import ast
import hashlib
import io
import json
import keyword
import math
import re
import tokenize
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import course

#: Tokens per k-gram inside a statement, and hashes per winnowing window: a run of
#: K + WINDOW - 1 equal tokens inside a statement always shares a fingerprint.
K, WINDOW = 5, 4
#: The share of the class above which a passage is common (counts for nothing), and the
#: fewest students a passage may be found in and still count (a trio who copied is found).
COMMON_SHARE, LEAST_COMMON = 0.1, 3
#: A function's code is read up to this many characters (a pasted data dump is not code).
MAX_CODE_CHARS = 64_000
#: A record larger than this was not written by ``grade`` (its functions' code is capped).
MAX_RECORD_BYTES = 64 * MAX_CODE_CHARS
#: The pairs the HTML opens side by side (the CSV lists every pair that shares anything).
TOP_PAIRS = 50
#: What ``grade`` writes per submission for this command, and what this command writes.
CODE_FILE, HTML_NAME, CSV_NAME = "student_code.json", "similar.html", "similar.csv"

_STRING = "$"
_NUMBER = "#"
_NAME = "V"


# --------------------------------------------------------------------------- reading code


@dataclass
class Student:
    """One submission's own code, per graded function."""

    #: The name a person reads (as ``grade`` names the student).
    name: str
    #: Where the notebook came from.
    origin: str
    #: grade_id -> the source of the student's solution cell(s) for it.
    code: dict[str, str] = field(default_factory=dict)
    #: Why it could not be compared (no notebook, not this assignment, unreadable).
    problem: str = ""


def own_cells(submission, master) -> dict[str, str]:
    """grade_id -> the student's solution cell(s) for each graded function, as the grader
    runs them (metadata, or the ``def`` of an unmarked cell), joined, each cut at
    :data:`MAX_CODE_CHARS`."""
    from .notebook import cells_to_run

    cells, _ = cells_to_run(master, submission)
    code: dict[str, list[str]] = {}
    for cell in cells:
        if cell["kind"] == "solution":
            code.setdefault(cell["grade_id"], []).append(cell["source"])
    return {gid: "\n".join(parts)[:MAX_CODE_CHARS] for gid, parts in code.items()}


def read_student(path: Path | None, name: str, origin: str, master, problem: str = "") -> Student:
    """A submission's own code, read from its notebook (never run); ``problem`` set when
    there is none to compare."""
    from .notebook import NotANotebook, not_this_assignment, read_notebook

    if path is None:
        return Student(name, origin, problem=problem or "no notebook")
    try:
        notebook = read_notebook(path)
    except NotANotebook as exc:
        return Student(name, origin, problem=str(exc))
    wrong = not_this_assignment(master, notebook)
    if wrong:
        return Student(name, origin, problem=wrong)
    return Student(name, origin, own_cells(notebook, master))


def code_record(path: Path | None, student: str, origin: str, master, problem: str = "") -> dict:
    """What ``grade`` keeps of a submission for this command (:data:`CODE_FILE`): the
    student's own cells, so that a graded folder can be compared after the notebooks
    (or the zip they came in) are gone.  Never raises: what cannot be read is said in
    ``problem``, and costs the grading nothing."""
    try:
        found = read_student(path, student, origin, master, problem)
    except Exception as exc:  # noqa: BLE001 - a grading must not fail for this record
        found = Student(student, origin, problem=f"its code could not be read: {exc!r}"[:300])
    from .submissions import printable

    # a Latin-1 file name reaches Python as lone surrogates, which no UTF-8 file takes
    return {
        "student": printable(student),
        "origin": printable(origin),
        "code": found.code,
        "problem": printable(found.problem),
    }


def write_code_record(folder: Path, record: dict) -> None:
    """:data:`CODE_FILE` in a submission's folder under ``--out`` (atomically, no link
    followed: :func:`autograder.results.write_atomic`)."""
    from .results import write_atomic

    # ASCII: a lone surrogate in a student's cell (JSON allows "\udce9") is written escaped,
    # never as the UnicodeEncodeError that would cost the batch its files
    write_atomic(folder / CODE_FILE, json.dumps(record) + "\n")


def graded_students(folder: Path) -> tuple[list[Student], list[str]]:
    """The students of a graded folder (``grade``'s ``--out``), from each submission's
    :data:`CODE_FILE`; and the folders holding results but no such file.  The files are
    read as untrusted (student code could write there when grading ran unconfined)."""
    students, without = [], []
    for results in sorted(folder.glob("*/results.json")):
        path = results.parent / CODE_FILE
        try:
            if path.is_symlink() or path.stat().st_size > MAX_RECORD_BYTES:
                raise ValueError("not a record grade wrote")
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):
            without.append(results.parent.name)
            continue
        if not isinstance(data, dict):
            without.append(results.parent.name)
            continue
        code = data.get("code") if isinstance(data.get("code"), dict) else {}
        students.append(
            Student(
                _text(data.get("student")) or results.parent.name,
                _text(data.get("origin")) or results.parent.name,
                {k: v[:MAX_CODE_CHARS] for k, v in code.items() if isinstance(v, str)},
                _text(data.get("problem")),
            )
        )
    return students, without


def _text(value) -> str:
    return value if isinstance(value, str) else ""


def is_graded_folder(folder: Path) -> bool:
    """Whether ``folder`` is ``grade``'s ``--out`` (results there), not a class folder."""
    return (folder / "grades.csv").is_file() or any(folder.glob("*/results.json"))


# --------------------------------------------------------------------------- tokens


@dataclass(frozen=True)
class Token:
    """A normalized token and where its text is in the cell (character offsets)."""

    text: str
    start: int
    end: int


def bound_names(source: str) -> frozenset[str]:
    """The names ``source`` binds itself (assignment targets, parameters, loop and ``with``
    targets, imports, its own functions' names), which a student chooses and a copier
    renames; names it declares ``global`` are the notebook's, not its own.  Read with
    :func:`ast.parse` (never run); code that does not parse is read by a rougher rule
    (a name before ``=``, after ``for``, ``as``, ``def``, ``import``)."""
    from .worker import strip_magics

    try:
        tree = ast.parse(strip_magics(source))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return _bound_roughly(source)
    bound: set[str] = set()
    declared: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            bound.add(node.id)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            declared.update(node.names)
    return frozenset(bound - declared)


_BINDS_AFTER = {"for", "as", "def", "class", "import", "lambda"}
_BINDS_BEFORE = {"=", "+=", "-=", "*=", "/=", "//=", "%=", "**=", "@=", ":="}


def _bound_roughly(source: str) -> frozenset[str]:
    words = re.findall(r"[A-Za-z_]\w*|[-+*/%@:]?=|\*\*=|//=|==|\S", source)
    bound = set()
    for k, word in enumerate(words):
        if not (word[0].isalpha() or word[0] == "_") or keyword.iskeyword(word):
            continue
        before = words[k - 1] if k else ""
        after = words[k + 1] if k + 1 < len(words) else ""
        if before in _BINDS_AFTER or after in _BINDS_BEFORE:
            bound.add(word)
    return frozenset(bound)


_SKIPPED = {
    tokenize.COMMENT,
    tokenize.NL,
    tokenize.INDENT,
    tokenize.DEDENT,
    tokenize.ENCODING,
    tokenize.ENDMARKER,
}
#: Python 3.12 splits f-strings into parts: they are one string token here, as before.
_FSTRING_START = getattr(tokenize, "FSTRING_START", None)
_FSTRING_END = getattr(tokenize, "FSTRING_END", None)
_ROUGH = re.compile(r"[A-Za-z_]\w*|\d[\w.]*|'[^']*'?|\"[^\"]*\"?|\S")


def statements(source: str, keep: frozenset[str] = frozenset()) -> list[list[Token]]:
    """The normalized tokens of each statement (logical line) of ``source``, docstrings and
    comments left out, the names it binds (:func:`bound_names`; but those in ``keep``,
    the graded functions) made one token.  Code the tokenizer gives up on (an unclosed
    bracket, a bad dedent) is read on from there, line by line, with a rougher pattern."""
    chosen = bound_names(source) - keep
    starts = _line_starts(source)
    lines: list[list[Token]] = []
    current: list[Token] = []
    previous = ""
    depth = 0  # inside an f-string (3.12's tokens)
    stopped_at = None
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            kind, text = tok.type, tok.string
            if _FSTRING_START is not None and kind in (_FSTRING_START, _FSTRING_END):
                depth += 1 if kind == _FSTRING_START else -1
                if kind == _FSTRING_START and depth == 1:
                    begin = _offset(starts, tok.start)
                elif depth == 0:
                    current.append(Token(_STRING, begin, _offset(starts, tok.end)))
                    previous = _STRING
                continue
            if depth or kind in _SKIPPED:
                continue
            if kind == tokenize.NEWLINE:
                _close(current, lines)
                current, previous = [], ""
                continue
            norm = _normal(kind, text, previous, chosen)
            current.append(Token(norm, _offset(starts, tok.start), _offset(starts, tok.end)))
            previous = text if kind == tokenize.OP else norm
    except (tokenize.TokenError, SyntaxError, ValueError):
        stopped_at = current[0].start if current else (lines[-1][-1].end if lines else 0)
    else:
        _close(current, lines)
    if stopped_at is not None:
        lines += _rough(source, stopped_at, chosen)
    return lines


def _close(current: list[Token], lines: list[list[Token]]) -> None:
    """End a statement: kept unless empty or a lone string (a docstring)."""
    if current and not all(t.text == _STRING for t in current):
        lines.append(current)


def _normal(kind: int, text: str, previous: str, chosen: frozenset[str]) -> str:
    if kind == tokenize.NAME:
        return _NAME if text in chosen and previous != "." else text
    if kind == tokenize.NUMBER:
        return _NUMBER
    if kind == tokenize.STRING:
        return _STRING
    return text


def _rough(source: str, start: int, chosen: frozenset[str]) -> list[list[Token]]:
    """Statements of ``source[start:]``, one a physical line, tokens found by a pattern."""
    lines = []
    offset = start
    for raw in source[start:].splitlines(keepends=True):
        code = raw.split("#", 1)[0]
        line, previous = [], ""
        for m in _ROUGH.finditer(code):
            text = m.group()
            if text[0] in "'\"":
                norm = _STRING
            elif text[0].isdigit():
                norm = _NUMBER
            elif text[0].isalpha() or text[0] == "_":
                norm = _NAME if text in chosen and previous != "." else text
            else:
                norm = text
            line.append(Token(norm, offset + m.start(), offset + m.end()))
            previous = text
        _close(line, lines)
        offset += len(raw)
    return lines


def _line_starts(source: str) -> list[int]:
    """Offsets where each physical line starts, as ``io.StringIO.readline`` splits them."""
    starts = [0]
    for k, char in enumerate(source):
        if char == "\n":
            starts.append(k + 1)
    return starts


def _offset(starts: list[int], where: tuple[int, int]) -> int:
    row, col = where
    return starts[min(row - 1, len(starts) - 1)] + col


# --------------------------------------------------------------------------- fingerprints


def _hash(kind: str, texts: Iterable[str]) -> int:
    digest = hashlib.blake2b(digest_size=8)
    digest.update(kind.encode())
    for text in texts:
        digest.update(b"\0" + text.encode("utf-8", "surrogatepass"))
    return int.from_bytes(digest.digest(), "little") >> 1  # fits a signed 64-bit integer


def winnow(hashes: list[int], window: int = WINDOW) -> list[int]:
    """Robust winnowing: the positions of the smallest hash of every ``window``
    consecutive hashes (the rightmost on a tie), each position once, in order."""
    if len(hashes) <= window:
        return [min(range(len(hashes)), key=lambda i: (hashes[i], -i))] if hashes else []
    chosen: list[int] = []
    for left in range(len(hashes) - window + 1):
        best = min(range(left, left + window), key=lambda i: (hashes[i], -i))
        if not chosen or chosen[-1] != best:
            chosen.append(best)
    return chosen


def fingerprints(
    source: str, keep: frozenset[str] = frozenset()
) -> dict[int, list[tuple[int, int]]]:
    """hash -> the character spans of ``source`` it was taken from: each statement's
    whole hash, and its winnowed K-token runs when it is longer than K tokens."""
    found: dict[int, list[tuple[int, int]]] = {}
    for line in statements(source, keep):
        texts = [t.text for t in line]
        found.setdefault(_hash("L", texts), []).append((line[0].start, line[-1].end))
        if len(line) > K:
            grams = [_hash("K", texts[i : i + K]) for i in range(len(line) - K + 1)]
            for i in winnow(grams):
                found.setdefault(grams[i], []).append((line[i].start, line[i + K - 1].end))
    return found


@dataclass(frozen=True)
class Boilerplate:
    """What no student wrote: the release's code; and the names kept as they are (the
    graded functions', which a student defines but does not choose)."""

    hashes: frozenset[int]
    keep: frozenset[str]


def boilerplate(release_notebooks: Iterable[Path], functions: Iterable[str]) -> Boilerplate:
    """The fingerprints of every code cell of the release's notebooks (every edition: the
    stubs, their ``def`` lines and docstrings, the provided code)."""
    from .notebook import read_notebook

    keep = frozenset(functions)
    hashes: set[int] = set()
    for path in release_notebooks:
        for cell in read_notebook(path).cells:
            if cell.get("cell_type") == "code":
                hashes.update(fingerprints(cell.source, keep))
    return Boilerplate(frozenset(hashes), keep)


def release_notebooks(here: course.Assignment | None = None) -> list[Path]:
    """The student release's notebook of every edition (English, then ``release/<lang>/``)."""
    here = here or course.current()
    name = f"{here.name}.ipynb"
    found = [here.release_dir / name]
    found += sorted((here.course / "release").glob(f"*/{here.name}/{name}"))
    return [p for p in found if p.is_file()]


# --------------------------------------------------------------------------- comparing


def common_limit(n: int, share: float = COMMON_SHARE) -> int:
    """The most students a passage may be found in and still count."""
    return max(LEAST_COMMON, math.floor(share * n))


def weight(found_in: np.ndarray, n: int, limit: int) -> np.ndarray:
    """How much a passage shared by a pair counts, by how many students have it: 1 when
    only the pair has it, less the more have it, nothing past ``limit``."""
    found_in = np.asarray(found_in, dtype=np.float64)
    if n <= 2:
        return np.where(found_in <= limit, 1.0, 0.0)
    w = np.log(n / np.maximum(found_in, 2.0)) / np.log(n / 2.0)
    return np.where(found_in <= limit, np.clip(w, 0.0, 1.0), 0.0)


@dataclass
class FunctionStats:
    """One function across the class: who wrote own code in it, and what pairs share."""

    name: str
    #: Students with own code in it (not the untouched stub).
    wrote: int = 0
    #: Over the pairs who both wrote it: the mean share of own code counting every
    #: shared passage (how alike honest code is here), and the weighted share's mean
    #: and 95th percentile (what a pair's figure is read against).
    alike: float = 0.0
    mean: float = 0.0
    p95: float = 0.0


@dataclass
class Pair:
    """Two students, what they share of each function and overall."""

    a: int
    b: int
    share: float
    shared: float
    #: grade_id -> the pair's weighted share of it (None: not both wrote it).
    per_function: dict[str, float | None]


@dataclass
class Comparison:
    """A class compared: its students, functions, pairs (ranked) and baselines."""

    students: list[Student]
    functions: list[str]
    pairs: list[Pair]
    stats: dict[str, FunctionStats]
    limit: int
    #: students x function -> fingerprint -> spans, for marking passages.
    prints: list[dict[str, dict[int, list[tuple[int, int]]]]]
    #: function -> fingerprint -> weight, for the passages that count.
    weights: dict[str, dict[int, float]]
    #: Indexes of the students compared (those without a problem).
    compared: list[int]


def compare(
    students: list[Student],
    functions: Iterable[str],
    plate: Boilerplate,
    share: float = COMMON_SHARE,
) -> Comparison:
    """Fingerprint every student's own code and compare every pair, function by function."""
    functions = list(functions)
    compared = [i for i, s in enumerate(students) if not s.problem]
    prints: list[dict[str, dict[int, list[tuple[int, int]]]]] = []
    seen: dict[str, dict[int, list[tuple[int, int]]]] = {}  # the same code, read once
    for student in students:
        mine = {}
        for gid in functions:
            code = student.code.get(gid, "")
            if code not in seen:
                found = fingerprints(code, plate.keep)
                seen[code] = {h: spans for h, spans in found.items() if h not in plate.hashes}
            mine[gid] = seen[code]
        prints.append(mine)
    n = len(compared)
    limit = common_limit(n, share)
    shared_sum = np.zeros((n, n))
    denominator = np.zeros((n, n))
    per_function: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    stats: dict[str, FunctionStats] = {}
    weights: dict[str, dict[int, float]] = {}
    for gid in functions:
        sets = [prints[i][gid].keys() for i in compared]
        shared, alike, own, w = _function_matrices(sets, n, limit)
        weights[gid] = w
        smaller = np.minimum.outer(own, own).astype(np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            fraction = np.where(smaller > 0, shared / smaller, 0.0)
            alike_fraction = np.where(smaller > 0, alike / smaller, 0.0)
        shared_sum += shared
        denominator += smaller
        per_function[gid] = (fraction, smaller > 0)
        stats[gid] = _stats(gid, own, fraction, alike_fraction, smaller > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        overall = np.where(denominator > 0, shared_sum / denominator, 0.0)
    pairs = []
    rows, cols = np.nonzero(np.triu(shared_sum > 0, k=1))
    for r, c in zip(rows.tolist(), cols.tolist()):
        pairs.append(
            Pair(
                compared[r],
                compared[c],
                float(overall[r, c]),
                float(shared_sum[r, c]),
                {
                    gid: float(frac[r, c]) if wrote[r, c] else None
                    for gid, (frac, wrote) in per_function.items()
                },
            )
        )
    pairs.sort(
        key=lambda p: (-round(p.shared, 9), -p.share, students[p.a].name, students[p.b].name)
    )
    return Comparison(students, functions, pairs, stats, limit, prints, weights, compared)


def _function_matrices(sets: list, n: int, limit: int):
    """For one function: the weighted shared sums and the plain shared counts of every
    pair, each student's own fingerprint count, and the weight of each passage."""
    own = np.array([len(s) for s in sets], dtype=np.int64)
    found_in: dict[int, int] = {}
    for s in sets:
        for h in s:
            found_in[h] = found_in.get(h, 0) + 1
    columns = [h for h, count in found_in.items() if count >= 2]
    if not columns:
        return np.zeros((n, n)), np.zeros((n, n)), own, {}
    index = {h: j for j, h in enumerate(columns)}
    matrix = np.zeros((n, len(columns)), dtype=np.float32)
    for i, s in enumerate(sets):
        js = [index[h] for h in s if h in index]
        matrix[i, js] = 1.0
    counts = np.array([found_in[h] for h in columns])
    w = weight(counts, n, limit)
    alike = (matrix @ matrix.T).astype(np.float64)
    shared = ((matrix * w.astype(np.float32)) @ matrix.T).astype(np.float64)
    np.fill_diagonal(alike, 0.0)
    np.fill_diagonal(shared, 0.0)
    return shared, alike, own, {h: float(w[index[h]]) for h in columns if w[index[h]] > 0}


def _stats(gid, own, fraction, alike, both) -> FunctionStats:
    upper = np.triu(both, k=1)
    values = fraction[upper]
    stats = FunctionStats(gid, int((own > 0).sum()))
    if values.size:
        stats.alike = float(alike[upper].mean())
        stats.mean = float(values.mean())
        stats.p95 = float(np.percentile(values, 95))
    return stats


# --------------------------------------------------------------------------- output


def visible(text: str) -> str:
    """Control characters (and bidirectional overrides) as visible escapes, so that a name
    or a line of code cannot rewrite a terminal, a spreadsheet row or a page's text
    direction; newlines and tabs stay (:func:`autograder.submissions.shown`)."""
    from .submissions import shown

    return shown(text, keep="\n\t")


def _name(text: str) -> str:
    """A student's name or origin on one line, control characters escaped."""
    return visible(" ".join(text.split()))


def write_csv(path: Path, result: Comparison) -> Path:
    """Every pair that shares anything, ranked: names, overall and per-function shares
    (through the kit's one CSV writer: no cell a spreadsheet runs as a formula)."""
    from .results import write_csv as write_rows

    rows: list[list[str | float]] = [
        ["rank", "student_a", "student_b", "share", "shared", *result.functions]
        + ["origin_a", "origin_b"]
    ]
    for rank, pair in enumerate(result.pairs, 1):
        a, b = result.students[pair.a], result.students[pair.b]
        rows.append(
            [rank, _name(a.name), _name(b.name)]
            + [f"{pair.share:.4f}", f"{pair.shared:.2f}"]
            + ["" if v is None else f"{v:.4f}" for v in pair.per_function.values()]
            + [_name(a.origin), _name(b.origin)]
        )
    write_rows(path, rows)
    return path


def marked(source: str, spans: Iterable[tuple[int, int, int]]) -> list[tuple[str, int]]:
    """``source`` cut into (text, level) runs: level 2 where a passage that counts is
    shared, 1 where a common one is, 0 elsewhere."""
    levels = bytearray(len(source))
    for start, end, level in spans:
        for k in range(max(0, start), min(end, len(source))):
            levels[k] = max(levels[k], level)
    runs: list[tuple[str, int]] = []
    start = 0
    for k in range(1, len(source) + 1):
        if k == len(source) or levels[k] != levels[start]:
            runs.append((visible(source[start:k]), levels[start]))
            start = k
    return runs


def _sides(result: Comparison, pair: Pair) -> Iterator[dict]:
    """Each function of a pair, its two codes with the shared passages marked."""
    for gid in result.functions:
        left, right = result.prints[pair.a][gid], result.prints[pair.b][gid]
        both = left.keys() & right.keys()
        weights = result.weights.get(gid, {})
        sides = []
        for who, mine in ((pair.a, left), (pair.b, right)):
            spans = [(s, e, 2 if weights.get(h) else 1) for h in both for s, e in mine[h]]
            sides.append(marked(result.students[who].code.get(gid, ""), spans))
        yield {"name": gid, "share": pair.per_function.get(gid), "sides": sides}


def write_html(path: Path, result: Comparison, title: str, top: int = TOP_PAIRS) -> Path:
    """The ranked pairs, the class's baseline per function, and the top ``top`` pairs side
    by side (Jinja2 autoescaping: names and code are text, never markup)."""
    from .feedback import _ENV
    from .results import write_atomic

    pairs = [
        {
            "rank": rank,
            "a": _name(result.students[p.a].name),
            "b": _name(result.students[p.b].name),
            "share": p.share,
            "shared": p.shared,
            "per_function": [
                (gid, v, v is not None and v > 0 and v > result.stats[gid].p95)
                for gid, v in p.per_function.items()
            ],
            "functions": list(_sides(result, p)) if rank <= top else None,
        }
        for rank, p in enumerate(result.pairs, 1)
        if rank <= max(top, 200)
    ]
    html = _ENV.get_template("similar.html.j2").render(
        title=visible(title),
        n=len(result.compared),
        functions=result.functions,
        stats=[result.stats[g] for g in result.functions],
        pairs=pairs,
        total_pairs=len(result.pairs),
        top=top,
        limit=result.limit,
        k=K,
        window=WINDOW,
        csv_name=CSV_NAME,
        not_compared=[(_name(s.name), visible(s.problem)) for s in result.students if s.problem],
    )
    write_atomic(path, html)
    return path


def write_reports(
    students: list[Student], out: Path, top: int = TOP_PAIRS, share: float = COMMON_SHARE
) -> tuple[Path, Path, Comparison]:
    """Compare ``students`` of the current assignment; write ``similar.html`` and
    ``similar.csv`` into ``out``."""
    here = course.current()
    plate = boilerplate(release_notebooks(here), here.functions)
    result = compare(_distinct(students), here.functions, plate, share)
    title = f"Similar code: {len(result.compared)} submissions of {here.name}"
    return (
        write_html(out / HTML_NAME, result, title, top),
        write_csv(out / CSV_NAME, result),
        result,
    )


def _distinct(students: list[Student]) -> list[Student]:
    """Names told apart where two submissions share one (``name (origin)``)."""
    seen: dict[str, int] = {}
    for s in students:
        seen[s.name] = seen.get(s.name, 0) + 1
    return [
        Student(f"{s.name} ({s.origin})", s.origin, s.code, s.problem) if seen[s.name] > 1 else s
        for s in students
    ]


def similar_after_batch(out: Path) -> Path | None:
    """``similar.html`` and ``similar.csv`` at the end of ``grade``, from the records just
    written: a comparison that cannot be made is said in one line and costs nothing else."""
    import sys

    try:
        students, _ = graded_students(out)
        if len([s for s in students if not s.problem]) < 2:
            return None
        return write_reports(students, out)[0]
    except (OSError, ValueError) as exc:
        print(f"note: the similarity report was not written: {exc}", file=sys.stderr)
        return None


def class_students(found_submissions) -> list[Student]:
    """The students of :func:`autograder.submissions.find_submissions`'s rows, read."""
    from .notebook import read_notebook, source_path

    master = read_notebook(source_path())
    return [
        read_student(sub.path, sub.student, sub.origin, master, sub.problem)
        for sub in found_submissions
    ]

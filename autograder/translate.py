"""Editions of a notebook in other languages, from one master and a gettext catalogue.

A translated edition is the English student notebook with its prose replaced,
message by message, from ``locale/<lang>.po`` beside the master notebook.  The
code stays the code: every code cell keeps its source lines, its ``grade_id``
and its place, so a submission of any edition is graded exactly as an English
one (the grader restores locked cells from the master and reads only code).

What is a message (its context names where it stands, so two cells with the
same English text can be translated apart):

* a markdown cell, whole (``markdown:<cell id>``): a paragraph split would
  let a translator reorder nothing, and Korean word order differs;
* in a student's stubbed cell (nbgrader ``solution``), the docstring and each
  comment line (``code:<grade_id>``), except nbgrader's ``YOUR CODE HERE``;
* in a provided cell that draws with matplotlib, the text of each title, axis
  label and legend label (``plot:<grade_id>``; :data:`PLOT_STRING`): the reader sees
  it in the figure.  Only the text between the quotes changes (an f-string keeps its
  ``{fields}``), and the grader restores provided cells from the master anyway;
* in a provided cell that is not a setup cell (those stay the master's, which the
  grader runs), each quoted piece of what ``print(...)`` prints (``print:<grade_id>``;
  :func:`_print_strings`): the lines the training and the experiments print.  The same
  rule: the text between the quotes, every ``{field}`` kept.

Catalogues are gettext PO files, read and written with polib: PO is the
format translators' tools (Poedit, Weblate, Lokalize) open, it records a
changed English message as *fuzzy* with the previous text beside it, and polib
is a small pure-Python library with no compiled part (Babel's catalogue
classes would do too, but bring its locale database for nothing we use).

An edition is written only whole: :func:`translate` refuses, naming each
message, when any is missing, empty or fuzzy.
"""

from __future__ import annotations

import ast
import copy
import re
from dataclasses import dataclass
from pathlib import Path

#: Left as it is in every edition: nbgrader and students search for it.
KEEP = ("YOUR CODE HERE",)
_COMMENT = re.compile(r"^(?P<indent>\s*)# (?P<text>.+?)\s*$")
_DOCSTRING = re.compile(r'^(?P<indent>\s*)"""(?P<text>.+?)"""\s*$')
#: A figure's words in a provided plotting cell: the string given as a title, an axis
#: label or a legend label (also the ``else`` branch of a conditional label).
PLOT_STRING = re.compile(
    r"(?:\blabel\s*=\s*|\b(?:set_)?[xy]label\(|\b(?:set_|sup)?title\(|\bplot_decision\("
    r'|\belse\s+)f?"(?P<text>[^"]*[A-Za-z][^"]*)"'
)


@dataclass(frozen=True)
class Message:
    """One translatable piece of a notebook: where it stands and its English text."""

    context: str
    text: str


class Untranslated(ValueError):
    """Some messages have no (or only a fuzzy) translation: no edition is written."""

    def __init__(self, lang: str, messages: list[Message], where: str | Path | None = None):
        self.lang, self.messages, self.where = lang, messages, where
        first = messages[0]
        super().__init__(
            f"{len(messages)} message(s) lack their {lang} text (first: {first.context}, "
            f"{first.text[:60]!r}): translate them in {where or 'the catalogue'}, "
            "then release again"
        )


def _is_solution(cell) -> bool:
    return bool(cell.get("metadata", {}).get("nbgrader", {}).get("solution"))


def _code_lines(cell) -> list[tuple[int, re.Match]]:
    """(line number, match) of each translatable line of a stubbed code cell."""
    found = []
    for number, line in enumerate(_source(cell).split("\n")):
        match = _DOCSTRING.match(line) or _COMMENT.match(line)
        if match and match["text"] not in KEEP and not match["text"].startswith("%%"):
            found.append((number, match))
    return found


def _is_plot(cell) -> bool:
    """A provided (not stubbed) code cell that draws a figure."""
    return cell["cell_type"] == "code" and not _is_solution(cell) and "plt." in _source(cell)


def _plot_strings(cell) -> list[tuple[int, re.Match]]:
    """(line number, match) of each figure string of a provided plotting cell."""
    return [
        (number, match)
        for number, line in enumerate(_source(cell).split("\n"))
        if not line.lstrip().startswith("#")
        for match in PLOT_STRING.finditer(line)
    ]


#: A quoted piece of a printed string (one literal of an implicit concatenation).
_PIECE = re.compile(r'f?"(?P<text>[^"]*)"')
_FIELD = re.compile(r"\{[^}]*\}")


def _printing(cell) -> bool:
    """A provided code cell, not a setup cell, that prints."""
    return (
        cell["cell_type"] == "code"
        and not _is_solution(cell)
        and "setup" not in cell.get("metadata", {}).get("tags", [])
        and "print(" in _source(cell)
    )


def _column(line: str, offset: int) -> int:
    """``ast``'s column (UTF-8 bytes) as an index into ``line`` (characters)."""
    return len(line.encode("utf-8")[:offset].decode("utf-8", "ignore"))


def _is_text(node) -> bool:
    return isinstance(node, ast.JoinedStr) or (
        isinstance(node, ast.Constant) and isinstance(node.value, str)
    )


def _only_printed(tree) -> set[str]:
    """Names whose every use is a ``{field}`` of a string ``print`` prints: their string
    values are words to read, not code (an ``init`` name passed on to a function is code)."""
    printed: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "print":
            for arg in node.args:
                for field in ast.walk(arg) if isinstance(arg, ast.JoinedStr) else ():
                    if isinstance(field, ast.FormattedValue) and isinstance(field.value, ast.Name):
                        printed.append(field.value.id)
    used = [n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)]
    return {name for name in printed if used.count(name) == printed.count(name)}


def _printed_values(tree) -> list:
    """The string constants given to names that only ``print`` reads (:func:`_only_printed`):
    ``dead = "none can die" if ... else ...``, ``for name, options in (("as above", {}),)``."""
    names, found = _only_printed(tree), []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and target.id in names:
                values = (
                    [node.value.body, node.value.orelse]
                    if isinstance(node.value, ast.IfExp)
                    else [node.value]
                )
                found += [v for v in values if _is_text(v)]
        elif isinstance(node, ast.For) and isinstance(node.target, ast.Tuple):
            slots = [k for k, t in enumerate(node.target.elts) if getattr(t, "id", None) in names]
            rows = node.iter.elts if isinstance(node.iter, (ast.Tuple, ast.List)) else []
            for row in rows:
                if isinstance(row, (ast.Tuple, ast.List)) and len(row.elts) == len(
                    node.target.elts
                ):
                    found += [row.elts[k] for k in slots if _is_text(row.elts[k])]
    return found


def _print_strings(cell, words: bool = True) -> list[tuple[int, re.Match]]:
    """(line number, match) of each quoted piece of a string that ``print(...)`` prints
    (its arguments, and the strings of names only it reads) that has words outside its
    ``{fields}`` (any piece, when not ``words``: an edition's), right to left within a line."""
    try:
        tree = ast.parse(_source(cell))
    except SyntaxError:
        return []
    spans = []
    texts = [
        arg
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "print"
        for arg in node.args
        if _is_text(arg)
    ]
    for arg in texts + _printed_values(tree):
        spans.append((arg.lineno, arg.col_offset, arg.end_lineno, arg.end_col_offset))
    lines = _source(cell).split("\n")
    found = []
    for first, start, last, end in spans:
        for number in range(first - 1, last):
            low = _column(lines[number], start) if number == first - 1 else 0
            high = _column(lines[number], end) if number == last - 1 else len(lines[number])
            for match in _PIECE.finditer(lines[number], low, high):
                if not words or re.search(r"[A-Za-z]", _FIELD.sub("", match["text"])):
                    found.append((number, match))
    return sorted(found, key=lambda nm: (nm[0], -nm[1].start()))


def _context(cell, kind: str) -> str:
    return f"{kind}:{cell.get('metadata', {}).get('nbgrader', {}).get('grade_id') or cell['id']}"


def _source(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def messages(notebook) -> list[Message]:
    """Every message of ``notebook``, in reading order (duplicates in a context kept once)."""
    found: list[Message] = []
    for cell in notebook["cells"]:
        if cell["cell_type"] == "markdown" and _source(cell).strip():
            found.append(Message(f"markdown:{cell['id']}", _source(cell)))
        elif cell["cell_type"] == "code" and _is_solution(cell):
            context = f"code:{cell['metadata']['nbgrader']['grade_id']}"
            found.extend(Message(context, m["text"]) for _, m in _code_lines(cell))
        elif _is_plot(cell):
            context = _context(cell, "plot")
            found.extend(Message(context, m["text"]) for _, m in _plot_strings(cell))
        if _printing(cell):
            context = _context(cell, "print")
            pieces = sorted(_print_strings(cell), key=lambda nm: (nm[0], nm[1].start()))
            found.extend(Message(context, m["text"]) for _, m in pieces)
    return list(dict.fromkeys(found))


def read_catalog(path: Path):
    import polib

    return polib.pofile(str(path), wrapwidth=0)


def catalog_table(catalog) -> dict[tuple[str, str], str]:
    """(context, English) → translation, for the messages translated and not fuzzy."""
    return {
        (e.msgctxt or "", e.msgid): e.msgstr
        for e in catalog
        if e.msgstr.strip() and not e.fuzzy and not e.obsolete
    }


def missing(notebook, catalog) -> list[Message]:
    table = catalog_table(catalog)
    return [m for m in messages(notebook) if (m.context, m.text) not in table]


def translate(notebook, catalog, lang: str):
    """A copy of ``notebook`` with every message translated; :class:`Untranslated` if
    any lacks its text.  The nbgrader checksums of translated cells are computed
    again, so ``nbgrader validate`` accepts the edition as it is."""
    lacking = missing(notebook, catalog)
    if lacking:
        raise Untranslated(lang, lacking, getattr(catalog, "fpath", None))
    from nbgrader.utils import compute_checksum

    table = catalog_table(catalog)
    edition = copy.deepcopy(notebook)
    for cell in edition["cells"]:
        if cell["cell_type"] == "markdown" and _source(cell).strip():
            cell["source"] = table[(f"markdown:{cell['id']}", _source(cell))]
        elif cell["cell_type"] == "code" and _is_solution(cell):
            _translate_code(cell, table)
        elif (_is_plot(cell) and _plot_strings(cell)) or (_printing(cell) and _print_strings(cell)):
            if _is_plot(cell):
                _translate_plot(cell, table)
            if _printing(cell):
                _translate_prints(cell, table)
        else:
            continue
        if "checksum" in cell["metadata"].get("nbgrader", {}):
            cell["metadata"]["nbgrader"]["checksum"] = compute_checksum(cell)
    edition["metadata"].setdefault("autograder", {})["lang"] = lang
    return edition


def _translate_code(cell, table: dict) -> None:
    context = f"code:{cell['metadata']['nbgrader']['grade_id']}"
    lines = _source(cell).split("\n")
    for number, match in _code_lines(cell):
        text = table[(context, match["text"])]
        quote = '"""' if lines[number].lstrip().startswith('"""') else None
        lines[number] = (
            f"{match['indent']}{quote}{text}{quote}" if quote else f"{match['indent']}# {text}"
        )
    cell["source"] = "\n".join(lines)


def _translate_plot(cell, table: dict) -> None:
    """Each figure string replaced between its quotes, right to left within a line."""
    context = _context(cell, "plot")
    lines = _source(cell).split("\n")
    for number, match in sorted(_plot_strings(cell), key=lambda nm: (nm[0], -nm[1].start())):
        line = lines[number]
        start, end = match.span("text")
        lines[number] = line[:start] + table[(context, match["text"])] + line[end:]
    cell["source"] = "\n".join(lines)


def _translate_prints(cell, table: dict) -> None:
    """Each printed piece replaced between its quotes (:func:`_print_strings`)."""
    context = _context(cell, "print")
    lines = _source(cell).split("\n")
    for number, match in _print_strings(cell):
        line = lines[number]
        start, end = match.span("text")
        lines[number] = line[:start] + table[(context, match["text"])] + line[end:]
    cell["source"] = "\n".join(lines)


def update_catalog(notebook, path: Path, lang: str) -> tuple[int, int]:
    """Bring ``path`` up to date with ``notebook``'s messages (:func:`update_messages`)."""
    return update_messages(messages(notebook), path, lang)


def update_messages(wanted: list[Message], path: Path, lang: str) -> tuple[int, int]:
    """Bring ``path`` up to date with the messages ``wanted``, as gettext's msgmerge
    would: a new message is added empty; one whose English changed in a context that
    had a translation keeps that translation, marked fuzzy, with the old English as
    ``previous_msgid`` for the translator; messages gone from the notebook are
    dropped (git keeps their history).  Returns (new, fuzzy)."""
    import polib

    catalog = read_catalog(path) if path.exists() else polib.POFile(wrapwidth=0)
    catalog.metadata = catalog.metadata or {
        "Content-Type": "text/plain; charset=UTF-8",
        "Language": lang,
    }
    known = {(e.msgctxt or "", e.msgid): e for e in catalog if not e.obsolete}
    by_context: dict[str, list] = {}
    for entry in catalog:
        by_context.setdefault(entry.msgctxt or "", []).append(entry)
    new = fuzzy = 0
    for m in wanted:
        if (m.context, m.text) in known:
            continue
        old = [e for e in by_context.get(m.context, []) if e.msgstr and e.msgid != m.text]
        entry = polib.POEntry(msgctxt=m.context, msgid=m.text, msgstr="")
        if len(old) == 1 and not m.context.startswith("code:"):
            entry.msgstr, entry.previous_msgid = old[0].msgstr, old[0].msgid
            entry.flags.append("fuzzy")
            fuzzy += 1
        else:
            new += 1
        catalog.append(entry)
    keep = {(m.context, m.text) for m in wanted}
    for entry in catalog:
        entry.obsolete = (entry.msgctxt or "", entry.msgid) not in keep
    catalog[:] = [e for e in catalog if not e.obsolete]
    order = {(m.context, m.text): i for i, m in enumerate(wanted)}
    catalog.sort(key=lambda e: order[(e.msgctxt or "", e.msgid)])
    path.parent.mkdir(parents=True, exist_ok=True)
    catalog.save(str(path))
    return new, fuzzy


def notebook_lang(notebook) -> str:
    """The language an edition was written in (``metadata.autograder.lang``, which
    :func:`autograder.translate.translate` sets); English when it says none."""
    meta = notebook.get("metadata", {}) if hasattr(notebook, "get") else {}
    lang = (meta.get("autograder") or {}).get("lang") if isinstance(meta, dict) else None
    return lang if isinstance(lang, str) and re.fullmatch(r"[a-z]{2,3}", lang) else "en"

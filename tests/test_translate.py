"""Translated editions: messages found, catalogues kept up to date, no half edition."""

from __future__ import annotations

from pathlib import Path

import nbformat
import polib
import pytest
from test_korean import _code as edition_code

from autograder.translate import (
    PLOT_STRING,
    Untranslated,
    messages,
    read_catalog,
    translate,
    update_catalog,
)

ROOT = Path(__file__).resolve().parent.parent
RELEASED = ROOT / "release" / "three_layer_classifier" / "three_layer_classifier.ipynb"


def _notebook():
    return nbformat.read(str(RELEASED), as_version=4)


def _fill(path: Path) -> None:
    """Every message translated as ``[ko] <English>``: a stand-in translator."""
    catalog = read_catalog(path)
    for entry in catalog:
        entry.msgstr = "[ko] " + entry.msgid
    catalog.save(str(path))


def _code(source: str) -> list[str]:
    """The code lines, figure strings and printed pieces set aside (test_korean's rule)."""
    return [
        PLOT_STRING.sub("<text>", ln)
        for ln in edition_code(source, None)
        if not ln.strip().startswith(("#", '"'))
    ]


def test_every_markdown_cell_and_stub_comment_is_a_message():
    nb = _notebook()
    found = messages(nb)
    markdown = [c for c in nb.cells if c.cell_type == "markdown" and c.source.strip()]
    assert sum(m.context.startswith("markdown:") for m in found) == len(markdown)
    docstrings = {m.context: m.text for m in found if m.context.startswith("code:")}
    assert "code:layer" in docstrings
    assert all("YOUR CODE HERE" not in m.text for m in found if m.context.startswith("code:"))


def test_a_full_catalogue_translates_prose_and_keeps_every_code_line(tmp_path):
    nb, po = _notebook(), tmp_path / "ko.po"
    update_catalog(nb, po, "ko")
    _fill(po)
    edition = translate(nb, read_catalog(po), "ko")
    assert edition.metadata["autograder"]["lang"] == "ko"
    for english, korean in zip(nb.cells, edition.cells):
        assert english.cell_type == korean.cell_type
        assert english.metadata.get("nbgrader", {}).get("grade_id") == korean.metadata.get(
            "nbgrader", {}
        ).get("grade_id")
        if english.cell_type == "markdown":
            assert korean.source == "[ko] " + english.source
        else:  # the same code, line for line, once comments, docstrings and figure strings
            assert _code(english.source) == _code(korean.source)  # are set aside
    stub = next(
        c for c in edition.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "layer"
    )
    assert '"""[ko] One dense layer' in stub.source and "# YOUR CODE HERE" in stub.source
    figure = next(
        c for c in edition.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "plot_data"
    )
    assert 'plt.xlabel("[ko] feature 0")' in figure.source
    assert '(0, "tab:blue")' in figure.source and "[ko] tab" not in figure.source  # code strings
    train = next(
        c for c in edition.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "train"
    )
    assert 'print(f"[ko] after epoch {epoch + 1:2d}' in train.source  # what it prints
    setup = [c for c in edition.cells if "setup" in c.metadata.get("tags", [])]
    assert setup and all("[ko]" not in c.source for c in setup)  # the grader runs the master's


def test_a_stub_checksum_matches_its_translated_source(tmp_path):
    from nbgrader.utils import compute_checksum

    nb, po = _notebook(), tmp_path / "ko.po"
    update_catalog(nb, po, "ko")
    _fill(po)
    for cell in translate(nb, read_catalog(po), "ko").cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and "checksum" in meta:
            assert meta["checksum"] == compute_checksum(cell)


def test_a_missing_or_fuzzy_message_refuses_the_whole_edition(tmp_path):
    nb, po = _notebook(), tmp_path / "ko.po"
    update_catalog(nb, po, "ko")
    _fill(po)
    catalog = read_catalog(po)
    catalog[3].msgstr = ""
    catalog.save(str(po))
    with pytest.raises(Untranslated, match="1 message"):
        translate(nb, read_catalog(po), "ko")

    _fill(po)
    changed = next(c for c in nb.cells if c.cell_type == "markdown")
    changed.source += "\nA new English sentence."
    new, fuzzy = update_catalog(nb, po, "ko")
    assert (new, fuzzy) == (0, 1)
    entry = next(e for e in read_catalog(po) if e.msgid == changed.source)
    assert entry.fuzzy and entry.previous_msgid and entry.msgstr.startswith("[ko] ")
    with pytest.raises(Untranslated) as refused:
        translate(nb, read_catalog(po), "ko")
    assert refused.value.messages[0].text == changed.source


def test_updating_drops_messages_the_notebook_no_longer_has(tmp_path):
    nb, po = _notebook(), tmp_path / "ko.po"
    update_catalog(nb, po, "ko")
    nb.cells = [c for c in nb.cells if c.cell_type != "markdown" or "## 1. Setup" not in c.source]
    update_catalog(nb, po, "ko")
    assert not any("## 1. Setup" in e.msgid for e in polib.pofile(str(po)))

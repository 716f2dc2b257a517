"""No HTML a student or grader reads shows the public checks' packed blob.

The release notebook's loader cell carries the public checks as a base64 string.
Exported to HTML by nbconvert (as nbgrader's ``generate_feedback`` does, with the
course's preprocessors) the cell must show its title line only; exported without the
kit's preprocessor, the same check finds the blob (so the check can fail).
``tests/test_nbgrader.py`` runs the real ``nbgrader generate_feedback`` on autograded
submissions and applies :func:`blob_chunks` to its HTML.
"""

from __future__ import annotations

import re

import nbformat
from course_paths import ASSIGNMENT, ROOT
from nbconvert import HTMLExporter

from autograder.hide_loader import HideLoaderSource, is_loader

RELEASE_NB = ROOT / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"


def blob_chunks(path=RELEASE_NB) -> list[str]:
    """The loader's base64 lines (88 characters each) as the notebook at ``path`` holds them."""
    notebook = nbformat.read(str(path), as_version=4)
    loader = next(c for c in notebook.cells if is_loader(c))
    chunks = re.findall(r'"([A-Za-z0-9+/=]{60,})"', loader.source)
    assert sum(map(len, chunks)) > 10_000, "no blob in the loader: nothing to look for"
    return chunks


def shows_blob(html: str, path=RELEASE_NB) -> bool:
    return any(chunk in html for chunk in blob_chunks(path))


def _html(hide: bool) -> str:
    exporter = HTMLExporter()
    if hide:
        exporter.register_preprocessor(HideLoaderSource(), enabled=True)
    body, _ = exporter.from_notebook_node(nbformat.read(str(RELEASE_NB), as_version=4))
    return body


def test_html_export_without_the_preprocessor_shows_the_blob():
    assert shows_blob(_html(hide=False))


def test_html_export_with_the_preprocessor_shows_only_the_title():
    html = _html(hide=True)
    assert not shows_blob(html)
    assert "Public checks (carried inside this notebook" in html
    assert "characters, not shown" in html


def test_the_loader_is_folded_in_jupyter_and_colab():
    notebook = nbformat.read(str(RELEASE_NB), as_version=4)
    loader = next(c for c in notebook.cells if is_loader(c))
    assert loader.metadata["jupyter"]["source_hidden"] is True
    assert loader.metadata["cellView"] == "form"
    assert loader.source.startswith("#@title ")

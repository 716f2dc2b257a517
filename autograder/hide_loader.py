"""Feedback shows no blob: the public-checks loader cell's packed source is left out of HTML.

The student notebook carries its public checks inside its first code cell (a ~65 KB
base64 string), so that it works opened alone (Colab opens one file).  Jupyter and
Colab fold that cell to its title line (``release.embed_public_checks`` sets
``jupyter.source_hidden`` and Colab's ``cellView: form``), but an HTML export shows
every cell's source in full.  This nbconvert preprocessor replaces the loader cell's
source with its title and a line saying what was left out; ``nbgrader_config.py`` adds
it to ``GenerateFeedback.preprocessors``, so nbgrader's feedback HTML never shows it.
"""

from __future__ import annotations

from nbconvert.preprocessors import Preprocessor
from nbformat import NotebookNode
from traitlets import Bool

#: The grade_id of the loader cell (release.LOADER_ID; not imported: nbgrader loads this
#: module by name, and it needs nothing of the kit's grading).
LOADER_ID = "public_checks_loader"
#: What the loader's source calls; a cell holding it is the loader even without metadata.
LOADER_CALL = "_unpack_public_checks("


def is_loader(cell: NotebookNode) -> bool:
    grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
    return cell.get("cell_type") == "code" and (
        grade_id == LOADER_ID or LOADER_CALL in cell.get("source", "")
    )


def folded(source: str) -> str:
    """The loader's title line, and what was left out, instead of its whole source."""
    lines = source.splitlines()
    title = lines[0] if lines and lines[0].startswith("#@title") else "# Public checks"
    left_out = f"# (the public checks packed into this cell: {len(source):,} characters, not shown)"
    return f"{title}\n{left_out}"


class HideLoaderSource(Preprocessor):
    """Replace the public-checks loader cell's source with its title line."""

    #: nbconvert skips a preprocessor that is not enabled, and its default is not.
    enabled = Bool(True)

    def preprocess(self, nb: NotebookNode, resources: dict):
        for cell in nb.cells:
            if is_loader(cell):
                cell.source = folded(cell.source)
        return nb, resources

"""nbgrader's autograde with points that no code in the student's kernel can set.

``nbgrader autograde`` executes the whole submission in one kernel and reads a
test cell's points from that cell's outputs, so anything the kernel can reach
(the hidden cell's ``grade`` function, the display hook, the value it returns,
what it prints) is the student's.  This preprocessor runs after nbgrader's
``Execute`` and before ``SaveAutoGrades``: it grades the submitted notebook
with the kit's own grading (:func:`autograder.judge.grade_notebook`: workers
outside the kernel, the same checks and answer key as ``python -m autograder
grade``), then replaces every hidden test cell's outputs with the judge's
verdict (each check's line, and the points as the cell's value, which nbgrader
reads as partial credit).  Whatever the kernel printed or returned in those
cells is discarded, so its totals are the grading command's.

``nbgrader_config.py`` puts it into ``Autograde.autograde_preprocessors``, with
:class:`KeyIsCurrent` first of all: a stale answer key (checks, reference or setup
cells changed since ``release``) stops each submission's autograde before nbgrader
executes any student code, and nbgrader then ends with an error, never a grade.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from nbconvert.preprocessors import Preprocessor
from nbformat import NotebookNode, v4
from nbgrader.preprocessors import OverwriteCells
from traitlets import Bool

from . import course


def _verdicts(notebook: NotebookNode) -> dict[str, list]:
    """The judge's results for ``notebook``, by grade_id (graded from a copy on disk)."""
    import nbformat

    from . import key as answer_key
    from .judge import grade_notebook
    from .notebook import read_notebook, reference_sources, source_path
    from .pool import Limits, judge_memory, judge_memory_mb
    from .processes import usable_cores

    with tempfile.TemporaryDirectory(prefix="autograder-nbgrader-") as tmp:
        path = Path(tmp) / f"{course.current().name}.ipynb"
        nbformat.write(notebook, str(path))
        from .batch import confined

        limits = confined([path], Limits(), {}, 1).get(path, Limits())
        source = read_notebook(source_path())
        the_key = answer_key.load(source=source)  # stale or altered: StaleKey, TamperedKey
        # The judge is nbgrader's own process: held under the judge's memory limit while
        # it grades (no kernel starts meanwhile), as the grading command is.
        with judge_memory(judge_memory_mb()):
            report = grade_notebook(
                path,
                the_key,
                source,
                reference_sources(),
                limits,
                parallel=usable_cores() > 1,
            )
    by_grade_id: dict[str, list] = {}
    for result in report.results:
        by_grade_id.setdefault(result.grade_id, []).append(result)
    return by_grade_id


def verdict_lines(results: list, lang: str | None = None) -> str:
    """What a hidden test cell shows: the lines its kernel would print (nbgrader_cell),
    in the notebook's language ``lang`` (English when the kit cannot speak it)."""
    from .i18n import speaking

    say = speaking(lang)
    lines = [say.verdict(r.name, r.passed, r.output, (r.score, r.max_score)) for r in results]
    return "\n".join(lines) + "\n"


def _select(resources: dict) -> None:
    """The assignment nbgrader is autograding (its name in ``resources``), in the course
    nbgrader runs from."""
    name = (resources.get("nbgrader") or {}).get("assignment")
    course.select(str(name) if name else None)


def edition_cells(nb: NotebookNode) -> dict[str, NotebookNode]:
    """The locked cells of the edition ``nb`` was handed out as, by grade_id: for a
    notebook whose ``metadata.autograder.lang`` names a translated edition of the current
    assignment (``release/<lang>/<assignment>/``, which ``release`` writes), else none."""
    import nbformat

    from .translate import notebook_lang

    lang = notebook_lang(nb)
    here = course.current()
    path = here.course / "release" / lang / here.name / f"{here.name}.ipynb"
    if lang == "en" or not path.is_file():
        return {}
    edition = nbformat.read(str(path), as_version=4)
    found = {}
    for cell in edition.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("locked") and meta.get("grade_id"):
            found[str(meta["grade_id"])] = cell
    return found


class OverwriteCellsQuietly(OverwriteCells):
    """nbgrader's ``OverwriteCells`` without its false alarm on test cells with hidden tests.

    ``generate_assignment`` records a locked test cell's checksum *with* its hidden tests,
    and releases the cell without them; ``autograde`` then finds every untouched test cell
    "changed" and logs ``Attribute 'checksum' for cell test_X has changed!`` for each
    (nbgrader issue #1961), about ten lines per submission here, which hide a real
    warning among them.  A cell that is exactly the released cell (the recorded source with
    its hidden tests cleared, as ``ClearHiddenTests`` clears them) gets the recorded source
    back first, so it matches; any other edit of a locked cell is still reported, and
    restored, by nbgrader's own code.
    """

    def preprocess_cell(self, cell, resources, cell_index):
        from nbgrader import utils
        from nbgrader.api import MissingEntry
        from nbgrader.preprocessors import ClearHiddenTests

        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id and utils.is_locked(cell):
            try:
                recorded = self.gradebook.find_source_cell(
                    grade_id, self.notebook_id, self.assignment_id
                )
            except MissingEntry:
                recorded = None
            if recorded is not None and recorded.locked and recorded.cell_type == cell.cell_type:
                released = v4.new_code_cell(recorded.source)
                ClearHiddenTests(parent=self)._remove_hidden_test_region(released)
                if released.source == cell.source:
                    cell.source = recorded.source
        return super().preprocess_cell(cell, resources, cell_index)


class EditionOverwriteCells(OverwriteCellsQuietly):
    """nbgrader's :class:`OverwriteCells` (quiet about untouched test cells, as
    :class:`OverwriteCellsQuietly`), restoring a translated edition's locked cells from
    that edition rather than from the English master.

    nbgrader's gradebook holds the master's cells, so its ``OverwriteCells`` puts the
    English markdown, loader and prints back into every locked cell of a Korean
    submission (their checksums differ from the English ones).  Here a locked cell the
    edition also has gets the edition's source (what the student was given, restored
    whatever the student did to it) and its checksum.  An English notebook, or a
    language without an edition, is restored from the master as before; the grader itself
    still runs the master's setup cells (:mod:`autograder.judge`), so points are
    unchanged.
    """

    def preprocess(self, nb: NotebookNode, resources: dict):
        _select(resources)
        self._edition = edition_cells(nb)
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell: NotebookNode, resources: dict, cell_index: int):
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        meta = cell.metadata.get("nbgrader", {})
        edition = getattr(self, "_edition", {}).get(str(meta.get("grade_id", "")))
        if edition is not None and meta.get("locked") and edition.cell_type == cell.cell_type:
            cell.source = edition.source
            checksum = edition.metadata.get("nbgrader", {}).get("checksum")
            if checksum:
                meta["checksum"] = checksum
        return cell, resources


class KeyIsCurrent(Preprocessor):
    """Refuse to autograde with a stale or altered answer key, before ``Execute``.

    Raises :class:`autograder.key.StaleKey` (one line naming ``release``), which nbgrader
    records as this submission's failure: no autograded notebook, no grade, and a
    non-zero exit at the end.  :class:`JudgeOutsideKernel` checks again when it loads
    the key, for a configuration that leaves this one out.
    """

    enabled = Bool(True)

    def preprocess(self, nb: NotebookNode, resources: dict):
        from . import key as answer_key

        _select(resources)
        answer_key.load()
        return nb, resources


class JudgeOutsideKernel(Preprocessor):
    """Overwrite hidden test cells' outputs with the verdict of the judge's own grading."""

    #: nbconvert skips a preprocessor that is not enabled, and its default is not.
    enabled = Bool(True)

    def preprocess(self, nb: NotebookNode, resources: dict):
        from .translate import notebook_lang

        _select(resources)
        verdicts = _verdicts(nb)
        lang = notebook_lang(nb)
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            grade_id = str(meta.get("grade_id", ""))
            if cell.cell_type != "code" or not meta.get("grade") or meta.get("solution"):
                continue
            results = verdicts.get(grade_id.removeprefix("test_"))
            if not grade_id.startswith("test_") or results is None:
                continue
            points = sum(r.score for r in results)
            cell.outputs = [
                v4.new_output("stream", name="stdout", text=verdict_lines(results, lang)),
                v4.new_output(
                    "execute_result",
                    data={"text/plain": repr(float(points))},
                    execution_count=cell.get("execution_count"),
                ),
            ]
        return nb, resources

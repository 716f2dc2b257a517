"""The kit's own words in the notebook's language: check titles, hints, named mistakes, labels.

The notebook's prose is translated by :mod:`autograder.translate` from the
catalogue beside the master notebook.  What the *kit* says comes from two more
catalogues in the same gettext format, one entry per message id, because its words
belong to two owners:

* the engine's, ``autograder/locale/<lang>.po``: ``ui:<key>``, a label of the
  feedback, the report or the public checks (:data:`UI`), with ``{placeholders}``
  filled in after translation.  Words every assignment shares, so it names no
  assignment, function or variable (``tests/test_installed.py`` greps it);
* the assignment's, ``source/<assignment>/locale/checks.<lang>.po``
  (:meth:`autograder.course.Assignment.words_catalogue`): ``check:<grade_id>:title``
  and ``check:<grade_id>:hint``, each check's title and hint (the English text is the
  msgid, so two checks of one function stay apart), and ``mistake:<id>``, a sentence
  of its mistake catalogue's ``MISTAKES``.

Results stay English on disk (``results.json``, ``grades.csv``: one class, one set
of column names whatever edition each student used); the language is applied when
a person reads them: :class:`Language` turns a check's name, its output (hint and
named mistake included) and the labels into the notebook's language.  A language is
spoken for an assignment only when both catalogues hold every message: a missing one
(or the assignment's catalogue missing whole) is refused, naming the catalogue
(:class:`autograder.translate.Untranslated`), like a notebook edition; feedback then
falls back on English (:func:`speaking`).
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from . import course
from .translate import Message, Untranslated, catalog_table, notebook_lang, read_catalog

__all__ = ["Language", "kit_messages", "kit_table", "language", "notebook_lang"]

#: Where the engine's catalogues are: ``<lang>.po`` (its labels; an assignment's words are
#: in its own folder, :meth:`autograder.course.Assignment.words_catalogue`).
LOCALE = Path(__file__).resolve().parent / "locale"
#: The language results are written in, and the master notebook's.
SOURCE_LANG = "en"

#: Labels of the feedback, the report, ``check`` and the public checks: key -> English.
UI = {
    "feedback_title": "Feedback for {submission}",
    "score": "Score: {score} of {max_score}",
    "not_graded": "This submission could not be graded: {error}",
    "note": "Note: {note}",
    "passed": "passed",
    "failed": "FAILED",
    "hidden_check": "(hidden check)",
    "check": "check",
    "points": "points",
    "hint": "hint",
    "likely_cause": "likely cause",
    "your_code_printed": "your code printed",
    "points_sentence": (
        "{autograded} autograded + {manual} graded by hand = {total} points in all: the score "
        "here is out of the {autograded} autograded points; the answer under {parts} is graded "
        "by hand, later."
    ),
    "boundary_title": "The decision boundary your training reaches",
    "boundary_text": (
        "Trained by the grader with your functions (left; the reference's stand in for those "
        "with checks of their own) and with the reference solution (right), from the same "
        "initial weights. Red: predicted class 1; blue: class 0; the dots mark the centres of "
        "the two classes."
    ),
    "boundary_alt": "decision boundaries: yours and the reference's",
    "report_title": "Grading report: {n} submission(s)",
    "report_summary": (
        "Mean score {mean} of {max_score}; median {median}; {full} with full marks, {zero} with 0."
    ),
    "distribution": "Grade distribution",
    "by_cause": "Failures by cause",
    "by_cause_text": (
        "A cause is the typical mistake a failure message names, or, where it names none, the "
        "failing check. Each lists the students who hit it, most students first."
    ),
    "students_column": "students",
    "cause": "cause",
    "checks_column": "checks",
    "who": "who",
    "no_named_mistake": "(check failed; no named mistake)",
    "this_check": "(this check; no named mistake)",
    "not_graded_unreadable": "not a notebook, or unreadable: nothing could be graded",
    "not_graded_other_assignment": "not this assignment's notebook: nothing could be graded",
    "not_graded_missing": "no notebook handed in",
    "not_graded_not_run": "the notebook could not be run: nothing could be graded",
    "not_graded_internal": "an error of the grader itself (grader.log holds it)",
    "no_failure": "No check failed.",
    "students": "Students",
    "student": "student",
    "score_column": "score",
    "failed_checks": "failed checks",
    "every_check": "every check",
    "none": "none",
    "pass_rate": "Pass rate of each check",
    "duplicates": "Students with more than one submission",
    "duplicates_text": (
        "These submissions resolve to one student. Every one was graded and kept; grades.csv "
        "and the export flag each in their flag column. Decide which counts before importing "
        "the grades."
    ),
    "folders_column": "folders (score)",
    "files": (
        "Per-submission grades: grades.csv; nbgrader's export columns: {export}; the failures "
        "by cause as a table: causes.csv; this report as markdown: report.md."
    ),
    "similar_title": "Similar code ({page})",
    "similar_text": (
        "{pairs} pairs of students share code of their own, ranked by how much, function by "
        "function, beside the class's baseline: a ranking for a person to read, not a verdict."
    ),
    "function_summary": "{function}: {passed} of {total} public checks passed",
    "hidden_also": "(the grader also runs {hidden} hidden checks)",
    "hidden_also_one": "(the grader also runs 1 hidden check)",
    "all_summary": "{passed} of {total} public checks passed.",
    "waiting_one": "not checked yet: {names} fails its own check; fix it first",
    "waiting_many": "not checked yet: {names} fail their own checks; fix them first",
    "own_versions": (
        "({grade_id} calls {uses} otherwise than the correct version does, so this check ran "
        "your own, which pass their public checks)"
    ),
}
#: The lines of the public checks (autograder/public_template.py) an edition rewrites.
PUBLIC_LINES = (
    "function_summary",
    "hidden_also",
    "hidden_also_one",
    "all_summary",
    "waiting_one",
    "waiting_many",
    "own_versions",
)


def engine_messages() -> list[Message]:
    """The engine's messages (its labels), in a stable order."""
    return [Message(f"ui:{key}", text) for key, text in UI.items()]


def assignment_messages(assignment: course.Assignment) -> list[Message]:
    """What ``assignment``'s checks and mistakes say, in a stable order."""
    from .checks import registry

    found = []
    for check in registry(assignment).checks:
        found.append(Message(f"check:{check.grade_id}:title", check.name.split(": ", 1)[1]))
        if check.hint:
            found.append(Message(f"check:{check.grade_id}:hint", check.hint))
    said = getattr(assignment.catalogue, "MISTAKES", {})
    found += [Message(f"mistake:{name}", text) for name, (text, _) in said.items()]
    return list(dict.fromkeys(found))


def current() -> course.Assignment | None:
    """The current assignment, or None where no course is found (the engine's words only)."""
    try:
        return course.current()
    except course.CourseError:
        return None


def kit_messages(assignment: course.Assignment | None = None) -> list[Message]:
    """Every message of the kit: the engine's and ``assignment``'s (default the current)."""
    chosen = assignment or current()
    return engine_messages() + (assignment_messages(chosen) if chosen else [])


def catalog_path(lang: str) -> Path:
    """The engine's catalogue of ``lang``."""
    return LOCALE / f"{lang}.po"


def available() -> tuple[str, ...]:
    """The languages the engine speaks: English and each of its catalogues'."""
    return (SOURCE_LANG, *sorted(p.stem for p in LOCALE.glob("*.po")))


def kit_catalogues(
    lang: str, assignment: course.Assignment | None = None
) -> list[tuple[Path, list[Message]]]:
    """Each catalogue of the kit's words in ``lang``, with the messages it must hold: the
    engine's labels, then ``assignment``'s checks and mistakes (what translators update)."""
    found = [(catalog_path(lang), engine_messages())]
    if assignment is not None:
        found.append((assignment.words_catalogue(lang), assignment_messages(assignment)))
    return found


def kit_table(lang: str, assignment: course.Assignment | None = None) -> dict[tuple[str, str], str]:
    """(context, English) -> ``lang`` text for every kit message of ``assignment`` (default
    the current one); :class:`Untranslated`, naming the catalogue, when one lacks (or has
    only fuzzy) text for any of them, or is missing while it has messages to hold."""
    chosen = assignment or current()
    if lang == SOURCE_LANG:
        return {(m.context, m.text): m.text for m in kit_messages(chosen)}
    if not catalog_path(lang).exists():
        raise ValueError(f"no catalogue for language {lang!r} (looked for {catalog_path(lang)})")
    table = {}
    for path, wanted in kit_catalogues(lang, chosen):
        held = catalog_table(read_catalog(path)) if path.is_file() else {}
        lacking = [m for m in wanted if (m.context, m.text) not in held]
        if lacking:
            raise Untranslated(lang, lacking, chosen.relative(path) if chosen else path)
        table.update({(m.context, m.text): held[(m.context, m.text)] for m in wanted})
    return table


class Language:
    """What a reader of ``lang`` sees of the kit's English words."""

    def __init__(self, lang: str = SOURCE_LANG, assignment: course.Assignment | None = None):
        self.lang = lang
        self.assignment = assignment or current()
        self.table = kit_table(lang, self.assignment)
        self._replace = sorted(
            (
                (m.text, self.table[(m.context, m.text)])
                for m in kit_messages(self.assignment)
                if m.context.startswith("mistake:") or m.context.endswith(":hint")
            ),
            key=lambda pair: -len(pair[0]),
        )

    def t(self, key: str, **values) -> str:
        """The label ``key`` (:data:`UI`) in this language, its placeholders filled."""
        text = self.table[(f"ui:{key}", UI[key])]
        return text.format(**{k: _number(v) for k, v in values.items()}) if values else text

    def check_name(self, name: str) -> str:
        """``grade_id: title`` with the title translated (the grade_id is code: it stays)."""
        grade_id, _, title = name.partition(": ")
        return f"{grade_id}: {self.table.get((f'check:{grade_id}:title', title), title)}"

    def hint(self, grade_id: str, english: str) -> str:
        """A check's hint in this language."""
        return self.table.get((f"check:{grade_id}:hint", english), english)

    def sentences(self) -> list[tuple[str, str]]:
        """(English, translation) of every hint and named mistake, longest first: what
        :meth:`text` replaces in a message (the public checks get them as data)."""
        return list(self._replace)

    def text(self, output: str) -> str:
        """A check's output with its named mistakes, hint and labels translated; numbers,
        shapes and code in it are left as they are."""
        if self.lang == SOURCE_LANG or not output:
            return output
        for english, translated in self._replace:
            output = output.replace(english, translated)
        for key in ("hint", "likely_cause", "your_code_printed"):
            output = re.sub(rf"(?m)^(\s*){re.escape(UI[key])}: ", rf"\g<1>{self.t(key)}: ", output)
        return output.replace(UI["passed"], self.t("passed"), 1) if output == "passed" else output

    def points(self, autograded: float) -> str:
        """:func:`autograder.results.points_sentence` in this language."""
        from .notebook import edition_sections, master_hand_graded
        from .results import points_sentence

        if self.lang == SOURCE_LANG:
            return points_sentence(autograded)
        hand = master_hand_graded()
        manual = sum(h.points for h in hand)
        if not manual:
            return ""
        titled = edition_sections(self.lang)
        sections = [titled.get(h.grade_id, h.section) for h in hand]
        parts = " / ".join(f'"{s}"' if s else h.grade_id for s, h in zip(sections, hand))
        return self.t(
            "points_sentence",
            autograded=autograded,
            manual=manual,
            total=autograded + manual,
            parts=parts,
        )


def _number(value):
    return f"{value:g}" if isinstance(value, float) else value


def language(lang: str | None) -> Language:
    """The (cached) :class:`Language` of ``lang`` for the current assignment (each has its
    own words); None is English."""
    return _language(lang or SOURCE_LANG, current())


@functools.cache
def _language(lang: str, assignment: course.Assignment | None) -> Language:
    return Language(lang, assignment)


def forget() -> None:
    """Forget the languages read so far (a catalogue was edited in this process)."""
    _language.cache_clear()


def speaking(lang: str | None) -> Language:
    """:func:`language`, or English when ``lang`` cannot be spoken: a submission's metadata
    is the student's to edit (an unknown language), and a catalogue may be incomplete.
    Feedback in English beats no feedback; ``release`` is where a gap is refused."""
    try:
        return language(lang)
    except (ValueError, ImportError):
        return language(SOURCE_LANG)

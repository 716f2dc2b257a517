"""The kit's own words in the notebook's language: check titles, hints, named mistakes, labels.

The notebook's prose is translated by :mod:`autograder.translate` from the
catalogue beside the master notebook.  What the *kit* says (a check's title and
hint, the sentence naming a typical mistake, the feedback's and the class
report's labels) comes from a second catalogue, ``autograder/locale/<lang>.po``,
in the same gettext format, one entry per message id:

* ``check:<grade_id>:title`` and ``check:<grade_id>:hint``: each check's title and hint
  (the English text is the msgid, so two checks of one function stay apart);
* ``mistake:<id>``: a sentence of :data:`autograder.mistakes.MISTAKES`;
* ``ui:<key>``: a label of the feedback, the report or the public checks (:data:`UI`),
  with ``{placeholders}`` filled in after translation.

Results stay English on disk (``results.json``, ``grades.csv``: one class, one set
of column names whatever edition each student used); the language is applied when
a person reads them: :class:`Language` turns a check's name, its output (hint and
named mistake included) and the labels into the notebook's language.  A catalogue
missing any message is refused whole (:class:`autograder.translate.Untranslated`),
like a notebook edition.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from .translate import Message, Untranslated, catalog_table, notebook_lang, read_catalog

__all__ = ["Language", "kit_messages", "kit_table", "language", "notebook_lang"]

#: Where the kit's catalogues are: ``<lang>.po``.
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
        "Trained by the grader with your split_mini_batches and training_step (left; the "
        "reference layer, model and square_loss stand in for yours, which have checks of their "
        "own) and with the reference solution (right), from the same initial weights. Red: "
        "predicted class 1; blue: class 0; the dots mark the centres of the two clouds."
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
    "no_failure": "No check failed.",
    "students": "Students",
    "student": "student",
    "score_column": "score",
    "failed_checks": "failed checks",
    "every_check": "every check",
    "none": "none",
    "pass_rate": "Pass rate of each check",
    "files": (
        "Per-submission grades: grades.csv; nbgrader's export columns: {export}; this report "
        "as markdown: report.md."
    ),
    "function_summary": "{function}: {passed} of {total} public checks passed",
    "hidden_also": "(the grader also runs {hidden} hidden checks)",
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
    "all_summary",
    "waiting_one",
    "waiting_many",
    "own_versions",
)


def kit_messages() -> list[Message]:
    """Every message of the kit's catalogue, in a stable order."""
    from .checks import REGISTRY
    from .mistakes import MISTAKES

    found = []
    for check in REGISTRY:
        found.append(Message(f"check:{check.grade_id}:title", check.name.split(": ", 1)[1]))
        if check.hint:
            found.append(Message(f"check:{check.grade_id}:hint", check.hint))
    found += [Message(f"mistake:{name}", text) for name, (text, _) in MISTAKES.items()]
    found += [Message(f"ui:{key}", text) for key, text in UI.items()]
    return list(dict.fromkeys(found))


def catalog_path(lang: str) -> Path:
    return LOCALE / f"{lang}.po"


def available() -> tuple[str, ...]:
    """The languages the kit speaks: English and each catalogue's."""
    return (SOURCE_LANG, *sorted(p.stem for p in LOCALE.glob("*.po")))


def kit_table(lang: str) -> dict[tuple[str, str], str]:
    """(context, English) -> ``lang`` text for every kit message; :class:`Untranslated`
    when the catalogue lacks (or has only fuzzy) text for any of them."""
    if lang == SOURCE_LANG:
        return {(m.context, m.text): m.text for m in kit_messages()}
    path = catalog_path(lang)
    if not path.exists():
        raise ValueError(f"no catalogue for language {lang!r} (looked for {path})")
    table = catalog_table(read_catalog(path))
    lacking = [m for m in kit_messages() if (m.context, m.text) not in table]
    if lacking:
        raise Untranslated(lang, lacking)
    return table


class Language:
    """What a reader of ``lang`` sees of the kit's English words."""

    def __init__(self, lang: str = SOURCE_LANG):
        self.lang = lang
        self.table = kit_table(lang)
        self._replace = sorted(
            (
                (m.text, self.table[(m.context, m.text)])
                for m in kit_messages()
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
        from .notebook import master_hand_graded
        from .results import points_sentence

        if self.lang == SOURCE_LANG:
            return points_sentence(autograded)
        hand = master_hand_graded()
        manual = sum(h.points for h in hand)
        if not manual:
            return ""
        parts = " / ".join(f'"{h.section}"' if h.section else h.grade_id for h in hand)
        return self.t(
            "points_sentence",
            autograded=autograded,
            manual=manual,
            total=autograded + manual,
            parts=parts,
        )


def _number(value):
    return f"{value:g}" if isinstance(value, float) else value


@functools.cache
def language(lang: str | None) -> Language:
    """The (cached) :class:`Language` of ``lang``; None is English."""
    return Language(lang or SOURCE_LANG)


def speaking(lang: str | None) -> Language:
    """:func:`language`, or English when ``lang`` cannot be spoken: a submission's metadata
    is the student's to edit (an unknown language), and a catalogue may be incomplete.
    Feedback in English beats no feedback; ``release`` is where a gap is refused."""
    try:
        return language(lang)
    except (ValueError, ImportError):
        return language(SOURCE_LANG)

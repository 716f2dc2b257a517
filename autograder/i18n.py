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
    "waiting": "wait",
    "hidden_check": "(hidden check)",
    "check": "check",
    "points": "points",
    "hint": "hint",
    "likely_cause": "likely cause",
    "your_code_printed": "your code printed",
    "expected": "expected",
    "got": "got",
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
    "boundary_yours": "trained with your training step",
    "boundary_reference": "trained with the reference",
    "feature_0": "feature 0",
    "feature_1": "feature 1",
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
#: The engine's sentences inside a check's output (compare.py, mistakes.py, answers.py,
#: judge.py, pool.py, worker.py, the public checks), key -> the English as those modules
#: write it, its ``{fields}`` standing for what varies.  They stay English on disk, like
#: every result; :meth:`Language.text` (and the public checks, given them as data) finds
#: each in a message by :func:`phrase_pattern` and writes the translation in its place,
#: the fields carried over.  Longest first, so that a sentence is replaced before a
#: shorter one it contains.  A message this list does not cover stays English, and
#: ``tests/test_korean_english.py`` names it.
PHRASES = {
    # verdict lines (verdicts.py) and values (answers.show)
    "verdict_passed": " ... passed",
    "verdict_failed": " ... FAILED",
    "shown_shape": "shape {shape} [",
    "shown_list": "a list of {n} items",
    # compare.py
    "returned_none": "{what} returned None: did you forget `return`?",
    "returned_list": "{what} returned a list of {n} items, expected one array",
    "dtype_float32": (
        "{what} returned dtype {dtype}, expected {wanted} (keep the computation in TensorFlow "
        "float32)"
    ),
    "dtype": "{what} returned dtype {dtype}, expected {wanted}",
    "not_scalar": "{what} returned shape {shape}, expected a scalar of shape ()",
    "reduce_it": " (reduce it to one number, e.g. with tf.reduce_mean)",
    "plain_scalar": " (a plain scalar has shape (); drop the extra dimensions)",
    "fan_shape": "{what} returned shape {shape}, expected (fan_in, fan_out) = {wanted}",
    "shape_single": "{what} returned shape {shape}, expected a single number",
    "shape_loss": "{what} returned shape {shape}, expected the scalar loss",
    "shape": "{what} returned shape {shape}, expected {wanted}",
    "wrong_values": "{what} gives wrong values",
    "outside_range": "{what} returned {value}, outside [{low}, {high}]",
    "inputs_not_split": (
        "{what}: the inputs were not split: the input batches are one array, {shown}; split "
        "them into num_batches arrays, exactly like the inputs"
    ),
    "targets_not_split": (
        "{what}: the targets were not split: the target batches are one array, {shown}; split "
        "them into num_batches arrays, exactly like the inputs"
    ),
    "input_batches_are": "{what}: the input batches are {shown}, expected a list of arrays",
    "target_batches_are": "{what}: the target batches are {shown}, expected a list of arrays",
    "input_batch_list": "{what}: a input batch is a list, expected an array",
    "target_batch_list": "{what}: a target batch is a list, expected an array",
    "list_of_pairs": (
        "{what} returned a list of {n} (inputs, targets) pairs: it must return a pair of lists "
        "(input_batches, target_batches), as `return np.vsplit(inputs, k), np.vsplit(targets, "
        "k)` does"
    ),
    "batch_pair": "{what} must return a pair (input_batches, target_batches)",
    "batch_count": "{what} made {n} input and {m} target batches, expected {wanted}",
    "batch_size_count": (
        ": it looks like batches of {n} samples were made; num_batches is the number of "
        "batches (here each batch holds {size} samples)"
    ),
    "input_batch_shape": "{what}: input batch {k} has shape {shape}, expected {wanted} ",
    "one_short": (
        "(each batch is one sample short: slice ends are exclusive, so inputs[k * size:(k + 1) "
        "* size] already stops before row (k + 1) * size)"
    ),
    "equal_batches": "(equal consecutive batches, as np.vsplit gives)",
    "target_batch_shape": "{what}: target batch {k} has shape {shape}, expected {wanted}",
    "foreign_row": "{what}: input batch {k} holds a row that is not in the inputs",
    "misaligned": (
        "{what}: inputs and targets are no longer aligned (batch {k}, row {r}): split (or "
        "shuffle) both arrays the same way"
    ),
    "strided": (
        "{what}: batches take every {n}th sample (x[i::n]); they must be consecutive blocks, "
        "as np.vsplit gives"
    ),
    "batch_order": (
        "{what}: batch {k} does not hold samples {first} to {last} in their original order "
        "(do not shuffle here)"
    ),
    "loss_after": (
        "{what} returned the loss after the update: return the loss computed inside the "
        "tape, before the variables change"
    ),
    "loss_mismatch": "{what} returned a loss that does not match the reference",
    "missing_one": "{name} is missing after the step",
    "missing_many": "{names} are missing after the step",
    "changed_shape": "{names} changed shape to {shape}",
    "not_updated_one": "{name} was not updated (include it in tape.gradient and assign_sub)",
    "not_updated_many": "{names} were not updated (include it in tape.gradient and assign_sub)",
    "uphill": "{names} moved uphill: subtract learning_rate * gradient (assign_sub), do not add it",
    "wrong_amount_one": "{name} was updated by the wrong amount",
    "wrong_amount_many": "{names} were updated by the wrong amount",
    "fixed_rate": ": read the global learning_rate inside the function, do not fix 0.1",
    "step_one": "{name} took a step of {used} x gradient, but learning_rate is {rate}",
    "step_many": "{names} took steps of {used} x gradient, but learning_rate is {rate}",
    "replaced": (
        "{what} replaced the global variables with new objects: update them in place with "
        "W.assign_sub(...) so that every reference to them sees the new values"
    ),
    "rebound": (
        "{what} replaced the global variables with new objects: rebound by an assignment such "
        "as `W = W - ...`, {names} are plain tensors, which the next step's GradientTape does "
        "not watch, so their gradients are None; update them in place with W.assign_sub(...)"
    ),
    "one_batch_short": (
        ": one batch too few, each of the right {size} samples, so the last {size} samples are "
        "left out (range(num_batches) counts every batch; range(num_batches - 1) stops one "
        "short)"
    ),
    "one_batch_more": ": one batch too many, each of the right {size} samples",
    # judge.py's and the public checks' DEFERRED
    "deferred": "not checked: `{check}` fails; fix it first",
    "drew_outside": "{what} drew values up to {value}, outside [-{limit}, {limit}]",
    "fan_in_only": ": the limit is sqrt(6 / (fan_in + fan_out)), not sqrt(6 / fan_in)",
    "looks_normal": ": the values look normal (unbounded), not uniform",
    "half_range": (
        "{what} drew values from {low} to {high}: they must cover [-l, l], centred on zero, "
        "not [0, l)"
    ),
    "not_uniform": (
        "{what} draws are not uniform on [-l, l] (their distribution is {value} away from "
        "uniform): use a uniform distribution with these bounds"
    ),
    "same_seed_values": "{what} gave different values for the same seed: use the seed argument",
    "other_seed_values": "{what} gave the same values for different seeds: use the seed argument",
    "shuffle_pair": "{what} must return a pair (inputs, targets)",
    "shuffle_shapes": (
        "{what} returned shapes {shape} and {shape2}, expected {wanted} and {wanted2}"
    ),
    "foreign_input_row": "{what} returned an input row that is not in the inputs",
    "shuffled_apart": (
        "{what}: inputs and targets were shuffled differently and no longer match: apply one "
        "permutation to both"
    ),
    "lost_rows": "{what} lost or repeated rows: permute them, do not sample with replacement",
    "original_order": "{what} returned the rows in their original order: shuffle them",
    "same_seed_order": "{what} gave a different order for the same seed: use the seed argument",
    "other_seed_order": "{what} gave the same order for different seeds: use the seed argument",
    "read_back": "the grader could not read back the arguments of {what}",
    "changed_arguments": (
        "{what} changed the caller's {names}: after the call they are shuffled too (an "
        "in-place shuffle such as rng.shuffle or np.random.shuffle). Return new arrays, e.g. "
        "inputs[order], and leave the arguments unchanged: the notebook's inputs must stay in "
        "their original order for the cells that follow"
    ),
    # mistakes.py
    "not_implemented": "{what} is not implemented yet (it still raises NotImplementedError)",
    "raised": "{what} raised {kind}: ",
    "training_raised": "training raised {kind}: ",
    "at_where": " (at {where})",
    "wrong_order": (
        "the matrix product is in the wrong order: tf.matmul(inputs, W) (inputs first, (n, k) "
        "@ (k, units)), not tf.matmul(W, inputs)"
    ),
    "elementwise": (
        "`*` multiplies element by element: the matrix product is tf.matmul(inputs, W) (or "
        "inputs @ W)"
    ),
    # worker.py
    "line_of_cell": "line {n} of your '{cell}' cell",
    # judge.py
    "sys_exit": "called sys.exit() (SystemExit: {text}): graded code must return its result, "
    "not end the program",
    "memory": "ran out of memory (MemoryError: {text}): the memory limit is {n} MB",
    "output_limit": (
        "printed more than the output limit of {n} bytes, so printing failed with 'File too "
        "large': print less (or nothing) in graded code"
    ),
    "run_its_cell": "{what} is not defined: run its cell, and keep the name {what}",
    "no_cell": (
        "{what} is not defined: no cell with grade_id '{what}' was found in your notebook (was "
        "it deleted, or the function renamed?)"
    ),
    "cell_failed": "{what} is not defined because your '{what}' cell failed to run: ",
    "defines_other": "{what} is not defined: your '{what}' cell defines {names} instead; keep "
    "the name {what}",
    "no_def": "{what} is not defined: your '{what}' cell has no `def {what}(...)`",
    "not_defined": "{what} is not defined",
    "helper_undefined": (
        "name '{name}' is not defined ({where}): only the cells holding your functions and the "
        "provided setup cells are run by the grader, so put helpers inside the function's own "
        "cell"
    ),
    "in_your_code": "in your code",
    "fresh_lead": "on new inputs drawn at grading time: ",
    "cannot_judge": "{what}: the grader could not judge this answer (",
    "cannot_run": "could not run this submission: ",
    "setup_failed": "a provided setup cell failed: ",
    # pool.py
    "too_slow": "did not finish within {value} s (an infinite loop, or far too slow?)",
    "out_of_time": (
        "not graded: the submission's time limit ({value} s) was used up by earlier checks"
    ),
    "stopped": "grading of this submission was stopped",
    "killed_memory": (
        "the process running your code was killed by {signal} (out of memory, or a signal "
        "from your code? the memory limit is {n} MB)"
    ),
    "killed": "the process running your code was killed by {signal}",
    "exited": (
        "the process running your code exited with code {n} (sys.exit or os._exit in your code?)"
    ),
    "stopped_answering": "the process running your code stopped answering",
    "while_running": " while running your code",
    "before_asked": " before it could be asked",
    # notebook.py and submissions.py: notes on the whole notebook
    "locked_changed": (
        "you changed the locked cell '{cell}'; the grader ran the original version of it, as "
        "it does for every provided setup cell"
    ),
    "duplicate_cells": (
        "your notebook has {n} cells with grade_id '{cell}'; they run in order and the last "
        "definition counts"
    ),
    "lost_metadata": (
        "the cell for '{cell}' lost its nbgrader metadata; graded the last cell that defines "
        "{what}()"
    ),
    "not_this": "this is not {what}: ",
    "other_cells": "its nbgrader cells are another assignment's ({text})",
    "no_cells": "it has none of its cells and defines none of {names}",
    "right_notebook": "; was the right notebook submitted?",
    "wrong_name": "Graded {file}: the expected name is {file2}.",
    "many_notebooks": " (Your submission has {n} notebooks; only this one was graded.)",
    # the public checks (public_template.py)
    "could_not_read": "the check could not read what {what} returned: ",
    "no_public_checks": "No public checks for '{what}'; the functions are: ",
}

#: What each field of :data:`PHRASES` matches (the default: anything on one line, as
#: little as possible, or to the line's end as the last field of a phrase).
FIELDS = {
    "what": r"[A-Za-z_][\w.]*",
    "name": r"[A-Za-z_]\w*",
    "names": r"[A-Za-z_]\w*(?:\(\))?(?:, [A-Za-z_]\w*(?:\(\))?)*(?: and [A-Za-z_]\w*(?:\(\))?)?",
    "cell": r"[^'\n]*",
    "shape": r"\([\d, ]*\)",
    "shape2": r"\([\d, ]*\)",
    "wanted": r"\([\d, ]*\)|[A-Za-z_]\w*|\d+",
    "wanted2": r"\([\d, ]*\)",
    "dtype": r"\w+",
    "kind": r"\w+",
    "text": r"[^\n]*?",
    "shown": r"[^\n;]+?",
    "signal": r"\w+",
    "file": r"[^\s:]+",
    "file2": r"[^\s:]+",
}
_NUMBER = r"-?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?|-?inf|nan"

_IDENT = r"`?[A-Za-z_]\w*(?:\(\))?`?"
FIELDS.update(
    names=rf"{_IDENT}(?:, {_IDENT})*(?: and {_IDENT})?",
    function=r"[A-Za-z_]\w*",
    grade_id=r"[A-Za-z_]\w*",
)
FIELDS.update({k: _NUMBER for k in ("n", "m", "k", "r", "value", "low", "high", "used", "rate")})
FIELDS.update({k: _NUMBER for k in ("limit", "size", "first", "last", "passed", "total")})
FIELDS["hidden"] = _NUMBER
FIELDS["check"] = r"[^`\n]+"  # a check's name, as a deferral quotes it
#: Labels that begin a line of a check's output (``hint: ...``), by their UI key.
LINE_LABELS = ("hint", "likely_cause", "your_code_printed", "expected", "got")

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
    """The engine's messages (its labels and phrases), in a stable order."""
    found = [Message(f"ui:{key}", text) for key, text in UI.items()]
    return found + [Message(f"ui:{key}", text) for key, text in PHRASES.items()]


def phrase_pattern(template: str) -> str:
    """A regular expression finding ``template``'s English in a message, one named group
    per field (:data:`FIELDS`; a field named twice must repeat what it matched first)."""
    parts = re.split(r"\{(\w+)\}", template)
    out, seen = [], set()
    for k, part in enumerate(parts):
        if k % 2 == 0:
            out.append(re.escape(part))
        elif part in seen:
            out.append(f"(?P={part})")
        else:
            seen.add(part)
            last = k == len(parts) - 2 and not parts[-1]
            default = r"[^\n]+" if last else r"[^\n]+?"
            lead = r"(?<![\w.`])" if k == 1 and not parts[0] else ""  # a leading field
            out.append(f"{lead}(?P<{part}>{FIELDS.get(part, default)})")
    return "".join(out)


def fill(template: str, fields: dict) -> str:
    """``template`` (a translation) with the fields a phrase's pattern matched; a list of
    names loses its English "and" (``x, y and z`` -> ``x, y, z``)."""
    said = {k: (v.replace(" and ", ", ") if k == "names" else v) for k, v in fields.items()}
    return template.format(**said)


def assignment_phrases(assignment: course.Assignment) -> dict[str, str]:
    """The phrases of ``assignment``'s own assertions (its ``grading.py``'s ``PHRASES``,
    key -> English with ``{fields}``, as :data:`PHRASES`)."""
    return dict(getattr(assignment.module, "PHRASES", {}) or {})


def assignment_messages(assignment: course.Assignment) -> list[Message]:
    """What ``assignment``'s checks, mistakes and assertions say, in a stable order."""
    from .checks import registry

    found = []
    for check in registry(assignment).checks:
        found.append(Message(f"check:{check.grade_id}:title", check.name.split(": ", 1)[1]))
        if check.hint:
            found.append(Message(f"check:{check.grade_id}:hint", check.hint))
    said = getattr(assignment.catalogue, "MISTAKES", {})
    found += [Message(f"mistake:{name}", text) for name, (text, _) in said.items()]
    found += [
        Message(f"phrase:{key}", text) for key, text in assignment_phrases(assignment).items()
    ]
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
        templates = [m for m in kit_messages(self.assignment) if _is_phrase(m)]
        self._phrases = sorted(
            ((m.text, self.table[(m.context, m.text)]) for m in templates),
            key=lambda pair: -len(pair[0]),
        )
        self._compiled = [(re.compile(phrase_pattern(en)), ko) for en, ko in self._phrases]

    def t(self, key: str, **values) -> str:
        """The label ``key`` (:data:`UI`) in this language, its placeholders filled."""
        text = self.table[(f"ui:{key}", UI[key])]
        return text.format(**{k: _number(v) for k, v in values.items()}) if values else text

    def check_name(self, name: str) -> str:
        """``grade_id: title`` with the title translated (the grade_id is code: it stays)."""
        grade_id, _, title = name.partition(": ")
        return f"{grade_id}: {self.table.get((f'check:{grade_id}:title', title), title)}"

    def verdict(
        self, name: str, passed: bool, output: str, points: tuple[float, float] | None = None
    ) -> str:
        """:func:`autograder.verdicts.format_verdict`'s lines in this language: the check's
        title, passed or FAILED, its message and hint."""
        from .verdicts import format_verdict

        line = format_verdict(self.check_name(name), passed, output or "", points)
        return self.text(line)

    def hint(self, grade_id: str, english: str) -> str:
        """A check's hint in this language."""
        return self.table.get((f"check:{grade_id}:hint", english), english)

    def phrases(self) -> list[tuple[str, str]]:
        """(pattern, translation) of every phrase and public-check line, longest English
        first: what :meth:`text` rewrites after the sentences (the public checks get them
        as data, with :func:`fill`'s rule)."""
        return [(phrase_pattern(en), ko) for en, ko in self._phrases]

    def labels(self) -> list[tuple[str, str]]:
        """(English, translation) of the labels that begin a line of a check's output."""
        return [(UI[key], self.t(key)) for key in LINE_LABELS]

    def sentences(self) -> list[tuple[str, str]]:
        """(English, translation) of every hint and named mistake, longest first: what
        :meth:`text` replaces in a message (the public checks get them as data)."""
        return list(self._replace)

    def text(self, output: str) -> str:
        """A check's output with its named mistakes, hint and labels translated; numbers,
        shapes and code in it are left as they are."""
        if self.lang == SOURCE_LANG or not output:
            return output
        if output == UI["passed"]:
            return self.t("passed")
        for english, translated in self._replace:
            output = output.replace(english, translated)
        for english, translated in self.labels():
            output = re.sub(
                rf"(?m)^(\s*){re.escape(english)}: +",
                lambda m, w=translated: f"{m[1]}{w}: ",
                output,
            )
        for pattern, translated in self._compiled:
            output = pattern.sub(lambda m, t=translated: fill(t, m.groupdict()), output)
        return output

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


def _is_phrase(message: Message) -> bool:
    """A message :meth:`Language.text` finds by pattern: a phrase, or a public-check line."""
    key = message.context.split(":", 1)[1]
    if message.context.startswith("phrase:"):
        return True
    return message.context.startswith("ui:") and (key in PHRASES or key in PUBLIC_LINES)


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
    if lang is not None and not re.fullmatch(r"[a-z]{2,3}", str(lang)):
        return language(SOURCE_LANG)  # not a language code: nothing to look up by it
    try:
        return language(lang)
    except (ValueError, ImportError):
        return language(SOURCE_LANG)

"""The answer key: what the reference solution answers to every probe of every check.

The judge compares plain numbers and must not import TensorFlow (it would
double the memory of a grading and add seconds to every start), so the
reference's answers are computed once, by a worker running the reference
solution exactly as a worker runs a submission, and stored in
``source/<assignment>/answer_key.json`` (beside its checks; never released).
``python -m autograder release`` rebuilds it, and a test fails when it no longer
matches a fresh computation.

The key also records what it was computed from (:func:`built_from`), and every
front end calls :func:`load` (or :func:`ensure_current`) before any student
code runs: after an edit to the checks, the reference or the master notebook's
setup cells without ``release``, grading stops with one line that says so,
rather than scoring every submission against answers to other questions.

The key holds expected values for hidden inputs: it is never copied into the
release folder.
"""

from __future__ import annotations

import hashlib
import io
import json
import tokenize
from pathlib import Path

import numpy as np

from . import course
from .checks import Check, probe_digest, registry
from .compare import decode_answer
from .notebook import (
    read_notebook,
    reference_cells,
    reference_sources,
    setup_cells,
)
from .pool import Limits, Session
from .wire import decode_array

#: The engine's own files the worker runs: what the key's answers also depend on.
PACKAGE = Path(__file__).resolve().parent


def key_path() -> Path:
    """The current assignment's answer key: beside its checks, never released."""
    return course.current().key_path


#: The command that rebuilds the key, as every refusal names it.
REBUILD = "python -m autograder release"


class StaleKey(RuntimeError):
    """The key was computed from other checks, reference or setup cells than the kit's
    (or a check asks a probe it does not answer): rebuild it with ``release``."""


def _sha256(data: str | bytes) -> str:
    raw = data.encode() if isinstance(data, str) else data
    return hashlib.sha256(raw).hexdigest()


def _file_text(path: Path) -> str:
    """A file's text with ``\\n`` line endings (a Windows checkout may write ``\\r\\n``)."""
    return path.read_bytes().decode("utf-8").replace("\r\n", "\n")


def _canonical(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def built_from(source=None, checks: list[Check] | None = None) -> dict[str, str]:
    """What the answers are computed from, each as a SHA-256, named as a person reads it.

    :func:`build` records these in the key and :func:`ensure_current` compares them with
    the kit's.  Why these:

    * the assignment's ``checks.toml`` as a file: the probes' seeds and arguments are there,
      and every other edit there (points, hints, titles) also needs ``release`` (the
      notebook's points, the public checks), so any edit counts;
    * the probes as the assignment's ``grading.py`` makes them: its probe makers and the
      settings of ``assignment.toml`` (seeds, epochs, the hidden width...) count through what they
      produce, so a changed maker or setting makes the key stale, and a comment or an
      error message there does not;
    * the reference's graded functions as the worker gets them
      (:func:`autograder.notebook.reference_sources`), and the master notebook's setup
      cells as the tokens Python runs (:func:`code_only`: a comment does not count): what
      the worker runs to answer (the rest of ``solutions/<assignment>/reference.py``
      never reaches it, and the master notebook's other cells change at every release);
    * ``autograder/worker.py`` and ``autograder/wire.py``: how the worker runs those
      cells and how probes and answers are encoded.

    Not recorded: the versions of TensorFlow and NumPy (2.15 to 2.21 give the same
    answers; ``tests/test_reference.py`` recomputes the key and compares).
    """
    here = course.current()
    source = read_notebook(here.master) if source is None else source
    checks = registry().checks if checks is None else checks
    probes = [probe_digest(p) for c in checks for p in c.probes]
    return {
        here.relative(here.checks_path): _sha256(_file_text(here.checks_path)),
        f"the probes {here.relative(here.module_path)} makes": _sha256(_canonical(probes)),
        here.relative(here.reference): _sha256(_canonical(reference_sources())),
        f"the setup cells of {here.relative(here.master)}": _sha256(
            _canonical(
                [cell | {"source": code_only(cell["source"])} for cell in setup_cells(source)]
            )
        ),
        "autograder/worker.py": _sha256(_file_text(PACKAGE / "worker.py")),
        "autograder/wire.py": _sha256(_file_text(PACKAGE / "wire.py")),
    }


#: Tokens that change no code: comments, blank lines and line breaks inside brackets.
_NOT_CODE = frozenset({tokenize.COMMENT, tokenize.NL})
#: Tokens whose text is whitespace: only that they are there counts.
_NO_TEXT = frozenset({tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER})


def code_only(source: str) -> str:
    """``source`` as the tokens Python runs, one per line: a comment or whitespace edit of a
    setup cell changes nothing the worker computes, so it must not make the key stale.

    Indentation counts as INDENT and DEDENT tokens (its depth, not its width); source that
    does not tokenize (an unclosed bracket) is kept whole, so any edit of it counts.
    """
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        return source
    kept = []
    for token in tokens:
        if token.type in _NOT_CODE:
            continue
        text = "" if token.type in _NO_TEXT else token.string
        kept.append(f"{tokenize.tok_name[token.type]} {text}")
    return "\n".join(kept)


def stale_message(changed: list[str]) -> str:
    """The one line every front end prints when the key is stale."""
    what = " and ".join(changed) if len(changed) < 3 else ", ".join(changed)
    return f"the answer key is stale ({what} changed since it was built): run `{REBUILD}`"


def ensure_current(path: Path | None = None, source=None) -> None:
    """Raise :class:`StaleKey` (one line, naming what changed and ``release``) unless the
    key at ``path`` was computed from the kit as it is now.

    :func:`load` makes the same check on the key it loads; this is for the front ends
    that only ship the key (the Gradescope zip).  ``source`` is the master notebook,
    when the caller has read it already.
    """
    path = path or key_path()
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise StaleKey(f"cannot read the answer key {path} ({exc}): run `{REBUILD}`") from None
    _check_current(data.get("built_from") if isinstance(data, dict) else None, source)


def _check_current(recorded, source=None) -> None:
    if not isinstance(recorded, dict):
        raise StaleKey(
            f"the answer key is stale (it does not record what it was built from): run `{REBUILD}`"
        )
    current = built_from(source)
    changed = [name for name, digest in current.items() if recorded.get(name) != digest]
    if changed:
        raise StaleKey(stale_message(changed))


def compute_answers(checks: list[Check] | None = None) -> dict[str, dict]:
    """Run every probe against the reference solution, in a worker process."""
    checks = registry().checks if checks is None else checks
    source = read_notebook(course.current().master)
    session = Session(reference_cells(source), reference_sources(), Limits(memory_mb=0))
    answers: dict[str, dict] = {}
    try:
        session.ensure()
        broken = [r for r in session.reports or [] if r.get("error")]
        if broken:
            raise RuntimeError(f"the reference cells fail to load: {broken}")
        for c in checks:
            for probe in c.probes:
                digest = probe_digest(probe)
                if digest in answers:
                    continue
                reply = session.ask(probe, timeout=300)
                if reply.get("error"):
                    raise RuntimeError(f"the reference fails {c.name}: {reply['error']}")
                answer = {k: v for k, v in reply.items() if k not in ("output", "seconds")}
                if probe.get("keep_value") is False:  # judged by properties only
                    answer.pop("value", None)
                answers[digest] = answer
    finally:
        session.close()
    return answers


class TamperedKey(RuntimeError):
    """The answer key's bytes do not match the digest ``release`` wrote beside it."""


def digest_path(path: Path) -> Path:
    return path.with_suffix(".sha256")


#: How far a recomputed answer may lie from the key's and still be the same answer, kept as
#: the key has it (:func:`same_answer`): float noise, which another machine's CPU kernels or
#: another TensorFlow of the supported range (2.15 to 2.21) put in the last bits of float32
#: results (measured: the committed key and its recomputation on the development machine
#: differ in over a hundred numbers, each by less than 1e-6 plus 1e-6 of its size).  A
#: tenth of the tightest relative tolerance of any check (1e-5) and at most its absolute
#: one (1e-6), so that no grade can change by it.
KEEP_RTOL = 1e-6
KEEP_ATOL = 1e-6


def same_answer(kept, fresh) -> bool:
    """Whether ``fresh`` (an answer as the worker sent it) is ``kept`` up to float noise
    (:data:`KEEP_RTOL`, :data:`KEEP_ATOL`): the same keys, lengths, shapes, dtypes, exact
    integers and strings, and floats within the tolerance (NaN where NaN)."""
    if isinstance(kept, dict) and isinstance(fresh, dict):
        if "b64" in kept and "b64" in fresh:
            return _same_array(kept, fresh)
        return kept.keys() == fresh.keys() and all(same_answer(kept[k], fresh[k]) for k in kept)
    if isinstance(kept, list) and isinstance(fresh, list):
        return len(kept) == len(fresh) and all(map(same_answer, kept, fresh))
    if isinstance(kept, float) and isinstance(fresh, float):
        return bool(np.isclose(fresh, kept, rtol=KEEP_RTOL, atol=KEEP_ATOL, equal_nan=True))
    return type(kept) is type(fresh) and kept == fresh


def _same_array(kept: dict, fresh: dict) -> bool:
    if (kept.get("nd"), kept.get("shape")) != (fresh.get("nd"), fresh.get("shape")):
        return False
    try:
        old, new = decode_array(kept), decode_array(fresh)
    except (ValueError, TypeError):
        return False
    if old.dtype.kind != "f":
        return bool(np.array_equal(old, new))
    return bool(np.allclose(new, old, rtol=KEEP_RTOL, atol=KEEP_ATOL, equal_nan=True))


def _previous_answers(path: Path) -> dict:
    """The answers of the key ``release`` wrote before, or none (no key, or unreadable)."""
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return {}
    answers = data.get("answers") if isinstance(data, dict) else None
    return answers if isinstance(answers, dict) else {}


def build(path: Path | None = None) -> Path:
    """Write the key, with what it was computed from, and beside it its SHA-256, which
    every grading checks first.

    An answer the previous key holds up to float noise (:func:`same_answer`) is kept as
    it was, bytes and all: ``release`` on another machine, or run again, writes the same
    key, so the public checks, the loader cells and the solved notebooks built from it
    stay the same bytes too (otherwise last-place float bits ripple into every one)."""
    sources = built_from()  # before the answers: a file edited meanwhile makes the key stale
    path = path or key_path()
    previous = _previous_answers(path)
    answers = {
        digest: previous[digest]
        if digest in previous and same_answer(previous[digest], answer)
        else answer
        for digest, answer in compute_answers().items()
    }
    data = {
        "assignment": course.current().name,
        "answers": answers,
        "built_from": sources,
    }
    raw = (json.dumps(data, sort_keys=True, indent=0) + "\n").encode()
    path.write_bytes(raw)
    digest_path(path).write_text(hashlib.sha256(raw).hexdigest() + "\n")
    return path


class AnswerKey:
    def __init__(self, data: dict):
        self.answers = data.get("answers", {})

    def expected(self, probe: dict) -> dict:
        digest = probe_digest(probe)
        if digest not in self.answers:
            raise StaleKey(
                f"the answer key has no answer for a probe of the current checks: run `{REBUILD}`"
            )
        return decode_answer(self.answers[digest])


def load(path: Path | None = None, source=None) -> AnswerKey:
    """The key, read once and checked against its digest, and against what it was built
    from (:func:`ensure_current`), before any student code runs.

    Each grading holds the key it loaded, so a submission that rewrote the file on
    disk (possible when the grader runs as an ordinary user) changes nothing in
    that run, and the next run refuses the file instead of grading against it.
    ``source`` is the master notebook, when the caller has read it already.
    """
    path = path or key_path()
    if not path.exists():
        raise StaleKey(f"no answer key at {path}: run `{REBUILD}`")
    raw = path.read_bytes()
    try:
        want = digest_path(path).read_text().strip()
    except OSError:
        want = ""
    if hashlib.sha256(raw).hexdigest() != want:
        raise TamperedKey(
            f"the answer key {path} does not match its digest {digest_path(path).name}: it "
            "changed after `python -m autograder release` wrote it (restore it with git, or "
            "run release again); nothing was graded against it"
        )
    data = json.loads(raw)
    _check_current(data.get("built_from"), source)
    return AnswerKey(data)

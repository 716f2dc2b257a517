"""The answer key: what the reference solution answers to every probe of every check.

The judge compares plain numbers and must not import TensorFlow (it would
double the memory of a grading and add seconds to every start), so the
reference's answers are computed once, by a worker running the reference
solution exactly as a worker runs a submission, and stored in
``autograder/answer_key.json``.  ``python -m autograder release`` rebuilds it,
and a test fails when it no longer matches a fresh computation.

The key holds expected values for hidden inputs: it is never copied into the
release folder.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from . import ASSIGNMENT
from .checks import REGISTRY, Check, probe_digest
from .compare import decode_answer
from .notebook import read_notebook, reference_cells, reference_sources, source_path
from .pool import Limits, Session

KEY_PATH = Path(__file__).resolve().parent / "answer_key.json"


class StaleKey(RuntimeError):
    """A check asks a probe the key does not answer: rebuild it with ``release``."""


def compute_answers(checks: list[Check] | None = None) -> dict[str, dict]:
    """Run every probe against the reference solution, in a worker process."""
    checks = REGISTRY if checks is None else checks
    source = read_notebook(source_path())
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


def build(path: Path = KEY_PATH) -> Path:
    """Write the key, and beside it its SHA-256, which every grading checks first."""
    data = {"assignment": ASSIGNMENT, "answers": compute_answers()}
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
                "the answer key has no answer for a probe of the current checks: "
                "run `python -m autograder release` to rebuild it"
            )
        return decode_answer(self.answers[digest])


def load(path: Path = KEY_PATH) -> AnswerKey:
    """The key, read once and checked against its digest before any student code runs.

    Each grading holds the key it loaded, so a submission that rewrote the file on
    disk (possible when the grader runs as an ordinary user) changes nothing in
    that run, and the next run refuses the file instead of grading against it.
    """
    if not path.exists():
        raise StaleKey(f"no answer key at {path}: run `python -m autograder release`")
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
    return AnswerKey(json.loads(raw))

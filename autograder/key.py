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


def build(path: Path = KEY_PATH) -> Path:
    data = {"assignment": ASSIGNMENT, "answers": compute_answers()}
    path.write_text(json.dumps(data, sort_keys=True, indent=0) + "\n")
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
    if not path.exists():
        raise StaleKey(f"no answer key at {path}: run `python -m autograder release`")
    return AnswerKey(json.loads(path.read_text()))

"""Points come from inputs nobody saw before grading (issue 19, attack classes 5 and 6).

Public checks are asked again on a fresh draw, and the final-accuracy check trains on
clouds turned by a drawn angle (autograder/fresh.py).  Here: the lookup of published
answers earns nothing, weights chosen for the notebook's clouds earn no final-accuracy
points while honest training earns them, and no draw can fail a correct solution.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from corpus_tools import CORPUS, RELEASED, SOLVED, entries, materialize, parse

from autograder import checks, key, wire
from autograder.batch import grade_paths
from autograder.compare import decode_answer
from autograder.fresh import turned_training
from autograder.judge import grade_notebook
from autograder.notebook import cells_to_run, read_notebook, reference_sources, source_path
from autograder.pool import Limits, Session

#: The assignment's own module (its probe makers and settings).
grading = checks.registry().module

pytestmark = pytest.mark.slow

#: Draws each training run is measured on: DRAWS for the reference, ALTERNATIVE_DRAWS
#: for each correct alternative that changes training (its split_mini_batches or
#: training_step); FRESH_DRAWS=50 in the environment measures 50 for each.  Measured
#: on 2026-12-06 with 50 draws: worst accuracy 0.998 for the reference and for each of
#: keras_sgd_inside_step, keras_sgd_module_level, params_list_in_step_cell and
#: split_array_split (the other alternatives were measured on 5 draws only, same
#: worst): as on the unturned clouds, since the initial W1 turns with the data and
#: each draw follows the unturned run's path up to float32 rounding.  Weights for the
#: notebook's boundary reached at most 0.634 on 50 draws.
DRAWS = int(os.environ.get("FRESH_DRAWS", 20))
ALTERNATIVE_DRAWS = int(os.environ.get("FRESH_DRAWS", 5))
TRAINING_CELLS = ("training_step", "split_mini_batches")


def _draws(n: int) -> list[int]:
    return [checks.new_draw() for _ in range(n)]


def _accuracy(answer: dict, probe: dict) -> float:
    """As the judge scores it: the trained variables on the draw's held-out set."""
    held_out = probe[grading.JUDGE_ONLY]
    out = grading.forward_trained(answer, wire.from_plain(held_out["x_test"]))
    assert out is not None
    return float(np.mean((out > 0.5) == (wire.from_plain(held_out["y_test"]) > 0.5)))


def _session(notebook) -> Session:
    cells, _ = cells_to_run(read_notebook(source_path()), read_notebook(notebook))
    return Session(cells, reference_sources(), Limits(memory_mb=0))


def _worst(session: Session, draws: list[int]) -> float:
    worst = 1.0
    for draw in draws:
        probe = grading.fresh_train(draw)
        reply = session.ask(probe, timeout=120)
        assert reply["error"] is None, reply["error"]
        worst = min(worst, _accuracy(decode_answer(reply), probe))
    return worst


def test_reference_passes_final_accuracy_on_every_draw_and_the_key_predicts_its_weights():
    session = _session(SOLVED)
    try:
        draws = _draws(DRAWS)
        worst = _worst(session, draws)
        print(f"reference, {DRAWS} fresh draws: worst accuracy {worst:.4f}")
        assert worst >= 0.98
        # The reference's trained weights for a draw, as the feedback shows them, are
        # the key's turned: a real run on that draw gives the same decisions.
        final = next(c for c in checks.REGISTRY if c.slow)
        probe = grading.fresh_train(draws[0])
        real = decode_answer(session.ask(probe, timeout=120))
        predicted = turned_training(key.load(), final, draws[0])
        grid = wire.from_plain(probe[grading.JUDGE_ONLY]["grid"])
        agree = np.mean(
            (grading.forward_trained(real, grid) > 0.5)
            == (grading.forward_trained(predicted, grid) > 0.5)
        )
        assert agree >= 0.99
    finally:
        session.close()


ALTERNATIVES = [
    e for e in entries("correct") if any(gid in TRAINING_CELLS for _, gid, _ in e.cells)
]


@pytest.mark.parametrize("entry", ALTERNATIVES, ids=lambda e: e.name)
def test_correct_alternative_passes_final_accuracy_on_every_draw(entry, tmp_path):
    session = _session(materialize(entry, tmp_path))
    try:
        worst = _worst(session, _draws(ALTERNATIVE_DRAWS))
    finally:
        session.close()
    print(f"{entry.name}, {ALTERNATIVE_DRAWS} fresh draws: worst accuracy {worst:.4f}")
    assert worst >= 0.98, f"{entry.name}: worst accuracy {worst:.4f}"


def test_weights_for_the_documented_clouds_never_reach_the_threshold():
    """The boundary x0 = x1 between the notebook's clouds, on the draws' held-out sets:
    FINAL_TURN_DEGREES keeps every draw at least 60 degrees from it."""
    for draw in _draws(200):
        probe = grading.fresh_train(draw)
        held_out = probe[grading.JUDGE_ONLY]
        x, y = (wire.from_plain(held_out[k]) for k in ("x_test", "y_test"))
        accuracy = np.mean((x[:, 0] > x[:, 1]) == (y[:, 0] > 0.5))
        assert accuracy < grading.FINAL_MIN_ACCURACY - 0.05, (draw, accuracy)


def test_lookup_of_published_answers_earns_no_more_than_the_release(tmp_path):
    lookup = materialize(parse(CORPUS / "broken" / "public_lookup.py"), tmp_path)
    handmade = materialize(parse(CORPUS / "broken" / "handmade_classifier.py"), tmp_path)
    untouched = tmp_path / "untouched.ipynb"
    untouched.write_bytes(RELEASED.read_bytes())
    honest = tmp_path / "honest.ipynb"
    honest.write_bytes(SOLVED.read_bytes())
    reports = grade_paths(
        [lookup, handmade, untouched, honest], tmp_path / "out", Limits(), jobs=2, progress=False
    )
    got = {r.submission.removesuffix(".ipynb"): r for r in reports}
    assert got["public_lookup"].score <= got["untouched"].score
    final = {
        k: sum(x.score for x in r.results if x.grade_id == "final_accuracy") for k, r in got.items()
    }
    assert final["handmade_classifier"] == 0 and final["honest"] == 3, final
    # Without the fresh draw the same submissions win what issue 19 says they won:
    # the checks above are what stops them.
    args = (key.load(), read_notebook(source_path()), reference_sources())
    public = grade_notebook(lookup, *args, fresh=False)
    assert sum(r.score for r in public.results if r.public) >= 14
    unturned = grade_notebook(handmade, *args, fresh=False)
    assert sum(r.score for r in unturned.results if r.grade_id == "final_accuracy") == 3


def _with_maker(maker) -> checks.Check:
    from dataclasses import replace

    from autograder import checks

    check = next(c for c in checks.registry().checks if checks.draws_fresh(c))
    return replace(check, makers={s["make"]: maker for s in check.probe_specs})


def test_a_course_that_cannot_be_read_is_not_taken_for_a_refused_draw():
    """CourseError is a ValueError, the makers' way to refuse a draw; it must not be tried
    a hundred times and then reported as 'no usable fresh draw'."""
    import pytest

    from autograder import checks, course

    calls = []

    def broken(**_):
        calls.append(1)
        raise course.CourseError("the course /x has 2 assignments")

    with pytest.raises(course.CourseError):
        checks.fresh_probes(_with_maker(broken), 7)
    assert len(calls) == 1


def test_a_maker_refusing_every_draw_is_named_with_its_reason():
    import pytest

    from autograder import checks

    def refuses(**_):
        raise ValueError("random_weights give a constant output")

    with pytest.raises(RuntimeError, match="constant output"):
        checks.fresh_probes(_with_maker(refuses), 7)

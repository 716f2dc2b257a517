"""Feedback files for students and the instructor report, read as a person would.

The report is opened in headless Chromium (when the machine has it: `.ci/run`
installs it) and its screenshot must show the histogram and the pass-rate bars;
without Chromium the HTML is still checked for its parts.
"""

from __future__ import annotations

import base64
import csv
import io
from pathlib import Path

import numpy as np
import pytest
from browser_tools import chromium, screenshot
from corpus_tools import entries, materialize
from course_paths import ASSIGNMENT, ROOT
from PIL import Image

from autograder.batch import grade_paths
from autograder.checks import registry
from autograder.feedback import (
    CLASS_COLOURS,
    NBGRADER_COLUMNS,
    PANEL,
    SPAN,
    boundary_panel,
    write_report,
)
from autograder.pool import Limits

pytestmark = pytest.mark.slow

PRINTS_MARKUP = """
def layer(inputs, W, b, activation=None):
    print("<script>alert('hi')</script>")
    return tf.matmul(inputs, W)
"""


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("feedback")
    subs = tmp / "subs"
    subs.mkdir()
    chosen = {e.name: e for e in entries("mistakes")}
    paths = [materialize(chosen[n], subs) for n in ("relu_on_output", "loss_sum_not_mean")]
    solved = subs / "solved.ipynb"
    solved.write_bytes((ROOT / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_bytes())
    entry = chosen["relu_on_output"]
    entry.cells = [("replace", "layer", PRINTS_MARKUP)]
    entry.path = entry.path.with_name("prints_markup.py")
    paths += [solved, materialize(entry, subs)]
    out = tmp / "graded"
    reports = grade_paths(paths, out, Limits(), jobs=2, progress=False)
    return out, reports


def test_feedback_files_name_the_mistake_and_escape_output(graded):
    out, _ = graded
    md = (out / "relu_on_output" / "feedback.md").read_text()
    assert "the last layer applies ReLU" in md and "FAILED" in md
    html = (out / "prints_markup" / "feedback.html").read_text()
    assert "<script>" not in html and "&lt;script&gt;" in html
    solved = (out / "solved" / "feedback.html").read_text()
    assert "FAILED" not in solved and "✘" not in solved
    # the trained model's decision boundary beside the reference's
    assert "decision boundary" in solved and solved.count("data:image/png;base64,") == 1
    encoded = solved.split("data:image/png;base64,")[1].split('"')[0]
    picture = np.asarray(Image.open(io.BytesIO(base64.b64decode(encoded))).convert("RGB"))
    colours = {tuple(c) for c in picture.reshape(-1, 3)}
    assert set(CLASS_COLOURS) <= colours  # both classes predicted somewhere


def _grid(f):
    axis = np.linspace(*SPAN, registry().module.BOUNDARY_STEPS)
    x, y = np.meshgrid(axis, axis)  # row i is y = axis[i], as the probe's grid
    return f(x, y).ravel()


def _at(panel, x, y):
    col = int((x - SPAN[0]) / (SPAN[1] - SPAN[0]) * (PANEL - 1))
    row = PANEL - 1 - int((y - SPAN[0]) / (SPAN[1] - SPAN[0]) * (PANEL - 1))
    return tuple(panel[row, col])


def test_boundary_panel_puts_each_class_where_the_model_does():
    panel = boundary_panel(_grid(lambda x, y: (x - y) / 3 + 0.5))  # class 1 where x > y
    assert panel.shape == (PANEL, PANEL, 3)
    assert _at(panel, 3, 0) == CLASS_COLOURS[1] and _at(panel, 0, 3) == CLASS_COLOURS[0]
    assert _at(panel, 6, -3) == CLASS_COLOURS[1] and _at(panel, -3, 6) == CLASS_COLOURS[0]
    black = np.all(panel == 0, axis=2)
    rows, cols = np.nonzero(black)
    assert len(rows) >= PANEL  # the contour runs across the panel, along the diagonal
    assert np.all(np.abs((PANEL - 1 - rows) - cols) <= 3)


def test_boundary_panel_of_a_constant_model_has_one_class_and_no_contour():
    for value, colour in (
        (0.3, CLASS_COLOURS[0]),
        (np.nan, CLASS_COLOURS[0]),
        (9.0, CLASS_COLOURS[1]),
    ):
        panel = boundary_panel(_grid(lambda x, y, v=value: np.full_like(x, v)))
        assert {tuple(c) for c in panel.reshape(-1, 3)} == {colour}


def test_report_has_histogram_pass_rates_failures_and_nbgrader_csv(graded):
    out, reports = graded
    path = write_report(out)
    html = path.read_text()
    assert '<svg id="histogram"' in html and "data:image/png;base64," not in html
    assert "the last layer applies ReLU" in html
    assert (out / "report.md").read_text().count("the last layer applies ReLU") == 1
    with open(out / "nbgrader_export.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == [*NBGRADER_COLUMNS, "flag"]  # the kit's flag last
    assert {r["student_id"] for r in rows} == {Path(r.submission).stem for r in reports}
    scores = {r["student_id"]: float(r["score"]) for r in rows}
    assert scores["solved"] == reports[2].max_score


def test_report_renders_in_a_browser(graded):
    browser = chromium()
    if browser is None:
        pytest.skip("no Chromium on this machine (.ci/run installs it)")
    out, _ = graded
    path = write_report(out)
    shot = screenshot(browser, path, out / "report.png", "1100,2400")
    assert shot.exists(), "Chromium wrote no screenshot"
    import matplotlib.image

    pixels = matplotlib.image.imread(str(shot))[..., :3]
    # The histogram (SVG) and the pass-rate bars are drawn in the report's blue (#4a78b5).
    blue = np.all(np.abs(pixels - np.array([0x4A, 0x78, 0xB5]) / 255) < 0.06, axis=-1)
    assert blue.sum() > 2000, "the plots do not show in the rendered page"
    rows_with_blue = np.flatnonzero(blue.any(axis=1))
    assert rows_with_blue.max() - rows_with_blue.min() > 300  # histogram and bars, not one speck


def _two_draws_far_apart() -> list[int]:
    """Two draws whose clouds are turned at least 90 degrees apart (grading.py's fresh_turn)."""
    turn = registry().module.fresh_turn
    first = 1
    second = next(d for d in range(2, 10_000) if abs(turn(d) - turn(first)) > np.pi / 2)
    return [first, second]


def test_a_correct_notebooks_picture_puts_each_cloud_on_its_own_side_on_every_draw(tmp_path):
    """Issue 26: the boundary was drawn in the frame of the turned clouds, the dots at the
    unturned centres.  For the solved notebook, on two draws turned far apart: the outputs
    the picture is drawn from are on each centre's side, and so are the PNG's pixels
    around each dot (in both panels: the student's and the reference's)."""
    from autograder import key as answer_key
    from autograder.feedback import _MARGIN, boundary_png
    from autograder.judge import grade_notebook
    from autograder.notebook import read_notebook, reference_sources, source_path

    module = registry().module
    solved = ROOT / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    args = (answer_key.load(), read_notebook(source_path()), reference_sources())
    span, centres = module.BOUNDARY_SPAN, module.BOUNDARY_CENTRES
    axis = np.linspace(*span, module.BOUNDARY_STEPS)
    for draw in _two_draws_far_apart():
        report = grade_notebook(solved, *args, checks=_training_checks(), draw=draw)
        pair = next(r.boundary for r in report.results if r.boundary is not None)
        for outputs in pair:
            grid = np.asarray(outputs).reshape(len(axis), len(axis))  # row i: y = axis[i]
            for label, (cx, cy) in enumerate(centres):
                row, col = np.abs(axis - cy).argmin(), np.abs(axis - cx).argmin()
                assert (grid[row, col] > 0.5) == bool(label), (draw, label, grid[row, col])
        picture = np.asarray(Image.open(io.BytesIO(boundary_png(report))).convert("RGB"))
        left, top, _ = _MARGIN
        for k in range(2):
            x0 = k * (left + PANEL + 24) + left
            for label, (cx, cy) in enumerate(centres):
                px = x0 + (cx - span[0]) / (span[1] - span[0]) * PANEL
                py = top + PANEL - (cy - span[0]) / (span[1] - span[0]) * PANEL
                ring = [
                    tuple(picture[int(round(py + 9 * np.sin(a))), int(round(px + 9 * np.cos(a)))])
                    for a in np.linspace(0, 2 * np.pi, 12, endpoint=False)
                ]
                assert all(c == CLASS_COLOURS[label] for c in ring), (draw, k, label, ring)


def _training_checks():
    return [c for c in registry().checks if c.slow]

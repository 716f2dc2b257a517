"""The Korean edition in real kernels: solved, it prints what the English one prints and
draws Hangul; with a mistake, its public checks speak Korean, and graded it scores as its
English twin; its feedback, opened in Chromium, shows Hangul glyphs, not empty boxes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import corpus_tools
import nbformat
import pytest
from browser_tools import chromium, rendered_dom, screenshot
from corpus_tools import entries
from course_paths import ASSIGNMENT, ROOT
from test_notebook_runs import execute_alone

pytestmark = pytest.mark.slow

SOLVED_KO = ROOT / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ko.ipynb"
HANGUL = re.compile(r"[\uac00-\ud7a3]")
#: The figures' fonts, asked in the kernel after the notebook ran: the files of the font
#: families matplotlib draws with (it falls back along them glyph by glyph), whether they
#: hold every glyph of a Korean title, and any warning drawing it on a log-scale axis.
FONT_PROBE = """
import json, warnings
import matplotlib
import matplotlib.pyplot as plt
from fontTools.ttLib import TTFont
from matplotlib import font_manager

fig, ax = plt.subplots()
title = ax.set_title("훈련 손실: 특성, 정확도, 미니배치")
ax.set_yscale("log")
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    fig.canvas.draw()
fonts = [
    font_manager.findfont(font_manager.FontProperties(family=f), fallback_to_default=False)
    for f in matplotlib.rcParams["font.family"]
]
cmaps = [TTFont(path, fontNumber=0).getBestCmap() for path in fonts]
print(json.dumps({
    "fonts": fonts,
    "missing": [c for c in title.get_text() if not any(ord(c) in m for m in cmaps)],
    "warnings": [str(w.message) for w in caught],
}))
plt.close(fig)
"""


def _quiet_env(monkeypatch) -> None:
    for name in ("TF_CPP_MIN_LOG_LEVEL", "TF_ENABLE_ONEDNN_OPTS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")


def _gid(cell) -> str:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") or ""


#: Lines whose numbers are wall-clock times, different on every run.
_TIMING = re.compile(r"\d+(?:\.\d+)? ?(?:s|ms|seconds)\b")


#: Every cell's printed words are the edition's (the public checks' and what provided cells
#: print: tests/test_korean.py checks the checks are the same and the printed pieces keep
#: their fields); what they must share is each verdict and every number.
_CHECK_CELL = re.compile(r"^(test_.*|summary)$")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_VERDICT = re.compile(r"\.\.\. (passed|FAILED|통과|실패)|^(ok  |FAIL|wait|통과|실패|대기) ", re.M)
#: The Korean words of a check's verdict (first group) and of check_all's marks (second).
_SAME = ({"통과": "passed", "실패": "FAILED"}, {"통과": "ok  ", "실패": "FAIL", "대기": "wait"})


def _outputs(notebook) -> list[tuple[str, list]]:
    """Each code cell's outputs as comparable data: its stdout and stderr as printed (times
    masked; for the check cells, their verdicts and numbers), images by their presence,
    errors by name."""
    found = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        streams = {
            name: "".join(o.text for o in cell.outputs if o.get("name") == name)
            for name in ("stdout", "stderr")
        }
        if _CHECK_CELL.match(_gid(cell)):
            outs = [
                (k, [tuple(s.get(w, w) for s, w in zip(_SAME, f)) for f in _VERDICT.findall(v)])
                for k, v in streams.items()
            ]
            outs += [(k, sorted(_NUMBER.findall(v))) for k, v in streams.items()]
        else:
            outs = [(k, _NUMBER.findall(_TIMING.sub("<time>", v))) for k, v in streams.items()]
        for o in cell.outputs:
            if o.output_type == "error":
                outs.append(("error", o.ename))
            elif o.output_type != "stream":
                data = o.get("data", {})
                outs.append(("data", sorted(data), data.get("text/plain")))
        found.append((_gid(cell), outs))
    return found


def test_the_korean_solved_notebook_prints_what_the_english_one_prints_and_draws_hangul(
    tmp_path, monkeypatch, solved_alone
):
    _quiet_env(monkeypatch)
    korean = tmp_path / "ko" / SOLVED_KO.name
    korean.parent.mkdir()
    notebook = nbformat.read(str(SOLVED_KO), as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(FONT_PROBE))
    nbformat.write(notebook, str(korean))
    ran_ko = execute_alone(korean, tmp_path / "alone_ko")
    ran_en = solved_alone  # the English one, run as this one is (conftest.py)
    if os.environ.get("KOREAN_KEEP"):  # the executed pair, to look at
        for name, ran in (("ko", ran_ko), ("en", ran_en)):
            nbformat.write(ran, str(Path(os.environ["KOREAN_KEEP"]) / f"solved.{name}.ipynb"))

    probe = json.loads("".join(o.get("text", "") for o in ran_ko.cells[-1].outputs))
    assert probe["missing"] == [] and not probe["warnings"], probe
    assert any("NanumGothic" in f for f in probe["fonts"]), probe
    ran_ko.cells.pop()
    images = 0
    for cell in ran_ko.cells:
        for output in cell.get("outputs", []):
            assert output.output_type != "error", f"{output.ename}: {output.evalue}"
            assert not (output.output_type == "stream" and output.name == "stderr"), output.text
            images += "image/png" in output.get("data", {})
    assert images >= 5
    assert _outputs(ran_ko) == _outputs(ran_en)


def _materialize_korean(entry, out: Path, monkeypatch) -> Path:
    """``entry`` (a corpus submission) made from the Korean solved notebook, the same
    way tests/corpus_tools.py makes it from the English one."""
    monkeypatch.setattr(corpus_tools, "SOLVED", SOLVED_KO)
    return corpus_tools.materialize(entry, out)


def _until_the_checks(path: Path, out: Path) -> Path:
    """The notebook up to its last public check cell, and the summary: what a student
    runs to see the checks (the experiments after them train hundreds of models)."""
    notebook = nbformat.read(str(path), as_version=4)
    last = max(i for i, c in enumerate(notebook.cells) if _gid(c).startswith("test_"))
    summary = [c for c in notebook.cells if _gid(c) == "summary"]
    notebook.cells = notebook.cells[: last + 1] + summary
    nbformat.write(notebook, str(out))
    return out


def _check(path: Path, *options: str) -> str:
    """What ``python -m autograder check`` prints for ``path`` (it exits 1: a check fails)."""
    done = subprocess.run(
        [sys.executable, "-m", "autograder", "check", str(path), *options],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 1, done.stderr[-2000:]
    return done.stdout


def _grade(paths: list[Path], out: Path) -> dict[str, dict]:
    done = subprocess.run(
        [sys.executable, "-m", "autograder", "grade", *map(str, paths), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return {p.stem: json.loads((out / p.stem / "results.json").read_text()) for p in paths}


def test_a_korean_submission_with_a_mistake_checks_in_korean_and_scores_as_its_twin(
    tmp_path, monkeypatch
):
    entry = next(e for e in entries("mistakes") if e.name == "relu_on_output")
    (tmp_path / "ko").mkdir()
    (tmp_path / "en").mkdir()
    korean = _materialize_korean(entry, tmp_path / "ko", monkeypatch)
    monkeypatch.undo()
    english = corpus_tools.materialize(entry, tmp_path / "en")
    english = english.rename(english.with_name("relu_on_output_en.ipynb"))

    _quiet_env(monkeypatch)
    short = _until_the_checks(korean, tmp_path / "short.ipynb")
    ran = execute_alone(short, tmp_path / "alone")
    printed = {_gid(c): "".join(o.get("text", "") for o in c.get("outputs", [])) for c in ran.cells}
    model = printed["test_model"]
    assert "model: 두 은닉층에 ReLU, 출력층은 선형 ... 실패" in model, model
    assert "힌트: 어느 층에 ReLU가 있을까요?" in model, model  # its hint, labelled in Korean
    assert re.search(r"^model: 공개 검사 \d+개 중 \d+개 통과", model, re.M), model
    assert "public checks passed" not in "".join(printed.values())
    assert "layer: 출력 모양이 (n, units)이고 자료형이 float32 ... 통과" in printed["test_layer"]

    said = _check(korean)
    assert "model: 두 은닉층에 ReLU, 출력층은 선형 ... 실패" in said, said
    assert "힌트: 어느 층에 ReLU가 있을까요?" in said and "공개 검사" in said, said
    assert "model: ReLU on both hidden layers and a linear output ... FAILED" in _check(
        korean, "--lang", "en"
    )

    results = _grade([korean, english], tmp_path / "graded")
    ko, en = results["relu_on_output"], results["relu_on_output_en"]
    assert ko["score"] == en["score"] < ko["max_score"] == en["max_score"]
    assert [(t["name"], t["status"]) for t in ko["tests"]] == [
        (t["name"], t["status"]) for t in en["tests"]
    ]
    assert ko["report"]["lang"] == "ko" and en["report"]["lang"] == "en"
    assert ko["report"]["notes"] == en["report"]["notes"] == []  # no locked cell seen changed
    feedback = (tmp_path / "graded" / "relu_on_output" / "feedback.md").read_text()
    assert "출력층이 ReLU를 적용합니다" in feedback and "피드백" in feedback, feedback[:800]
    english_feedback = (tmp_path / "graded" / "relu_on_output_en" / "feedback.md").read_text()
    assert "the last layer applies ReLU" in english_feedback and not HANGUL.search(english_feedback)
    _feedback_renders_hangul(tmp_path / "graded" / "relu_on_output" / "feedback.html", tmp_path)


#: Drawn in the page's own font: two different syllables give different pixels only when
#: the font has their glyphs (a missing glyph is the same empty box for both).
_GLYPH_SCRIPT = """<script>
const font = getComputedStyle(document.body).fontFamily;
function ink(ch) {
  const c = document.createElement("canvas"); c.width = 40; c.height = 40;
  const g = c.getContext("2d"); g.font = "28px " + font; g.fillText(ch, 4, 32);
  return Array.from(g.getImageData(0, 0, 40, 40).data).join(",");
}
const drawn = ink("한") !== ink("글") && ink("피") !== ink("드") && ink("한") !== ink(" ");
document.body.setAttribute("data-hangul", drawn ? "glyphs" : "boxes");
</script>"""


def _feedback_renders_hangul(page: Path, tmp_path: Path) -> None:
    browser = chromium()
    if browser is None:
        pytest.skip("no Chromium (.ci/run installs it)")
    html = page.read_text(encoding="utf-8")
    assert '<html lang="ko">' in html
    probe = tmp_path / "probe.html"
    probe.write_text(html.replace("</body>", _GLYPH_SCRIPT + "</body>"), encoding="utf-8")
    dom = rendered_dom(browser, probe)
    assert 'data-hangul="glyphs"' in dom, "Chromium draws empty boxes: no Hangul font"
    assert "relu_on_output.ipynb 피드백" in dom
    shot = screenshot(browser, page, tmp_path / "feedback_ko.png")
    assert shot.stat().st_size > 10_000
    if os.environ.get("KOREAN_SCREENSHOT"):  # to look at it
        Path(os.environ["KOREAN_SCREENSHOT"]).write_bytes(shot.read_bytes())

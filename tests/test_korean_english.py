"""A Korean student meets no English sentence: every corpus mistake, as a Korean notebook,
through every path a student reads.

The Korean twin of each entry of ``tests/corpus/three_layer_classifier/mistakes`` is made
from the Korean solved notebook, as ``tests/test_korean_runs.py`` makes one.  What the
student reads of it is scanned for English sentences:

* the public checks, run in the notebook's own kernel (its check cells and the summary);
* ``python -m autograder check``;
* ``grade``'s ``feedback.md`` and ``feedback.html`` (the HTML's text, without its markup);
* Gradescope's ``results.json``: its ``output`` strings, the top one and each test's (the
  test *names* stay English, as in every results.json: README, section 한국어);
* ``nbgrader autograde`` and ``generate_feedback``: each hidden test cell's output, and the
  feedback HTML's text outside code inputs; and the autograded notebook keeps its Korean
  locked cells (nbgrader restores them from the Korean edition, not the English master).

An *English sentence* (:func:`english_sentences`) is a run of three or more consecutive
words of ASCII letters on one line that are not code: a word is a token of letters (an
apostrophe inside allowed) once leading and trailing punctuation is stripped, of two
letters or more (or "a"), and not a known name (:data:`KNOWN`: TensorFlow, NumPy, ...).
Code is not English: identifiers with ``_``, digits, dots or brackets (``W1``,
``tf.Variable``, ``learning_rate``, ``model(inputs)``) break a run, and text between
backticks or quotes is removed first.  What is neither the kit's nor the notebook's words
is removed too: an exception's own message (after "예외가 발생했습니다: ", or
``SomethingError: ``) and what the student's code printed.

A failure lists every sentence found, with where it was seen: the strings the catalogues
(autograder/locale/ko.po, source/<a>/locale/*.ko.po) do not cover yet.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import corpus_tools
import nbformat
import numpy as np
import pytest
from corpus_tools import entries
from course_paths import ASSIGNMENT, ROOT

from autograder.feedback import boundary_png
from autograder.i18n import language
from autograder.judge import Report
from autograder.release import run_nbgrader

pytestmark = pytest.mark.slow

SOLVED_KO = ROOT / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ko.ipynb"
HANGUL = re.compile(r"[\uac00-\ud7a3]")
#: Names that are neither code identifiers nor English sentences.
KNOWN = {
    "TensorFlow",
    "NumPy",
    "ReLU",
    "Glorot",
    "GradientTape",
    "NaN",
    "RMSE",
    "Colab",
    "Jupyter",
    "None",
    "True",
    "False",
    "Gradescope",
    "nbgrader",
    "MB",
}
_CODE_SPAN = re.compile(r"`[^`\n]*`|'[^'\n]*'|\"[^\"\n]*\"")
_EXCEPTION = re.compile(r"\b\w*(?:Error|Exception|Exit|Warning)\b: [^\n]*")
_WORD = re.compile(r"[A-Za-z]+(?:'[a-z]+)?")
#: Entries whose twins go through the slower paths (a kernel, nbgrader, Gradescope): each
#: a different part of the engine's words (a diagnosis, an update, batches, an error, a
#: distribution, an in-place shuffle).
#: The hand-graded answer's cell: the solved notebook holds the master's model answer (for
#: graders, in English); a Korean student's twin holds a Korean answer instead.
ANSWER = "explain_width"
SOME = ("relu_on_output", "step_b3_not_updated", "split_targets_not_split")
MORE = SOME + ("layer_w_times_inputs", "glorot_normal", "shuffle_in_place", "loss_no_reduction")


def english_sentences(text: str, min_words: int = 3) -> list[str]:
    """Each run of ``min_words`` or more English words in ``text`` (see the module's
    docstring for what counts as a word)."""
    found = []
    text = _CODE_SPAN.sub(" ", _EXCEPTION.sub(" ", text))
    for line in text.splitlines():
        run: list[str] = []
        for token in [*line.split(), ""]:
            bare = token.strip(".,;:!?()[]")
            if _WORD.fullmatch(bare) and (len(bare) > 1 or bare == "a") and bare not in KNOWN:
                run.append(bare)
                continue
            if len(run) >= min_words:
                found.append(" ".join(run))
            run = []
    return found


def _not_the_kits(text: str) -> str:
    """``text`` without what is the student's or Python's own words: an exception's
    message after the Korean "raised" phrase, what the student's code printed, and the
    machine's font configuration complaining on stderr (``Fontconfig error: ...``)."""
    say = language("ko")
    raised = say.table[("ui:raised", "{what} raised {kind}: ")].split("{kind}")[-1]
    printed = say.t("your_code_printed") + ": "
    hint = say.t("hint") + ": "
    text = re.sub(r"Fontconfig error: [^\n]*", " ", text)
    text = re.sub(re.escape(raised.strip()) + r"[^\n]*", " ", text)
    # what the code printed runs, lines and all, up to the hint (or the end of the block)
    until = rf"(?=\n\s*{re.escape(hint)}|\n```|\n\s*\n|\Z)"
    return re.sub(re.escape(printed) + r".*?" + until, " ", text, flags=re.S)


def _html_text(page: str, inputs: bool = True) -> str:
    """The text a browser shows of ``page``: no style, script, images, markup (and, with
    ``inputs`` False, no code cells' inputs: code, not sentences)."""
    page = re.sub(r"<(style|script|code)\b.*?</\1>", " ", page, flags=re.S)  # code: not words
    if not inputs:
        page = re.sub(r'<div class="[^"]*\binput_area\b.*?</div>\s*</div>', " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "\n", re.sub(r"<img[^>]*>", " ", page)))


def _scan(found: dict[str, set[str]], where: str, text: str) -> None:
    for sentence in english_sentences(_not_the_kits(text)):
        found.setdefault(sentence, set()).add(where)


def _report(found: dict[str, set[str]]) -> str:
    lines = [f"{len(found)} English sentence(s) a Korean student reads:"]
    for sentence, where in sorted(found.items(), key=lambda kv: sorted(kv[1])[0]):
        lines.append(f"  {sentence!r}  (in {', '.join(sorted(where)[:3])})")
    return "\n".join(lines)


@pytest.fixture(scope="module")
def twins(tmp_path_factory) -> dict[str, Path]:
    """The Korean twin of every mistake of the corpus, by entry name."""
    out = tmp_path_factory.mktemp("korean_twins")
    patch = pytest.MonkeyPatch()
    patch.setattr(corpus_tools, "SOLVED", SOLVED_KO)
    try:
        made = {e.name: corpus_tools.materialize(e, out) for e in entries("mistakes")}
    finally:
        patch.undo()
    for path in made.values():  # a Korean student's answer to the hand-graded question
        notebook = nbformat.read(str(path), as_version=4)
        assert notebook.metadata["autograder"]["lang"] == "ko"
        for cell in notebook.cells:
            if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == ANSWER:
                cell.source = (
                    "너비가 넓으면 첫 출력이 커서 2층 유닛이 모두 죽고 출력이 상수가 됩니다."
                )
        nbformat.write(notebook, str(path))
    return made


def _run(*args: str, cwd: Path = ROOT, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "autograder", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env=env,
        timeout=1800,
    )


def test_the_detector_finds_english_and_spares_code_names_and_errors():
    assert english_sentences("model 함수의 값이 틀립니다: the bias is missing here.") == [
        "the bias is missing here"
    ]
    assert english_sentences("tf.matmul(inputs, W)와 `np.vsplit(x, k)`로 learning_rate 갱신") == []
    assert english_sentences("TensorFlow NumPy ReLU 기댓값: 모양 (4, 1) [0.1, 2]") == []
    assert english_sentences("layer 함수에서 ValueError: shapes are not aligned at all") == []
    assert english_sentences("model: output shape is (n, 1) ... passed") == [
        "model output shape is"
    ]
    printed = (
        "실패\n   여러분의 코드가 출력한 내용: hello there my friend\nand more of it\n  힌트: 힌트"
    )
    assert english_sentences(_not_the_kits(printed)) == []


def test_grade_feedback_speaks_korean_for_every_mistake(twins, tmp_path):
    out = tmp_path / "graded"
    done = _run("grade", *map(str, twins.values()), "--out", str(out), "--assignment", ASSIGNMENT)
    assert done.returncode == 0, done.stderr[-2000:]
    found: dict[str, set[str]] = {}
    drawn = 0
    for name in twins:
        folder = out / name
        data = json.loads((folder / "results.json").read_text())
        assert data["report"]["lang"] == "ko"
        report = Report.from_dict(data["report"])
        grid = np.linspace(-1.0, 2.0, 400).reshape(20, 20)
        report.results[0].boundary = (grid, grid.T)  # (not saved in results.json)
        korean = boundary_png(report)  # its titles and axes in Korean (a Hangul font is here)
        drawn += korean != boundary_png(report, "en")
        _scan(found, f"{name}/feedback.md", (folder / "feedback.md").read_text(encoding="utf-8"))
        page = (folder / "feedback.html").read_text(encoding="utf-8")
        _scan(found, f"{name}/feedback.html", _html_text(page))
    assert not found, _report(found)
    assert drawn == len(twins), f"only {drawn} Korean decision-boundary pictures"


def test_check_and_gradescope_speak_korean(twins, tmp_path):
    found: dict[str, set[str]] = {}
    for name in MORE:
        done = _run("check", str(twins[name]))
        assert done.returncode == 1, done.stderr[-2000:]
        assert "실패" in done.stdout and "FAILED" not in done.stdout, done.stdout
        _scan(found, f"{name}: check", done.stdout)
    root = tmp_path / "gradescope"
    for name in SOME:
        shutil.rmtree(root, ignore_errors=True)
        (root / "submission").mkdir(parents=True)
        shutil.copy(twins[name], root / "submission" / f"{ASSIGNMENT}.ipynb")
        done = _run("gradescope-run", "--root", str(root))
        assert done.returncode == 0, done.stderr[-2000:]
        data = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
        assert 0 < data["score"] < data["max_score"]
        _scan(found, f"{name}: results.json output", data["output"])
        for test in data["tests"]:
            assert HANGUL.search(test["output"]), test
            _scan(found, f"{name}: results.json {test['name']}", test["output"])
    assert not found, _report(found)


def test_the_public_checks_in_the_notebooks_kernel_speak_korean(twins, tmp_path, monkeypatch):
    from test_korean_runs import _quiet_env, _until_the_checks
    from test_notebook_runs import execute_alone

    _quiet_env(monkeypatch)
    found: dict[str, set[str]] = {}
    for name in SOME:
        short = _until_the_checks(twins[name], tmp_path / f"{name}.ipynb")
        ran = execute_alone(short, tmp_path / f"alone_{name}")
        for cell in ran.cells:
            gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") or ""
            if cell.cell_type != "code" or not (gid.startswith("test_") or gid == "summary"):
                continue
            text = "".join(o.get("text", "") for o in cell.outputs)
            assert "passed" not in text and "FAILED" not in text, text
            _scan(found, f"{name}: {gid}", text)
    assert not found, _report(found)


def _nbgrader_course(root: Path, students: dict[str, Path]) -> None:
    """A course as an instructor lays it out: the kit's source/, solutions/ and
    release/ko/ (the Korean edition nbgrader restores locked cells from), the students'
    Korean notebooks in submitted/; generate_assignment, autograde, generate_feedback."""
    shutil.copytree(ROOT / "source", root / "source", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    shutil.copytree(ROOT / "solutions", root / "solutions")
    shutil.copytree(ROOT / "release" / "ko", root / "release" / "ko")
    for student, notebook in students.items():
        folder = root / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        shutil.copy(notebook, folder / f"{ASSIGNMENT}.ipynb")
    run_nbgrader("generate_assignment", ASSIGNMENT, "--force", cwd=root)
    run_nbgrader("autograde", ASSIGNMENT, "--create", cwd=root)
    run_nbgrader("generate_feedback", ASSIGNMENT, cwd=root)


def test_nbgrader_keeps_the_korean_cells_and_speaks_korean(twins):
    root = Path(tempfile.mkdtemp(prefix="autograder-korean-nbgrader-", dir="/var/tmp"))
    try:
        students = {name.replace("_", "-"): twins[name] for name in SOME[:2]}
        _nbgrader_course(root, students)
        edition = nbformat.read(  # the course's copy of the edition
            str(root / "release" / "ko" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"), as_version=4
        )
        locked = {
            c.metadata["nbgrader"]["grade_id"]: c.source
            for c in edition.cells
            if c.metadata.get("nbgrader", {}).get("locked")
        }
        found: dict[str, set[str]] = {}
        for student in students:
            path = root / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
            graded = nbformat.read(str(path), as_version=4)
            kept = 0
            for cell in graded.cells:
                meta = cell.metadata.get("nbgrader", {})
                gid = meta.get("grade_id")
                if meta.get("locked") and gid in locked:
                    assert cell.source == locked[gid], (student, gid)  # not the English master
                    kept += bool(HANGUL.search(cell.source))
                if cell.cell_type == "code" and meta.get("grade") and str(gid).startswith("test_"):
                    text = "".join(o.get("text", "") for o in cell.outputs)
                    _scan(found, f"{student}: {gid} (autograded)", text)
            assert kept >= 10, f"{student}: only {kept} locked cells in Korean"
            page = next((root / "feedback" / student / ASSIGNMENT).glob("*.html"))
            text = _html_text(page.read_text(encoding="utf-8"), inputs=False)
            assert HANGUL.search(text)
            _scan(found, f"{student}: nbgrader feedback", text)
        assert not found, _report(found)
    finally:
        shutil.rmtree(root, ignore_errors=True)

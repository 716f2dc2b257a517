"""The Korean edition (한국어판): whole, the same code as the English one, numbers kept.

Fast tests read the committed editions and the catalogues; the slow ones (marked)
execute the Korean notebooks in real kernels and grade them (tests/test_korean_runs.py).
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import sys
import zlib
from collections import Counter
from pathlib import Path

import nbformat
import pytest
from course_paths import ASSIGNMENT, ROOT

from autograder import course, i18n
from autograder.editions import (
    LOADER_ID,
    LOADER_LINES,
    edition_langs,
    edition_notebook,
    write_editions,
)
from autograder.i18n import Language, kit_messages, kit_table
from autograder.release import embedded_public_checks
from autograder.translate import (
    PLOT_STRING,
    Untranslated,
    _print_strings,
    messages,
    missing,
    read_catalog,
)

ENGLISH = ROOT / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
KOREAN = ROOT / "release" / "ko" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
SOURCE = ROOT / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
CATALOG = SOURCE.parent / "locale" / "ko.po"
#: The Korean of the assignment's checks and mistakes (the engine's has its labels only).
WORDS = SOURCE.parent / "locale" / "checks.ko.po"
SOLVED = ROOT / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
SOLVED_KO = ROOT / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ko.ipynb"
#: A number as the text states it: the typographic minus is a sign, a hyphen is not
#: ("layer-2" is layer 2).
NUMBER = re.compile(r"−?\d+(?:\.\d+)?")
HANGUL = re.compile(r"[\uac00-\ud7a3]")
#: A figure string in any language (the kit's pattern finds English ones to translate).
ANY_PLOT_STRING = re.compile(PLOT_STRING.pattern.replace('[^"]*[A-Za-z][^"]*', '[^"]*'))


def _read(path: Path):
    return nbformat.read(str(path), as_version=4)


def _gid(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def test_every_message_has_its_korean_text():
    assert missing(_read(ENGLISH), read_catalog(CATALOG)) == []
    table = kit_table("ko")  # raises Untranslated, naming the first, when one lacks its text
    assert len(table) >= len(kit_messages())


def test_korean_markdown_states_exactly_the_numbers_of_its_english():
    """So the English claims test (tests/test_notebook_runs.py) covers the Korean text.
    The English word "zero" counts as 0: Korean writes the digit ("평균이 0", not "영")."""
    for entry in read_catalog(CATALOG):
        if entry.msgctxt.startswith("markdown:"):
            english = re.sub(r"\bzero\b", "0", entry.msgid, flags=re.I)
            assert Counter(NUMBER.findall(entry.msgstr)) == Counter(NUMBER.findall(english)), (
                entry.msgctxt
            )
            kept = entry.msgid == entry.msgstr == "YOUR ANSWER HERE"  # nbgrader's placeholder
            assert kept or HANGUL.search(entry.msgstr), f"{entry.msgctxt} is not Korean"


def test_translated_strings_keep_their_fields_and_kit_labels_their_placeholders():
    fields = re.compile(r"\{[^}]*\}")
    for entry in read_catalog(CATALOG):
        if entry.msgctxt.startswith(("plot:", "print:")):
            assert sorted(fields.findall(entry.msgstr)) == sorted(fields.findall(entry.msgid))
    for entry in read_catalog(i18n.catalog_path("ko")):
        if entry.msgctxt.startswith("ui:"):
            assert sorted(fields.findall(entry.msgstr)) == sorted(fields.findall(entry.msgid))


def _unpacked(source: str) -> dict[str, str]:
    """The files a loader cell carries."""
    blob = "".join(re.findall(r'^\s+"([A-Za-z0-9+/=]+)"$', source, re.M))
    return json.loads(zlib.decompress(base64.b64decode(blob)))


def _code(source: str, grade_id: str | None) -> list[str]:
    """A code cell's lines without comments, docstrings, figure strings and the pieces
    ``print`` prints (what a translation may change: the pieces translate.py finds, and
    test_korean_runs shows the edition still runs and prints the English numbers); the
    rest must be the English code, character for character."""
    lines = source.split("\n")
    cell = {"cell_type": "code", "source": source, "metadata": {}}
    for number, match in _print_strings(cell, words=False):
        start, end = match.span("text")
        lines[number] = lines[number][:start] + "<printed>" + lines[number][end:]
    return [
        ANY_PLOT_STRING.sub(lambda m: m[0].replace(m["text"], "<text>"), line)
        for line in lines
        if not line.strip().startswith(("#", '"""'))
    ]


def test_the_editions_have_the_same_code_cells_and_grade_ids():
    english, korean = _read(ENGLISH), _read(KOREAN)
    assert korean.metadata["autograder"]["lang"] == "ko"
    assert [c.cell_type for c in english.cells] == [c.cell_type for c in korean.cells]
    assert [_gid(c) for c in english.cells] == [_gid(c) for c in korean.cells]
    for en, ko in zip(english.cells, korean.cells):
        meta_en = {k: v for k, v in en.metadata.get("nbgrader", {}).items() if k != "checksum"}
        meta_ko = {k: v for k, v in ko.metadata.get("nbgrader", {}).items() if k != "checksum"}
        assert meta_en == meta_ko, _gid(en)
        if en.cell_type != "code":
            assert HANGUL.search(ko.source) or en.source in ("", "YOUR ANSWER HERE")
        elif _gid(en) == LOADER_ID:
            carried_en, carried_ko = _unpacked(en.source), _unpacked(ko.source)
            assert {k: v for k, v in carried_en.items() if k != "data.json"} == {
                k: v for k, v in carried_ko.items() if k != "data.json"
            }
            _same_checks(json.loads(carried_en["data.json"]), json.loads(carried_ko["data.json"]))
            assert ko.source.endswith(LOADER_LINES["ko"])
        else:
            assert _code(en.source, _gid(en)) == _code(ko.source, _gid(en)), _gid(en)


def _same_checks(english: dict, korean: dict) -> None:
    """The Korean public checks are the English ones: only names and hints are words (and
    the names of the checks one defers to, which are the Korean edition's names)."""
    assert korean["lang"] == "ko" and len(english["checks"]) == len(korean["checks"])
    words = ("name", "hint", "defers_to")
    names = {en["name"]: ko["name"] for en, ko in zip(english["checks"], korean["checks"])}
    for en, ko in zip(english["checks"], korean["checks"]):
        assert {k: v for k, v in en.items() if k not in words} == {
            k: v for k, v in ko.items() if k not in words
        }
        assert ko["name"].split(": ")[0] == en["name"].split(": ")[0]
        deferred = en.get("defers_to") or []
        assert (ko.get("defers_to") or []) == [names.get(n, n) for n in deferred], en["name"]
        assert HANGUL.search(ko["name"]) and HANGUL.search(ko["hint"])


def test_the_korean_public_checks_folder_is_the_one_its_loader_carries():
    carried = _unpacked(next(c.source for c in _read(KOREAN).cells if _gid(c) == LOADER_ID))
    folder = KOREAN.parent / "public_checks"
    on_disk = {p.name: p.read_text(encoding="utf-8") for p in folder.iterdir() if p.is_file()}
    assert carried == on_disk


def test_the_committed_korean_edition_is_fresh(tmp_path):
    """What `release` would write from the committed English release and catalogues."""
    package = tmp_path / "public_checks"
    shutil.copytree(KOREAN.parent / "public_checks", package)
    fresh = edition_notebook(
        _read(ENGLISH), read_catalog(CATALOG), "ko", embedded_public_checks(package)
    )
    committed = _read(KOREAN)
    assert [c.source for c in fresh.cells] == [c.source for c in committed.cells], (
        "release/ko is stale: run `python -m autograder release`"
    )
    solved = _read(SOLVED_KO)

    def provided(notebook) -> list[str]:
        return [
            c.source for c in notebook.cells if not c.metadata.get("nbgrader", {}).get("solution")
        ]

    assert provided(solved) == provided(committed)
    english_solved = {_gid(c): c.source for c in _read(SOLVED).cells if _gid(c)}
    for cell in solved.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            assert cell.source == english_solved[_gid(cell)]


def _course(tmp_path: Path, blank: str | None) -> Path:
    """A copy of the master notebook with its Korean catalogue, ``blank``'s text removed."""
    source = tmp_path / "source" / ASSIGNMENT / SOURCE.name
    (source.parent / "locale").mkdir(parents=True)
    shutil.copy(SOURCE, source)
    catalog = read_catalog(CATALOG)
    for entry in catalog:
        if entry.msgctxt == blank:
            entry.msgstr = ""
    catalog.save(str(source.parent / "locale" / "ko.po"))
    return source


def _write(tmp_path: Path, source: Path) -> dict:
    return write_editions(ENGLISH, source, SOLVED, embedded_public_checks, root=tmp_path)


def test_a_message_without_korean_text_refuses_the_whole_edition(tmp_path):
    blank = next(m.context for m in messages(_read(ENGLISH)) if m.context.startswith("markdown:"))
    with pytest.raises(Untranslated, match=r"^1 message\(s\) lack their ko text") as refused:
        _write(tmp_path, _course(tmp_path, blank))
    assert "\n" not in str(refused.value)  # one line, as release prints it
    assert not (tmp_path / "release").exists() and not (tmp_path / "solutions").exists()

    (tmp_path / "solutions").mkdir()
    written = _write(tmp_path, _course(tmp_path / "whole", None))
    assert written["release (ko)"] == tmp_path / "release" / "ko" / ASSIGNMENT / KOREAN.name


@pytest.fixture
def course_copy(tmp_path, monkeypatch):
    """A course of the assignment's folder alone, made current; the assignment modules it
    loads by path (under the same names as the checkout's) are put back afterwards."""
    root = tmp_path / "course"
    skip = shutil.ignore_patterns("public_checks", "__pycache__")
    shutil.copytree(SOURCE.parent, root / "source" / ASSIGNMENT, ignore=skip)
    shutil.copy(ROOT / "nbgrader_config.py", root)
    for name in [n for n in sys.modules if n.startswith(("_assignment_", "_catalogue_"))]:
        monkeypatch.setitem(sys.modules, name, sys.modules[name])
    course.select(ASSIGNMENT, root)  # conftest restores the environment after the test
    i18n.forget()
    yield root / "source" / ASSIGNMENT
    i18n.forget()


def test_a_kit_message_without_korean_text_refuses_too(course_copy):
    """A check's hint lacking its Korean in the assignment's checks.ko.po: no edition, and
    the one-line error names that catalogue."""
    words = course_copy / "locale" / "checks.ko.po"
    catalog = read_catalog(words)
    next(e for e in catalog if e.msgctxt.endswith(":hint")).msgstr = ""
    catalog.save(str(words))
    root = course_copy.parent.parent
    master = course_copy / SOURCE.name
    with pytest.raises(Untranslated, match="check:") as refused:
        write_editions(ENGLISH, master, SOLVED, embedded_public_checks, root=root)
    message = str(refused.value)
    assert f"source/{ASSIGNMENT}/locale/checks.ko.po" in message and "\n" not in message
    assert not (root / "release").exists() and not (root / "solutions").exists()


def test_an_assignment_without_its_checks_catalogue_has_no_korean_words(course_copy):
    """The notebook's ko.po alone is half an edition: refused, naming the missing file; and
    feedback in Korean for such an assignment falls back on English whole."""
    (course_copy / "locale" / "checks.ko.po").unlink()
    root = course_copy.parent.parent
    with pytest.raises(Untranslated, match=r"checks\.ko\.po") as refused:
        write_editions(ENGLISH, course_copy / SOURCE.name, SOLVED, embedded_public_checks, root)
    assert refused.value.messages[0].context.startswith("check:")
    assert not (root / "release").exists()
    assert i18n.speaking("ko").lang == "en"


def test_the_engine_catalogue_holds_labels_only_and_the_assignments_its_words():
    """Each catalogue holds its own messages: the engine's its labels (nothing of an
    assignment), the assignment's its checks' titles and hints and its mistakes."""
    engine = {e.msgctxt for e in read_catalog(i18n.catalog_path("ko"))}
    assert engine == {m.context for m in i18n.engine_messages()}
    words = {(e.msgctxt, e.msgid) for e in read_catalog(WORDS)}
    wanted = {(m.context, m.text) for m in i18n.assignment_messages(course.current())}
    assert words == wanted
    assert {c.split(":")[0] for c, _ in wanted} == {"check", "mistake", "phrase"}
    assert edition_langs(SOURCE) == ["ko"]  # checks.ko.po is no edition of its own


def test_korean_check_output_names_title_hint_and_mistake():
    say = Language("ko")
    output = (
        "model(x) is wrong at row 0: expected -0.5, got 0\n"
        "  the last layer applies ReLU: it must be linear, so outputs below 0 survive\n"
        "  hint: Which layers get a ReLU? Both hidden layers do; the output layer gets no "
        "activation at all."
    )
    korean = say.text(output)
    assert "출력층이 ReLU를 적용합니다" in korean and "힌트: 어느 층에 ReLU가 있을까요?" in korean
    assert "expected -0.5, got 0" in korean  # numbers and values stay as they are
    name = "model: ReLU on both hidden layers and a linear output"
    assert say.check_name(name) == "model: 두 은닉층에 ReLU, 출력층은 선형"
    assert Language("en").text(output) == output


def _graded_class(out: Path, langs: list[str]) -> None:
    """A class whose every student made the relu_on_output mistake, in the given editions."""
    from autograder.checks import REGISTRY
    from autograder.judge import CheckResult, Report
    from autograder.results import write_results

    mistake = "the last layer applies ReLU: it must be linear, so outputs below 0 survive"
    for k, lang in enumerate(langs):
        results = []
        for c in REGISTRY:
            ok = c.grade_id != "model"
            output = "passed" if ok else f"model is wrong\n  {mistake}\n  hint: {c.hint}"
            results.append(
                CheckResult(
                    c.name,
                    c.grade_id,
                    c.points * ok,
                    c.points,
                    ok,
                    output,
                    c.public,
                    c.hint,
                    mistake="" if ok else mistake,
                )
            )
        write_results(out, Report(f"student{k}.ipynb", results, student=f"학생 {k}", lang=lang))


def test_the_class_report_speaks_the_class_language_and_lang_overrides_it(tmp_path):
    from autograder.feedback import write_report

    _graded_class(tmp_path, ["ko", "ko", "en"])
    write_report(tmp_path)
    korean = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "# 채점 보고서: 제출물 3개" in korean and "## 원인별 실패" in korean
    assert (
        "| 3 | 출력층이 ReLU를 적용합니다: 출력층은 선형이어야 0보다 작은 출력이 살아남습니다 |"
        in korean
    )
    assert "model: 두 은닉층에 ReLU, 출력층은 선형" in korean
    assert '<html lang="ko">' in (tmp_path / "report.html").read_text(encoding="utf-8")

    write_report(tmp_path, lang="en")
    english = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "# Grading report: 3 submissions" in english and "the last layer applies ReLU" in english
    assert not HANGUL.search(english.replace("학생", ""))  # only the students' own names


def test_feedback_in_a_language_the_kit_cannot_speak_is_english(tmp_path):
    """The metadata is the student's to edit: an unknown language costs no feedback."""
    from autograder.feedback import write_feedback
    from autograder.judge import CheckResult, Report

    result = CheckResult("model: output shape is (n, 1)", "model", 1.0, 1.0, True, "passed", True)
    for lang in ("xx", "ko"):
        write_feedback(tmp_path / lang, Report("s.ipynb", [result], lang=lang), b"")
    assert "# Feedback for s.ipynb" in (tmp_path / "xx" / "feedback.md").read_text()
    assert "# s.ipynb 피드백" in (tmp_path / "ko" / "feedback.md").read_text(encoding="utf-8")


def test_report_command_takes_lang(tmp_path):
    import subprocess
    import sys

    _graded_class(tmp_path, ["ko", "ko"])
    for lang, title in (
        ("en", "# Grading report: 2 submissions"),
        ("ko", "# 채점 보고서: 제출물 2개"),
    ):
        done = subprocess.run(
            [sys.executable, "-m", "autograder", "report", str(tmp_path), "--lang", lang],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert (tmp_path / "report.md").read_text(encoding="utf-8").startswith(title)
    refused = subprocess.run(
        [sys.executable, "-m", "autograder", "report", str(tmp_path), "--lang", "xx"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert refused.returncode == 2 and "invalid choice: 'xx'" in refused.stderr


def test_an_assignment_with_no_korean_catalogue_stays_english(monkeypatch, tmp_path):
    """sigmoid_bce_classifier has no locale/: no edition, and a Korean notebook's feedback
    is English whole (the engine's Korean labels beside English titles would be half)."""
    from autograder.checks import registry
    from autograder.feedback import write_feedback
    from autograder.judge import CheckResult, Report

    monkeypatch.setenv(course.ASSIGNMENT_ENV, "sigmoid_bce_classifier")
    try:
        other = course.current()
        assert not other.words_catalogue("ko").exists() and edition_langs(other.master) == []
        with pytest.raises(Untranslated, match=r"sigmoid_bce_classifier/locale/checks\.ko\.po"):
            i18n.language("ko")
        check = registry(other).checks[0]
        result = CheckResult(check.name, check.grade_id, 1.0, 1.0, True, "passed", True)
        write_feedback(tmp_path, Report("s.ipynb", [result], lang="ko"), b"")
        feedback = (tmp_path / "feedback.md").read_text(encoding="utf-8")
        assert "# Feedback for s.ipynb" in feedback and check.title in feedback
        assert not HANGUL.search(feedback)
    finally:
        registry(course.find(ASSIGNMENT))  # its mistake catalogue is the one in use again


def test_the_korean_points_sentence_names_the_section_as_the_korean_notebook_titles_it():
    """The sentence on hand-graded points named the English heading ("16. Your turn")
    inside Korean feedback; it names the Korean release's heading of the same cell."""
    from autograder.i18n import language
    from autograder.notebook import edition_sections, master_hand_graded

    hand = master_hand_graded()
    assert hand, "the master has a hand-graded answer"
    korean = edition_sections("ko")
    said = language("ko").points(31)
    for h in hand:
        assert korean.get(h.grade_id), f"no Korean heading above {h.grade_id}"
        assert f'"{korean[h.grade_id]}"' in said, said
        assert h.section not in said, said

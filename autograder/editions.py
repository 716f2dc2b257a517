"""Translated editions of the release: ``release/<lang>/<assignment>/`` and a solved twin.

``release`` writes the English student notebook with nbgrader, then calls
:func:`write_editions`, which writes one edition per catalogue of the notebook's prose,
``source/<assignment>/locale/<lang>.po`` (today: Korean, ``ko``), with the words of its
checks and mistakes from ``locale/checks.<lang>.po`` beside it and the engine's labels
(:mod:`autograder.i18n`):

* ``release/<lang>/<assignment>/<assignment>.ipynb``: the English release with its
  prose translated (:func:`autograder.translate.translate`), and ``public_checks/``
  beside it.  So a Korean nbgrader course sets
  ``c.CourseDirectory.release_directory = "release/ko"``, and everything else
  (``source/``, the grader, the answer key) is shared: the code cells and their
  ``grade_id``\\ s are the English ones, so a Korean submission is graded exactly as
  an English one.
* ``solutions/<assignment>/<assignment>.<lang>.ipynb``: that edition with the reference solution in
  its solution cells (the English solved notebook's code).

One provided (locked) cell differs from the English one, the loader of the public
checks, which the grader never runs (it is not a setup cell, and grading restores
provided cells from the master anyway):

* it carries the public checks with their titles, hints and named mistakes in the
  edition's language (``data.json``'s ``lang`` and ``words``): the language reaches
  the student's kernel with the checks themselves, so a notebook opened alone
  (Colab) speaks it with nothing to configure;
* it ends with :data:`LOADER_LINES` (for Korean: a Hangul font for the plots, the
  NanumGothic file that ``koreanize-matplotlib`` bundles, installed on the fly in Colab,
  or Debian's ``fonts-nanum``; quietly skipped when neither is there).  The file is
  found, not imported: importing that package needs ``distutils``, gone from Python
  3.12.  Latin text and math keep matplotlib's DejaVu Sans (NanumGothic has no U+2212
  minus, which log-scale ticks draw); Hangul falls back to NanumGothic.  The loader
  runs first, before any figure.  The setup cells stay
  the English ones, so a submission of the edition gets no "you changed a locked
  setup cell" note.

Everything is prepared in memory first: a catalogue missing any message (the
notebook's, the assignment's checks' or the engine's) raises
:class:`autograder.translate.Untranslated`, naming its catalogue, before a
file of any edition is written, so no half-translated edition ever exists.
"""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import nbformat

from . import course
from .i18n import UI, language
from .translate import read_catalog, translate

#: The loader cell (``autograder.release.LOADER_ID``; named here to import nothing from it).
LOADER_ID = "public_checks_loader"

#: Lines added to the loader cell of an edition, by language.
LOADER_LINES = {
    "ko": """
# 한국어판 (release가 덧붙인 줄): 그림의 한글 글꼴.
# koreanize-matplotlib 패키지에 든 NanumGothic을 등록하고(Colab에 없으면 설치합니다),
# 영문과 수식은 기본 글꼴로, 한글은 NanumGothic으로 그립니다.
# 글꼴을 찾지 못하면 기본 글꼴로 조용히 계속합니다.
def _hangul_font():
    import importlib.util
    import os
    import subprocess
    import sys

    from matplotlib import font_manager, rcParams

    def bundled():
        spec = importlib.util.find_spec("koreanize_matplotlib")  # found, not imported
        for folder in (spec and spec.submodule_search_locations) or []:
            path = os.path.join(folder, "fonts", "NanumGothic.ttf")
            if os.path.exists(path):
                return path
        return None

    path = bundled()
    if path is None and "google.colab" in sys.modules:
        pip = [sys.executable, "-m", "pip", "install", "-q", "koreanize-matplotlib"]
        subprocess.run(pip, check=False, capture_output=True)
        importlib.invalidate_caches()
        path = bundled()
    if path is not None:
        font_manager.fontManager.addfont(path)
    names = {f.name for f in font_manager.fontManager.ttflist}
    if "NanumGothic" in names:
        rcParams["font.family"] = ["DejaVu Sans", "NanumGothic"]


_hangul_font()
del _hangul_font""",
}


#: The loader cell's first lines (its ``#@title``, the form title Colab shows, and what the
#: cell does), by language: they replace the English ones, up to the cell's first import.
LOADER_HEADERS = {
    "ko": """#@title 공개 검사 (이 노트북 안에 들어 있습니다: 이 셀을 실행하고, 고치지 마세요)
# `python -m autograder release`가 쓴 셀입니다. 노트북 옆에 public_checks 폴더가 없어도
# (Colab에서처럼 노트북만 열어도) 동작합니다: 이 셀이 검사를 임시 폴더에 풀고 그 폴더를
# import 경로에 넣습니다.
""",
}
_LOADER_BODY = "import sys as _sys\n"


def loader_for(loader_source: str, lang: str) -> str:
    """The edition's loader cell: the English one with its header and added lines in
    ``lang`` (:data:`LOADER_HEADERS`, :data:`LOADER_LINES`)."""
    head, body, rest = loader_source.partition(_LOADER_BODY)
    if lang in LOADER_HEADERS and body:
        head = LOADER_HEADERS[lang]
    return head + body + rest + LOADER_LINES.get(lang, "")


def edition_langs(source_nb: Path) -> list[str]:
    """The languages with a catalogue of the notebook's prose beside the master notebook:
    ``locale/<lang>.po``, not ``checks.<lang>.po`` (the checks' words, :mod:`autograder.i18n`)."""
    return sorted(p.stem for p in (source_nb.parent / "locale").glob("*.po") if "." not in p.stem)


def _grade_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def localized_data(data: dict, lang: str) -> dict:
    """The public checks' ``data.json`` for an edition: titles and hints translated, and
    the words the checks print (``words``: labels, and English sentences with their
    translation, longest first) for the package to apply to its messages."""
    say = language(lang)
    out = copy.deepcopy(data)
    for entry in out["checks"]:
        entry["name"] = say.check_name(entry["name"])
        entry["defers_to"] = [say.check_name(n) for n in entry.get("defers_to", [])]
        if entry.get("hint"):
            entry["hint"] = say.hint(entry["grade_id"], entry["hint"])
    out["lang"] = lang
    out["words"] = {
        "labels": {key: say.t(key) for key in UI if "{" not in UI[key]},
        "line_labels": [list(pair) for pair in say.labels()],
        "summaries": [list(pair) for pair in say.phrases()],
        "sentences": [list(pair) for pair in say.sentences()],
    }
    return out


def _edition_package(english_package: Path, lang: str) -> dict[str, str]:
    """The files of an edition's ``public_checks`` folder, by name."""
    files = {
        p.name: p.read_text(encoding="utf-8")
        for p in sorted(english_package.iterdir())
        if p.is_file() and p.suffix in (".py", ".json")
    }
    data = localized_data(json.loads(files["data.json"]), lang)
    files["data.json"] = json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    return files


def _set_source(cell, source: str) -> None:
    from nbgrader.utils import compute_checksum

    cell["source"] = source
    meta = cell.get("metadata", {}).get("nbgrader", {})
    if "checksum" in meta:
        meta["checksum"] = compute_checksum(cell)


def edition_notebook(english, catalog, lang: str, loader_source: str):
    """The edition of the English release notebook ``english`` (refused whole by
    :class:`Untranslated` when the catalogue lacks a message)."""
    edition = translate(english, catalog, lang)
    for cell in edition.cells:
        if _grade_id(cell) == LOADER_ID:
            _set_source(cell, loader_for(loader_source, lang))
    return edition


def solved_edition(edition, english_solved):
    """The edition with the English solved notebook's code in its solution cells."""
    solved = copy.deepcopy(edition)
    code = {_grade_id(c): c.source for c in english_solved.cells if _grade_id(c)}
    for cell in solved.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("solution"):
            cell["source"] = code[_grade_id(cell)]
    return solved


def write_editions(
    release_nb: Path,
    source_nb: Path,
    solved_nb: Path,
    embed: Callable[[Path], str],
    root: Path | None = None,
    assignment: str | None = None,
) -> dict[str, Path]:
    """Write every edition (notebook, public checks, solved twin); return the paths.

    ``embed`` turns a public checks folder into the loader cell's source
    (``autograder.release.embedded_public_checks``).  Nothing is written unless
    every edition translates whole.
    """
    here = course.current()
    root = root or here.course
    assignment = assignment or here.name
    english = nbformat.read(str(release_nb), as_version=4)
    english_solved = nbformat.read(str(solved_nb), as_version=4)
    prepared = []
    for lang in edition_langs(source_nb):
        language(lang)  # the kit's words: refused whole here, before anything is written
        catalog = read_catalog(source_nb.parent / "locale" / f"{lang}.po")
        translate(english, catalog, lang)  # the notebook's: idem
        prepared.append(
            (lang, catalog, _edition_package(release_nb.parent / "public_checks", lang))
        )
    written = {}
    for lang, catalog, package in prepared:
        folder = root / "release" / lang / assignment
        if folder.exists():
            shutil.rmtree(folder)
        (folder / "public_checks").mkdir(parents=True)
        for name, text in package.items():
            (folder / "public_checks" / name).write_text(text, encoding="utf-8")
        edition = edition_notebook(english, catalog, lang, embed(folder / "public_checks"))
        path = folder / f"{assignment}.ipynb"
        nbformat.write(edition, str(path))
        solved = root / "solutions" / assignment / f"{assignment}.{lang}.ipynb"
        solved.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(solved_edition(edition, english_solved), str(solved))
        written[f"release ({lang})"], written[f"solved notebook ({lang})"] = path, solved
    return written

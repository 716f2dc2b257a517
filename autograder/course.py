"""Where the course is: the engine is a program, a course is data it reads.

A course is a folder with ``nbgrader_config.py`` at its top, as nbgrader's are.  Each
assignment is a folder of its own under ``source/``, named as nbgrader names it::

    source/<assignment>/<assignment>.ipynb   the master notebook (nbgrader schema 3)
    source/<assignment>/assignment.toml      its settings: every fact once
    source/<assignment>/checks.toml          its checks
    source/<assignment>/grading.py           its probe makers and judge-side assertions
    source/<assignment>/catalogue.py         its typical mistakes (shipped in the public checks)
    source/<assignment>/answer_key.json      built by ``release`` (never released)
    source/<assignment>/locale/<lang>.po     its notebook's prose in another language
    source/<assignment>/locale/checks.<lang>.po  its checks' titles and hints, its mistakes
    solutions/<assignment>/reference.py      the reference solution
    solutions/<assignment>/<assignment>.ipynb  the solved notebook (built by ``release``)
    release/<assignment>/                    the student release (built by nbgrader)

The course is the one named by ``--course DIR`` (or ``AUTOGRADER_COURSE``), else the
current folder or the nearest folder above it holding ``nbgrader_config.py``.  The
assignment is the one named by ``--assignment NAME`` (or ``AUTOGRADER_ASSIGNMENT``),
else the only one there is.  :func:`select` records both in the environment too, so that
the processes a command starts (nbgrader, its kernels, the grader's workers) find the
same assignment.

The assignment's module (``grading.py``) is loaded by path at run time and imports only
:mod:`autograder.toolkit`: the engine never imports an assignment, so no import circle.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10 (Gradescope's Ubuntu 22.04 image): the same parser
    import tomli as tomllib

#: The file that marks a course's top folder (nbgrader's own).
MARKER = "nbgrader_config.py"
#: The file that marks an assignment's folder under source/.
SETTINGS = "assignment.toml"
#: The grader's files in an assignment's folder: never released (nbgrader_config.py's
#: CourseDirectory.ignore names them; release refuses a release/ that holds one).
KIT_FILES = (
    "assignment.toml",
    "checks.toml",
    "grading.py",
    "catalogue.py",
    "answer_key.json",
    "answer_key.sha256",
)
COURSE_ENV = "AUTOGRADER_COURSE"
ASSIGNMENT_ENV = "AUTOGRADER_ASSIGNMENT"


class CourseError(ValueError):
    """No course or no such assignment: a one-line error for the command line."""


@dataclass(frozen=True)
class Assignment:
    """One assignment of a course: where its files are, and its settings."""

    name: str
    course: Path

    @property
    def folder(self) -> Path:
        return self.course / "source" / self.name

    @property
    def master(self) -> Path:
        return self.folder / f"{self.name}.ipynb"

    @property
    def settings_path(self) -> Path:
        return self.folder / SETTINGS

    @property
    def checks_path(self) -> Path:
        return self.folder / "checks.toml"

    @property
    def key_path(self) -> Path:
        return self.folder / "answer_key.json"

    @property
    def module_path(self) -> Path:
        return self.folder / "grading.py"

    @property
    def catalogue_path(self) -> Path:
        return self.folder / "catalogue.py"

    @functools.cached_property
    def catalogue(self) -> ModuleType | None:
        """The assignment's mistake catalogue (``catalogue.py``, loaded by path), or None."""
        if not self.catalogue_path.is_file():
            return None
        return load_module(self.catalogue_path, f"_catalogue_{self.name}")

    @property
    def locale(self) -> Path:
        """The folder of its translations (nbgrader_config.py's ignore keeps it from students)."""
        return self.folder / "locale"

    def words_catalogue(self, lang: str) -> Path:
        """The ``lang`` text of what its checks and catalogue say (titles, hints, named
        mistakes): the assignment's words, so the engine's own catalogue names none of them."""
        return self.locale / f"checks.{lang}.po"

    @property
    def solutions(self) -> Path:
        return self.course / "solutions" / self.name

    @property
    def reference(self) -> Path:
        return self.solutions / "reference.py"

    @property
    def solved(self) -> Path:
        return self.solutions / f"{self.name}.ipynb"

    @property
    def release_dir(self) -> Path:
        return self.course / "release" / self.name

    @functools.cached_property
    def settings(self) -> dict:
        return read_settings(self.settings_path)

    @property
    def functions(self) -> tuple[str, ...]:
        """The functions students write, in notebook order; each is an nbgrader grade_id."""
        return tuple(self.settings["graded"]["functions"])

    @property
    def variables(self) -> tuple[str, ...]:
        """The notebook's global variables the grader sets and reads back, in order."""
        return tuple(self.settings["graded"].get("variables", ()))

    @property
    def whole(self) -> tuple[str, ...]:
        """grade_ids of checks that grade no single function (training end to end)."""
        return tuple(self.settings["graded"].get("whole", ()))

    @functools.cached_property
    def module(self) -> ModuleType:
        """The assignment's ``grading.py``, loaded by path (see the module docstring)."""
        return load_module(self.module_path, f"_assignment_{self.name}")

    def relative(self, path: Path) -> str:
        """A path as a person reads it: from the course's top folder."""
        try:
            return Path(path).resolve().relative_to(self.course.resolve()).as_posix()
        except ValueError:
            return str(path)


def read_settings(path: Path) -> dict:
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except OSError as exc:
        raise CourseError(f"cannot read the assignment's settings {path}: {exc.strerror}") from None


def load_module(path: Path, name: str) -> ModuleType:
    """Import a file by its path (an assignment's code is no package of the engine)."""
    if name in sys.modules and getattr(sys.modules[name], "__file__", None) == str(path):
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None or not path.exists():
        raise CourseError(f"no assignment module at {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look modules up by name
    spec.loader.exec_module(module)
    return module


def find_course(start: Path | None = None) -> Path:
    """The course folder: ``AUTOGRADER_COURSE``, else the current folder or the nearest
    one above it with ``nbgrader_config.py`` (nbgrader reads it from there)."""
    named = os.environ.get(COURSE_ENV)
    if named:
        return _checked_course(Path(named))
    here = Path.cwd() if start is None else Path(start)
    for folder in (here, *here.resolve().parents):
        if (folder / MARKER).is_file():
            return folder.resolve()
    raise CourseError(
        f"no course here: {here} (nor a folder above it) holds {MARKER}; "
        "run from the course folder or give --course DIR"
    )


def _checked_course(path: Path) -> Path:
    if not (path / MARKER).is_file():
        raise CourseError(f"{path} is not a course folder: it holds no {MARKER}")
    return path.resolve()


def assignment_names(course: Path) -> list[str]:
    """The course's assignments: the folders under source/ that hold assignment.toml."""
    source = course / "source"
    if not source.is_dir():
        return []
    return sorted(p.name for p in source.iterdir() if (p / SETTINGS).is_file())


def find(assignment: str | None = None, course: Path | str | None = None) -> Assignment:
    """The assignment named (or ``AUTOGRADER_ASSIGNMENT``, or the only one) of the course."""
    root = _checked_course(Path(course)) if course else find_course()
    names = assignment_names(root)
    name = assignment or os.environ.get(ASSIGNMENT_ENV) or _folder_named(names)
    if name is None:
        if len(names) != 1:
            raise CourseError(
                f"the course {root} has {len(names)} assignments ({', '.join(names) or 'none'}): "
                "name one with --assignment NAME"
            )
        name = names[0]
    if name not in names:
        raise CourseError(
            f"no assignment {name!r} in {root / 'source'} "
            f"(assignments: {', '.join(names) or 'none'})"
        )
    return _assignment(name, root)


def assignment_in_path(path: Path | str, names: list[str]) -> str | None:
    """The assignment a path names by where it lies, as nbgrader's layout does
    (``submitted/<student>/<assignment>/``, ``release/<assignment>/``,
    ``solutions/<assignment>/``, a notebook named ``<assignment>.ipynb``): the deepest
    folder, or the file's stem, that is an assignment's name; None when none is.

    The path is the one the instructor gave (or nbgrader's), read as given and made
    absolute; nothing inside a student's upload is looked at here."""
    parts = list(Path(os.path.abspath(path)).parts)
    if parts and Path(parts[-1]).suffix:
        parts[-1] = Path(parts[-1]).stem
    for part in reversed(parts):
        if part in names:
            return part
    return None


def _folder_named(names: list[str]) -> str | None:
    """The assignment whose name the current folder (or one above it) has, as nbgrader's
    kernels run in ``submitted/<student>/<assignment>/``; None if none has."""
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if folder.name in names:
            return folder.name
    return None


@functools.cache
def _assignment(name: str, root: Path) -> Assignment:
    return Assignment(name, root)


#: The last assignment :func:`select` chose in this process.  The environment carries it
#: to the processes this one starts, but a thread may read the environment while
#: autograder.pool has it emptied for a moment (the fork server starts with a worker's
#: environment, built from nothing): :func:`current` then falls back on this.
_selected: Assignment | None = None


def select(assignment: str | None = None, course: Path | str | None = None) -> Assignment:
    """Make an assignment the current one, for this process and those it starts."""
    global _selected
    chosen = find(assignment, course)
    os.environ[COURSE_ENV] = str(chosen.course)
    os.environ[ASSIGNMENT_ENV] = chosen.name
    _selected = chosen
    return chosen


def current() -> Assignment:
    """The current assignment (:func:`select`'s, or found as :func:`find` finds it)."""
    if _selected is not None and ASSIGNMENT_ENV not in os.environ:
        return _selected
    return find()

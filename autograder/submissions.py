"""Where submissions are found: files, folders and LMS downloads, named by student.

``grade`` takes files and folders.  :func:`find_submissions` turns them into
:class:`Submission` rows, each with the student it belongs to and a folder
under ``--out`` of its own:

* **nbgrader's layout** ``submitted/<student>/<assignment>/<assignment>.ipynb``
  (given ``submitted/``, the course folder holding it, or files inside it): one
  row per student folder, named by it.  A student folder without this
  assignment's folder gets a row with 0 and the reason.
* **LMS downloads**: a ``.zip`` (extracted safely into a temporary folder; only
  its ``.ipynb`` members), and file or folder names as LMSs write them
  (:data:`LMS_PATTERNS`: Canvas, Moodle, Blackboard).  A student's identity comes
  only from what the LMS wrote (:func:`lms_student`): the outermost structure wins,
  so no file or folder a student names inside an upload moves it to another row.
* **any other folder** is walked for ``*.ipynb`` (hidden folders and
  ``.ipynb_checkpoints`` skipped); a notebook is named by its stem, and
  notebooks sharing a stem by the folders that tell them apart.

A path that does not exist or cannot be read is reported (``Found.missing``),
never turned into a row: it is the instructor's typo, not a student's work.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import tempfile
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import course

#: nbgrader's folder of submissions, inside the course folder.
SUBMITTED = "submitted"
#: Names the grader writes at the top of ``--out``: no student folder takes them.
RESERVED = {"grades.csv", "grader.log", "report.html", "report.md", "nbgrader_export.csv"}
#: A zip is refused past these (zip bombs): total bytes of notebooks, and members.
MAX_ZIP_BYTES = 1 << 30
MAX_ZIP_MEMBERS = 20_000
MAX_NOTEBOOK_BYTES = 50 * 1024 * 1024  # as autograder.notebook, which imports the checks

#: A student's folder under ``--out`` is at most this many bytes long (UTF-8).
MAX_FOLDER_BYTES = 200
#: NAME_MAX of Linux and macOS disks: a longer zip member name is extracted shortened.
NAME_MAX = 255

#: LMS naming: Canvas and Blackboard prefix the file name, Moodle makes a folder.  The
#: group ``student`` names the row; ``rest`` is the name the student gave the file.
LMS_PATTERNS: dict[str, re.Pattern] = {
    # Canvas "Download Submissions": lastname_firstname[_LATE]_<user id>_<submission id>_<file>
    # (older exports omit the submission id).  Ids have 4 digits or more, so that a
    # name such as hw_2_alice.ipynb is not read as one.
    "canvas": re.compile(
        r"^(?P<student>[^\d_][^/]*?)(?:_LATE)?_\d{4,}_(?:\d{4,}_)?(?P<rest>.+)$", re.DOTALL
    ),
    # Blackboard: <assignment>_<username>_attempt_<YYYY-MM-DD-HH-MM-SS>[_<file>]
    "blackboard": re.compile(
        r"^.+?_(?P<student>[^_]+)_attempt_\d{4}(?:-\d{2}){5}(?:_(?P<rest>.+))?$",
        re.IGNORECASE | re.DOTALL,
    ),
    # Moodle "Download all submissions": a folder <Full Name>_<id>_assignsubmission_file_
    "moodle": re.compile(
        r"^(?P<student>.+?)_\d+_assignsubmission_(?:file|onlinetext)_?$", re.DOTALL
    ),
}


@dataclass(frozen=True)
class Submission:
    """One row of ``grades.csv``: a notebook (or why there is none) and its student."""

    #: The notebook to grade; None when there is none (``problem`` says why).
    path: Path | None
    #: Who handed it in: the nbgrader folder, the LMS name, or the notebook's stem.
    student: str
    #: Where it came from, as a person reads it (a path, or ``download.zip:member``).
    origin: str
    #: Why this student's submission cannot be graded (it then gets 0 everywhere).
    problem: str = ""
    #: Its folder under ``--out``: unique in the batch (see :func:`assign_folders`).
    folder: str = ""
    #: The absolute path its name is read from (a zip member's: the zip's path, then
    #: the member's), so that names do not depend on where a zip was extracted.
    where: str = field(default="", repr=False, compare=False)

    @property
    def identity(self) -> str:
        """What ``--resume`` requires to be unchanged besides the notebook's bytes."""
        return f"{self.student}\0{self.origin}"


@dataclass
class Found:
    """What :func:`find_submissions` found; a context manager removing extracted zips."""

    submissions: list[Submission] = field(default_factory=list)
    #: One line per path given that does not exist or cannot be read.
    missing: list[str] = field(default_factory=list)
    #: One line per thing worth knowing (files skipped, a notebook chosen among several).
    notes: list[str] = field(default_factory=list)
    #: A whole input that is not of this assignment (exit 2 when nothing else is found).
    refused: list[str] = field(default_factory=list)
    _temporary: list[Path] = field(default_factory=list)

    def __enter__(self) -> Found:
        return self

    def __exit__(self, *exc) -> None:
        for folder in self._temporary:
            shutil.rmtree(folder, ignore_errors=True)


# --------------------------------------------------------------------------- finding


def _assignment() -> str:
    """The current assignment's name: its folder in nbgrader's layout, its notebook's stem."""
    return course.current().name


def find_submissions(paths: list[Path], out: Path | None = None) -> Found:
    """Every submission in ``paths`` (files, folders, zips), named and given a folder."""
    found = Found()
    rows: list[Submission] = []
    seen: set[str] = set()
    for given in paths:
        for row in _from_argument(Path(given), found, out):
            key = os.path.abspath(row.path) if row.path else row.origin
            if key in seen:
                found.notes.append(f"{row.origin} was given twice: graded once")
                continue
            seen.add(key)
            rows.append(row)
    found.submissions = assign_folders(name_rows(rows))
    return found


def as_submissions(items: list) -> list[Submission]:
    """``grade_paths``'s argument as submissions: Paths are named like files given to
    ``grade`` (nbgrader or LMS names, else their stems), Submissions kept as they are."""
    if all(isinstance(i, Submission) for i in items) and all(i.folder for i in items):
        return list(items)
    rows = [i if isinstance(i, Submission) else _unnamed(Path(i), str(i)) for i in items]
    return assign_folders(name_rows(rows))


def _unnamed(path: Path, origin: str, where: str = "") -> Submission:
    """A notebook whose student :func:`name_rows` decides."""
    return Submission(path, "", origin, where=where or os.path.abspath(path))


def _from_argument(given: Path, found: Found, out: Path | None) -> list[Submission]:
    """The submissions one command-line argument holds."""
    try:
        info = given.lstat()
    except OSError as exc:
        found.missing.append(f"{given}: {_reason(exc)}")
        return []
    if stat.S_ISDIR(info.st_mode):
        if not os.access(given, os.R_OK | os.X_OK):
            found.missing.append(f"{given}: permission denied (cannot list the folder)")
            return []
        return _from_folder(given, given, found, out)
    if given.suffix.lower() == ".zip" and stat.S_ISREG(info.st_mode):
        return _from_zip(given, found)
    if stat.S_ISREG(info.st_mode) and not _readable(given):
        found.missing.append(f"{given}: permission denied")
    # Anything else (a text file, a link, a FIFO) is graded: the row says what it is.
    return [_unnamed(given, str(given))]


def _reason(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "no such file or folder"
    return (exc.strerror or str(exc)).lower()


def _readable(path: Path) -> bool:
    """Whether the file opens for reading (root too: ``os.access`` would say yes)."""
    try:
        os.close(os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC))
    except OSError:
        return False
    return True


def _from_folder(folder: Path, shown: Path, found: Found, out: Path | None) -> list[Submission]:
    """A folder: nbgrader's layout (course folder or ``submitted/``), else walked."""
    if (folder / SUBMITTED).is_dir() and not (folder / SUBMITTED).is_symlink():
        folder, shown = folder / SUBMITTED, shown / SUBMITTED
    if folder.name == SUBMITTED or _has_student_folders(folder):
        return _from_nbgrader(folder, shown, found)
    notebooks, skipped = walk_notebooks(folder, out)
    if skipped:
        found.notes.append(
            f"{shown}: skipped {len(skipped)} file(s) that are not .ipynb "
            f"({', '.join(printable(n) for n in skipped[:3])}{', ...' if len(skipped) > 3 else ''})"
        )
    if not notebooks:
        found.missing.append(f"{shown}: no .ipynb file in this folder")
    return [
        _unnamed(p, str(shown / p.relative_to(folder)), _where(shown, folder, p)) for p in notebooks
    ]


def _where(shown: Path, folder: Path, path: Path) -> str:
    """The path a name is read from: inside a zip, the zip's path then the member's."""
    text = str(shown)
    if text.lower().endswith(".zip:"):
        return os.path.join(os.path.abspath(text[:-1]), str(path.relative_to(folder)))
    return os.path.abspath(path)


def _has_student_folders(folder: Path) -> bool:
    """Whether ``folder`` looks like nbgrader's ``submitted/``: ``<student>/<assignment>/``."""
    try:
        return any((child / _assignment()).is_dir() for child in _subfolders(folder))
    except OSError:
        return False


def _subfolders(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.iterdir()
        if not p.name.startswith(".") and p.is_dir() and not p.is_symlink()
    )


def _from_nbgrader(submitted: Path, shown: Path, found: Found) -> list[Submission]:
    """One row per student folder of ``submitted/``, named by the folder."""
    rows = []
    students = _subfolders(submitted)
    for student in students:
        where = shown / student.name
        folder = student / _assignment()
        if not folder.is_dir() or folder.is_symlink():
            held = ", ".join(printable(p.name) for p in sorted(student.iterdir())[:5])
            held = held or "nothing"
            problem = (
                f"no {_assignment()}/ folder was submitted (the student's folder holds: {held})"
            )
            rows.append(Submission(None, printable(student.name), str(where), problem))
            continue
        notebook, note = choose_notebook(folder)
        origin = (
            str(where / _assignment() / notebook.relative_to(folder)) if notebook else str(where)
        )
        rows.append(Submission(notebook, printable(student.name), origin, "" if notebook else note))
        if notebook and note:
            found.notes.append(f"{printable(student.name)}: {note}")
    if students and not any(r.path for r in rows):
        found.refused.append(
            f"{shown}: no student folder holds a {_assignment()}/ folder: is this the "
            f"submitted/ folder of {_assignment()}?"
        )
        return []
    if not students:
        found.missing.append(f"{shown}: no student folder in it")
    return rows


def walk_notebooks(folder: Path, out: Path | None = None) -> tuple[list[Path], list[str]]:
    """The ``.ipynb`` files below ``folder``, sorted, and the names of other files.

    Hidden folders (``.ipynb_checkpoints``, ``.git``), hidden files (macOS's ``._x``)
    and ``__MACOSX`` are skipped, links to folders are not followed, and ``out`` (the
    results folder, if it lies inside) is not entered.
    """
    notebooks, others = [], []
    skip = os.path.abspath(out) if out is not None else None
    for here, dirs, names in os.walk(folder, followlinks=False):
        dirs[:] = sorted(
            d
            for d in dirs
            if not d.startswith(".")
            and d != "__MACOSX"
            and os.path.abspath(os.path.join(here, d)) != skip
        )
        for name in sorted(names):
            if name.startswith("."):
                continue
            if name.lower().endswith(".ipynb"):
                notebooks.append(Path(here) / name)
            else:
                others.append(name)
    return notebooks, others


def choose_notebook(folder: Path) -> tuple[Path | None, str]:
    """The submission's notebook in ``folder``, and a note when the choice needed a guess."""
    # Links are never followed (root would read whatever they point at): a link
    # named *.ipynb is chosen like a file, and read_notebook refuses it with a reason.
    notebooks, others = walk_notebooks(folder)
    if not notebooks:
        listing = ", ".join(printable(n) for n in sorted(others)[:20]) if others else "nothing"
        return None, f"No .ipynb file was found in your submission (it holds: {listing})."
    named = [p for p in notebooks if p.name == f"{_assignment()}.ipynb"]
    if named:
        return named[0], ""
    note = f"Graded {printable(notebooks[0].name)}: the expected name is {_assignment()}.ipynb."
    if len(notebooks) > 1:
        note += f" (Your submission has {len(notebooks)} notebooks; only this one was graded.)"
    return notebooks[0], note


# --------------------------------------------------------------------------- zips


def _from_zip(archive: Path, found: Found) -> list[Submission]:
    """The notebooks of an LMS download, extracted safely into a temporary folder.

    A member that cannot be extracted costs its own row only (0, and the reason), and a
    name too long for the disk is extracted shortened: either way the row is named from
    the member's name in the zip, as the LMS wrote it, and the member is named on stderr.
    """
    target = Path(tempfile.mkdtemp(prefix="autograder-zip-"))
    found._temporary.append(target)
    try:
        done = _extract(archive, target)
    except (OSError, zipfile.BadZipFile, ValueError) as exc:
        found.missing.append(f"{archive}: not a readable zip ({exc})")
        return []
    found.missing += [f"{archive}: {line}" for line in done.refused]
    whole = done.extracted or not done.failed  # else: an empty folder, said as no notebook
    rows = _from_folder(target, Path(f"{archive}:"), found, None) if whole else []
    zipped = os.path.abspath(archive)
    named = []
    for r in rows:
        member = done.members.get(r.path.relative_to(target).as_posix()) if r.path else None
        if member is not None:  # named from the member's own name, not the shortened one
            r = replace(r, origin=f"{archive}:{member}", where=os.path.join(zipped, member))
        named.append(replace(r, origin=r.origin.replace(f"{archive}:/", f"{archive}:", 1)))
    for member, why in done.failed:
        problem = f"The zip member {printable(member)} could not be extracted: {why}."
        origin = f"{archive}:{member}"
        named.append(Submission(None, "", origin, problem, where=os.path.join(zipped, member)))
    return named


@dataclass
class _Extracted:
    """What :func:`_extract` did with a zip's ``.ipynb`` members."""

    #: One line per member refused or not extracted (the zip's path goes before it).
    refused: list[str] = field(default_factory=list)
    #: Each extracted member: its path under the target (posix) -> its name in the zip.
    members: dict[str, str] = field(default_factory=dict)
    #: Members that could not be written: (name in the zip, why); each gets a row of 0.
    failed: list[tuple[str, str]] = field(default_factory=list)

    @property
    def extracted(self) -> bool:
        return bool(self.members)


def extract_notebooks(archive: Path, target: Path) -> list[str]:
    """Extract the ``.ipynb`` members of ``archive`` into ``target``; what was refused.

    Refused: absolute names, ``..``, links, members past :data:`MAX_NOTEBOOK_BYTES`,
    and everything once :data:`MAX_ZIP_BYTES` are written.  Sizes are counted as read,
    not trusted from the zip's directory.  Raises ValueError past :data:`MAX_ZIP_MEMBERS`.
    A member the disk cannot take is said too, and the others are extracted: a name
    longer than :data:`NAME_MAX` bytes is written shortened (:func:`_short_name`); any
    other failure (a path too long in all, a member that does not decompress) skips it.
    """
    return _extract(archive, target).refused


def _extract(archive: Path, target: Path) -> _Extracted:
    done = _Extracted()
    total = 0
    with zipfile.ZipFile(archive) as zf:
        members = zf.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            raise ValueError(f"more than {MAX_ZIP_MEMBERS} members")
        for info in members:
            name = info.filename.replace("\\", "/")
            if info.is_dir() or not name.lower().endswith(".ipynb"):
                continue
            why = _unsafe_member(info, name)
            if why is None and total >= MAX_ZIP_BYTES:
                why = f"past {MAX_ZIP_BYTES >> 20} MB in all"
            if why is None:
                short = "/".join(_short_name(part) for part in name.split("/") if part)
                try:
                    why, size = _extract_one(zf, info, target / short)
                except (OSError, zipfile.BadZipFile, RuntimeError, NotImplementedError,
                        EOFError, zlib.error) as exc:  # fmt: skip
                    reason = _reason(exc) if isinstance(exc, OSError) else str(exc)
                    done.failed.append((name, reason))
                    done.refused.append(f"{printable(name)}: not extracted ({reason}): a row of 0")
                    continue
                total += size
                if not why:
                    done.members[short] = name
                    if short != "/".join(part for part in name.split("/") if part):
                        done.refused.append(
                            f"{printable(name)}: a name longer than {NAME_MAX} bytes, "
                            f"extracted as {printable(short)} and graded"
                        )
            if why:
                done.refused.append(f"{printable(info.filename)}: refused ({why})")
    return done


def _short_name(part: str) -> str:
    """One component of a member's path, at most :data:`NAME_MAX` bytes: kept when it
    fits; else its start (where an LMS writes the student) up to a character boundary, a
    digest of the whole (two long names stay apart), and its extension."""
    data = part.encode("utf-8", "surrogatepass")
    if len(data) <= NAME_MAX:
        return part
    import hashlib

    stem, dot, extension = part.rpartition(".")
    suffix = f"~{hashlib.sha256(data).hexdigest()[:12]}" + (f".{extension}" if dot else "")
    keep = (stem if dot else part).encode("utf-8", "surrogatepass")
    room = NAME_MAX - len(suffix.encode("utf-8", "surrogatepass"))
    return keep[:room].decode("utf-8", "ignore") + suffix


def _unsafe_member(info: zipfile.ZipInfo, name: str) -> str | None:
    parts = name.split("/")
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return "an absolute path"
    if ".." in parts:
        return "a path with .."
    if stat.S_ISLNK(info.external_attr >> 16):
        return "a link"
    if any(p.startswith(".") or p == "__MACOSX" for p in parts):
        return ""  # hidden (macOS's ._ files): skipped without a word
    return None


def _extract_one(zf: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path) -> tuple[str, int]:
    """Write one member (never past the size cap, never over an existing file); raises
    OSError when the disk cannot take it (its path too long, a file where a folder is)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zf.open(info) as source:
        data = source.read(MAX_NOTEBOOK_BYTES + 1)
    if len(data) > MAX_NOTEBOOK_BYTES:
        return f"larger than {MAX_NOTEBOOK_BYTES >> 20} MB", 0
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    except FileExistsError:
        return "a second member of the same name", 0
    with open(fd, "wb") as fh:
        fh.write(data)
    return "", len(data)


# --------------------------------------------------------------------------- naming


def lms_student(path: Path) -> str | None:
    """The student that nbgrader's layout or an LMS gives ``path``, if any.

    Only what the LMS wrote decides, outermost first: nbgrader's
    ``submitted/<student>/<assignment>/`` or Moodle's ``<Full Name>_<id>_assignsubmission_file_``
    folder, then the prefix Canvas or Blackboard writes before the file's own name.  A
    student names everything inside their upload (files, subfolders), so nothing there
    can move it to another student: a file named ``Alice_1234_x.ipynb`` (a Canvas name)
    or a folder named like another student's Moodle folder, inside Mallory's Moodle
    folder, is still Mallory's.
    """
    parts = path.parts
    for k, part in enumerate(parts[:-1]):  # the folders, outermost first
        if part == SUBMITTED and k + 3 < len(parts):  # submitted/<student>/<assignment>/<file>
            return parts[k + 1]
        match = LMS_PATTERNS["moodle"].match(part)
        if match:
            return match["student"]
    return _file_student(path.name)


def _file_student(name: str) -> str | None:
    """The student of a Canvas or Blackboard file name: of the two patterns, the one whose
    LMS-written prefix ends first (the student's own file name follows that prefix, so a
    match that reaches into it, as ``HW3_jlee_attempt_<date>_smith_1234_5678_x.ipynb``'s
    Canvas reading would, is not the LMS's)."""
    found = []
    for kind in ("canvas", "blackboard"):
        match = LMS_PATTERNS[kind].match(name)
        if match:
            found.append((match.start("rest") if match["rest"] else len(name), match["student"]))
    return min(found)[1] if found else None


def name_rows(rows: list[Submission]) -> list[Submission]:
    """Name the rows without a student: nbgrader or LMS names where the path carries
    one, else the stem; stems shared by several files are told apart by the nearest
    folders that differ (``a/x.ipynb``, ``b/x.ipynb``: ``a`` and ``b``)."""
    names = [r.student or (lms_student(Path(r.where)) if r.where else None) for r in rows]
    groups: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        if names[i] is None:
            groups.setdefault(Path(r.where).stem.casefold(), []).append(i)
    for members in groups.values():
        told = _told_apart([Path(rows[i].where) for i in members])
        for i, name in zip(members, told):
            names[i] = name
    return [replace(r, student=printable(n)) for r, n in zip(rows, names)]


#: Characters shown as escapes wherever text a student chose is printed or written:
#: C0 and C1 controls (a terminal runs ESC sequences: cursor moves, erased lines), DEL,
#: the line and paragraph separators, and the bidirectional formatting characters
#: (U+202E shows the text after it reversed).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def shown(text: str, keep: str = "") -> str:
    """``text`` safe to print, write to markdown or put in HTML: bytes that are not UTF-8
    (a Latin-1 file name on Linux reaches Python as lone surrogates, which no UTF-8 file
    or terminal takes) become U+FFFD, and every character of :data:`_UNSAFE` but those
    in ``keep`` (a body of text keeps ``"\\n\\t"``) becomes a visible escape, ``\\x1b``
    or ``\\u202e``: shown, never run by a terminal or a browser."""
    try:
        data = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate no file name makes (read from JSON, say)
        data = text.encode("utf-8", "surrogatepass")
    text = data.decode("utf-8", "replace")
    return _UNSAFE.sub(lambda m: m[0] if m[0] in keep else _escape(m[0]), text)


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(name: str) -> str:
    """A name (a file's, a folder's, a student's) as one line of text: :func:`shown`
    with nothing kept, so that it never moves the cursor, starts a line, or reverses."""
    return shown(os.fsdecode(name) if isinstance(name, bytes) else name)


def _told_apart(paths: list[Path]) -> list[str]:
    """Names for files sharing a stem: the stem alone, or the nearest folder level
    whose names differ, or the folders below their common one."""
    if len(paths) == 1:
        return [paths[0].stem]
    parents = [p.parent.parts for p in paths]
    for k in range(1, min(len(x) for x in parents) + 1):
        level = [x[-k] for x in parents]
        if len({n.casefold() for n in level}) == len(level):
            return level
    common = os.path.commonpath([str(p.parent) for p in paths])
    return [
        str(p.parent.relative_to(common)) if p.parent != Path(common) else p.name for p in paths
    ]


def safe_folder(name: str) -> str:
    """``name`` as one folder name: letters (any script), digits, ``.``, ``-`` and ``_``
    kept, anything else ``_``; no leading dot, none of :data:`RESERVED`, at most 100
    characters and :data:`MAX_FOLDER_BYTES` bytes (a disk's limit is in bytes: 90 Korean
    letters are 270, past the 255 of a name, and ``-2`` may follow)."""
    name = unicodedata.normalize("NFC", name)
    text = re.sub(r"[^\w.\-]", "_", name, flags=re.UNICODE)[:100]
    while len(text.encode("utf-8", "surrogatepass")) > MAX_FOLDER_BYTES:  # 67 Korean letters
        text = text[:-1]
    if not text.strip("._") or text.startswith(".") or text.casefold() in RESERVED:
        text = "_" + text
    return text


def assign_folders(rows: list[Submission]) -> list[Submission]:
    """Each row's folder under ``--out``: its student's safe name, and for names that
    clash (also by case, for case-insensitive disks) ``name-2``, ``name-3``...  in
    the order of their origins, so that the same class gets the same folders again."""
    wanted = [safe_folder(r.student) for r in rows]
    taken = {w.casefold() for w in wanted}
    order = sorted(range(len(rows)), key=lambda i: (wanted[i].casefold(), rows[i].origin))
    given: dict[int, str] = {}
    first_seen: set[str] = set()
    for i in order:
        base = wanted[i]
        if base.casefold() not in first_seen:
            first_seen.add(base.casefold())
            given[i] = base
            continue
        n = 2
        while f"{base}-{n}".casefold() in taken:
            n += 1
        given[i] = f"{base}-{n}"
        taken.add(given[i].casefold())
    return [replace(r, folder=given[i]) for i, r in enumerate(rows)]

"""Grade on arrival: a long-running grader that watches where submissions land.

``python -m autograder watch --out DIR`` keeps TensorFlow loaded in its fork server
(:mod:`autograder.pool`) and polls, every ``--poll`` seconds (0.5), one of:

* **nbgrader's exchange** (the default): ``<exchange>/<course_id>/inbound/``, where
  ``nbgrader submit`` copies each submission as a folder
  ``<student>+<assignment>+<timestamp>+<random>``.  The exchange root and the course id
  come from the course's ``nbgrader_config.py`` (``c.Exchange.root``,
  ``c.CourseDirectory.course_id``), or ``--exchange DIR`` / ``--course-id ID``.  Each
  submission's feedback is written where ``nbgrader fetch_feedback`` looks for it:
  ``<exchange>/<course_id>/feedback/<notebook_hash(secret, notebook_id)>.html``, the
  secret being the ``submission_secret.txt`` that ``nbgrader submit`` wrote (as
  ``nbgrader release_feedback`` does, atomically).
* **a plain inbox** (``--inbox DIR``): each ``*.ipynb`` file or folder in it, named as
  ``grade`` names it (an LMS name, else the file's stem or the folder's name).

A submission has landed when it stops changing between two looks (and, in the exchange,
once ``nbgrader submit`` has written its ``timestamp.txt`` and ``submission_secret.txt``,
which it writes last).  Each landed submission is graded as ``grade`` grades it
(:func:`autograder.batch.grade_batch`: the same workers, confined the same way, the same
limits), into a scratch folder under ``DIR/.watch/``; its ``results.json`` and feedback
then go to ``DIR/<student>/`` (``DIR/<assignment>/<student>/`` when several assignments
are watched), ``grades.csv`` and the class report are rewritten, and the student's
feedback is delivered.  A resubmission is graded again, and the latest (by nbgrader's
timestamp; in an inbox, the last to land) is the one kept in ``DIR``; every submission
of the exchange gets its own feedback file, as nbgrader gives each.

What was graded is recorded in ``DIR/.watch/ledger.json`` (each entry's name and a hash
of its content, written atomically after its files): a watcher stopped, killed or
restarted grades on start what landed meanwhile, and nothing twice.  One line per
submission goes to the console and to ``DIR/grader.log``.  A stale answer key stops the
watcher before it starts (exit 2, one line), and a key that changes while it runs
(``release`` ran) stops it too, with one line in its log, rather than grading against
answers it no longer matches.  SIGTERM (or Ctrl-C) ends the grading in progress (it is
graded again at the next start), every worker, the fork server and everything else the
watcher started, and exits 0.

Everything a student names (the student part of an inbound folder, file and folder
names) is text to show: printed escaped (:func:`autograder.submissions.printable`),
folders made safe (:func:`autograder.submissions.safe_folder`), links never followed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import signal
import stat
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import course, files
from .submissions import printable

LOG = logging.getLogger("autograder.watch")

#: Seconds between two looks at the watched folder.
POLL_SECONDS = 0.5
#: Seconds a new exchange submission must stay unchanged: nbgrader's markers already say
#: the copy is whole (the secret is written last), so a second look soon after suffices.
EXCHANGE_SETTLE = 0.05
#: The watcher's own folder under ``--out``: a dot name, which no student folder takes.
STATE = ".watch"
LEDGER = "ledger.json"
#: What ``nbgrader submit`` writes after the notebooks, the secret last.
MARKERS = ("timestamp.txt", "submission_secret.txt")
#: Files looked at per submission folder (a folder of a million files is not walked on).
MAX_FILES = 2000
#: A secret longer than this is not nbgrader's (``secrets.token_hex(64)``: 128 characters).
MAX_SECRET = 1024
#: nbgrader's default exchange root (``c.Exchange.root``).
NBGRADER_EXCHANGE = "/usr/local/share/nbgrader/exchange"
#: Exit statuses, as ``grade``'s.
EXIT_OK, EXIT_USAGE = 0, 2


class WatchError(Exception):
    """The watcher cannot start: one line for the command line (exit 2)."""


class KeyChanged(Exception):
    """An answer key went stale or was rebuilt while the watcher ran: it stops (exit 2)."""


# --------------------------------------------------------------------------- arrivals


@dataclass
class Arrival:
    """One landed submission: what to grade, whose it is, where its feedback goes."""

    #: Its name in the watched folder (the ledger's key).
    name: str
    path: Path
    #: The hash of its content (:func:`content_digest`).
    digest: str
    assignment: str | None
    #: Who handed it in, printable.
    student: str
    #: Whose row it is in ``--out`` (the exchange's student; an inbox's entry name).
    owner: str
    notebook: Path | None = None
    #: Why it cannot be graded (it is then graded as nothing: 0, and this reason).
    problem: str = ""
    #: The notebook graded must be the assignment's; a note where it was chosen.
    note: str = ""
    #: nbgrader's submission secret (the exchange only).
    secret: str | None = None
    #: What orders a student's submissions (nbgrader's timestamp, ISO, UTC), "" unknown.
    order: str = ""
    #: Why it is not graded at all (not an assignment of the course...): logged once.
    skip: str = ""
    #: Its :func:`signature` when it was found landed.
    sig: tuple = ()


def signature(path: Path) -> tuple | None:
    """What changes while a submission is being written: each file's relative name, size
    and modification time (links not followed, at most :data:`MAX_FILES`); None when the
    entry is gone; ``("link",)`` for a link or anything but a file or folder."""
    try:
        info = os.lstat(path)
    except OSError:
        return None
    if stat.S_ISREG(info.st_mode):
        return ((".", info.st_size, info.st_mtime_ns),)
    if not stat.S_ISDIR(info.st_mode):
        return ("link",)
    seen: list[tuple] = []
    for here, dirs, names in os.walk(path, followlinks=False):
        dirs.sort()
        for name in sorted(names + [d for d in dirs if os.path.islink(os.path.join(here, d))]):
            full = os.path.join(here, name)
            try:
                entry = os.lstat(full)
            except OSError:
                continue
            rel = os.path.relpath(full, path)
            seen.append((rel, stat.S_IFMT(entry.st_mode), entry.st_size, entry.st_mtime_ns))
            if len(seen) >= MAX_FILES:
                return tuple(seen)
    return tuple(seen)


def _read_small(path: Path, limit: int) -> bytes | None:
    """A regular file's bytes (never through a link), None past ``limit`` or unreadable."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    with open(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            return None
        data = fh.read(limit + 1)
    return data if len(data) <= limit else None


def content_digest(path: Path) -> str:
    """A hash of what a submission holds: its notebooks' and nbgrader's markers' names and
    bytes (read through no link), so a resubmission under the same name is new, and the
    same bytes met again after a restart are not."""
    from .submissions import MAX_NOTEBOOK_BYTES, walk_notebooks

    digest = hashlib.sha256()
    if path.is_dir() and not path.is_symlink():
        notebooks, _others = walk_notebooks(path)
        wanted = [*notebooks[:MAX_FILES], *(path / m for m in MARKERS)]
    else:
        wanted = [path]
    for item in wanted:
        data = _read_small(item, MAX_NOTEBOOK_BYTES)
        digest.update(os.fsencode(str(item.relative_to(path)) if item != path else "."))
        digest.update(b"\0" + (hashlib.sha256(data).digest() if data is not None else b"-"))
    return digest.hexdigest()


# --------------------------------------------------------------------------- sources


class Source:
    """Where submissions land: the entries to look at, how one is described once landed,
    and where its feedback goes besides ``--out``."""

    #: Seconds an entry must stay unchanged to count as landed.
    settle = POLL_SECONDS
    label = "inbox"

    def entries(self) -> list[str]:
        raise NotImplementedError

    def path(self, name: str) -> Path:
        raise NotImplementedError

    def ready(self, name: str) -> bool:
        return True

    def describe(self, name: str, digest: str) -> Arrival:
        raise NotImplementedError

    def deliver(self, arrival: Arrival, html: str) -> str | None:
        """Put the feedback where the student looks (besides ``--out``); its path."""
        return None


def _listing(folder: Path) -> list[str]:
    try:
        return sorted(n for n in os.listdir(folder) if not n.startswith("."))
    except OSError:
        return []


class ExchangeSource(Source):
    """nbgrader's exchange: ``<root>/<course_id>/inbound/`` and ``.../feedback/``."""

    label = "exchange"
    settle = EXCHANGE_SETTLE

    def __init__(self, root: Path, course_id: str, assignments: list[str]):
        self.root = Path(root)
        self.course_id = course_id
        self.inbound = self.root / course_id / "inbound"
        self.feedback = self.root / course_id / "feedback"
        self.assignments = assignments
        import nbgrader.utils  # noqa: F401 - now, not when the first submission lands

    def entries(self) -> list[str]:
        return _listing(self.inbound)

    def path(self, name: str) -> Path:
        return self.inbound / name

    def ready(self, name: str) -> bool:
        folder = self.path(name)
        try:
            found = [os.lstat(folder / m) for m in MARKERS]
        except OSError:
            return False
        return all(stat.S_ISREG(f.st_mode) for f in found) and found[-1].st_size > 0

    def describe(self, name: str, digest: str) -> Arrival:
        from .submissions import choose_notebook

        folder = self.path(name)
        parts = name.rsplit("+", 3)  # nbgrader collect's reading: a student may hold "+"
        arrival = Arrival(name, folder, digest, None, printable(parts[0]), parts[0])
        if len(parts) < 3 or not folder.is_dir() or folder.is_symlink():
            arrival.skip = "not a submission folder of nbgrader's (student+assignment+timestamp)"
            return arrival
        arrival.assignment = parts[1]
        if parts[1] not in self.assignments:
            arrival.skip = f"{printable(parts[1])} is not an assignment watched here"
            return arrival
        arrival.order = _utc(parts[2])
        secret = _read_small(folder / MARKERS[1], MAX_SECRET)
        arrival.secret = secret.decode("utf-8", "replace").strip() if secret else None
        with _assignment_selected(parts[1]):
            notebook, note = choose_notebook(folder)
        arrival.notebook = notebook
        arrival.problem = "" if notebook else note
        arrival.note = note if notebook else ""
        return arrival

    def deliver(self, arrival: Arrival, html: str) -> str | None:
        """``feedback/<notebook_hash(secret, notebook_id)>.html``, where ``nbgrader
        fetch_feedback`` looks for each top-level notebook of the student's copy."""
        notebook = arrival.notebook
        if not arrival.secret or notebook is None or notebook.parent != arrival.path:
            return None  # fetch_feedback looks for top-level notebooks only
        from nbgrader.utils import notebook_hash

        name = notebook_hash(secret=arrival.secret, notebook_id=notebook.stem) + ".html"
        if not self.feedback.is_dir():
            # nbgrader release_feedback's mode: students pass through, never list it
            self.feedback.mkdir(mode=0o711, parents=True, exist_ok=True)
            os.chmod(self.feedback, 0o711)
        files.write_file(self.feedback / name, html, clear=True)
        return str(self.feedback / name)


def _utc(timestamp: str) -> str:
    """nbgrader's timestamp as ISO UTC (what orders a student's submissions), "" if it
    does not parse (the folder name is the student's to write)."""
    try:
        from nbgrader.utils import parse_utc

        return parse_utc(timestamp).isoformat()
    except Exception:  # noqa: BLE001 - any text a student put there
        return ""


class InboxSource(Source):
    """A plain folder: each ``*.ipynb`` file or folder in it is one submission."""

    def __init__(self, folder: Path, assignments: list[str], root: Path):
        self.folder = Path(folder)
        self.assignments = assignments
        self.course_root = root

    def entries(self) -> list[str]:
        return [
            n
            for n in _listing(self.folder)
            if n.lower().endswith(".ipynb") or (self.folder / n).is_dir()
        ]

    def path(self, name: str) -> Path:
        return self.folder / name

    def describe(self, name: str, digest: str) -> Arrival:
        from .submissions import choose_notebook, lms_student

        path = self.path(name)
        is_folder = path.is_dir() and not path.is_symlink()
        student = lms_student(Path(name) / "x.ipynb" if is_folder else Path(name))
        student = student or (name if is_folder else Path(name).stem)
        arrival = Arrival(name, path, digest, None, printable(student), name)
        try:
            arrival.assignment = self._assignment(path)
        except course.CourseError as exc:
            arrival.skip = str(exc)
            return arrival
        if is_folder:
            with _assignment_selected(arrival.assignment):
                notebook, note = choose_notebook(path)
            arrival.notebook, arrival.problem = notebook, "" if notebook else note
            arrival.note = note if notebook else ""
        else:
            arrival.notebook = path  # a link is refused by the grading, with a reason
        return arrival

    def _assignment(self, path: Path) -> str:
        if len(self.assignments) == 1:
            return self.assignments[0]
        from . import infer

        groups = infer.for_paths([path], self.course_root)
        found = [a for a in groups if a in self.assignments]
        if len(found) != 1:
            raise course.CourseError(f"it is of {', '.join(groups)}, not an assignment watched")
        return found[0]


class _assignment_selected:
    """The assignment current within a ``with`` (naming depends on it), then the previous."""

    def __init__(self, name: str | None):
        self.name = name

    def __enter__(self):
        self.saved = os.environ.get(course.ASSIGNMENT_ENV)
        if self.name:
            course.select(self.name)

    def __exit__(self, *exc):
        if self.saved and self.saved != self.name:
            course.select(self.saved)


# --------------------------------------------------------------------------- the ledger


@dataclass
class Ledger:
    """What was graded (entry name -> digest, outcome) and whose folder is whose, kept in
    ``DIR/.watch/ledger.json``, rewritten atomically after each submission's files."""

    path: Path
    entries: dict[str, dict] = field(default_factory=dict)
    #: assignment -> owner -> {"folder", "entry", "order"}: the submission ``--out`` holds.
    owners: dict[str, dict[str, dict]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> Ledger:
        """The ledger at ``path``; an unreadable one is started afresh (and said)."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(path, dict(data["entries"]), dict(data["owners"]))
        except FileNotFoundError:
            return cls(path)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            LOG.warning(
                "the ledger %s could not be read (%s): everything is graded again", path, exc
            )
            return cls(path)

    def done(self, name: str, digest: str) -> bool:
        return self.entries.get(name, {}).get("digest") == digest

    def folder_for(self, assignment: str, owner: str, student: str) -> str:
        """The owner's folder under the assignment's results: kept once given, unique
        (also by case) among the assignment's owners."""
        from .submissions import safe_folder

        mine = self.owners.setdefault(assignment, {})
        if owner in mine:
            return mine[owner]["folder"]
        taken = {v["folder"].casefold() for v in mine.values()}
        base = folder = safe_folder(student)
        n = 2
        while folder.casefold() in taken:
            folder = f"{base}-{n}"
            n += 1
        mine[owner] = {"folder": folder, "entry": "", "order": ""}
        return folder

    def save(self) -> None:
        data = {"version": 1, "entries": self.entries, "owners": self.owners}
        files.write_file(self.path, json.dumps(data, indent=1, sort_keys=True) + "\n", clear=True)


# --------------------------------------------------------------------------- the watcher


@dataclass
class Watcher:
    """Polls a :class:`Source`, grades what lands, writes and delivers its feedback."""

    source: Source
    out: Path
    assignments: list[str]
    limits: object
    jobs: int | None = None
    lang: str | None = None
    unconfined_ok: bool = False
    poll: float = POLL_SECONDS
    stopping: threading.Event = field(default_factory=threading.Event)
    #: Each assignment's answer key as loaded at start (its bytes' SHA-256).
    keys: dict[str, str] = field(default_factory=dict)
    #: Each assignment's fresh draw for its next batch, drawn while the watcher waits.
    draws: dict = field(default_factory=dict)
    #: Each entry's signature at the last look, and at its last grading (or skip).
    seen: dict[str, tuple] = field(default_factory=dict)
    handled: dict[str, tuple] = field(default_factory=dict)

    def __post_init__(self):
        self.state = self.out / STATE
        self.ledger = Ledger.load(self.state / LEDGER)

    # -- start and stop

    def check_keys(self) -> None:
        """Load each watched assignment's key (stale or tampered: :class:`WatchError`),
        which also builds its checks' probes now rather than at the first submission."""
        from . import key

        for name in self.assignments:
            course.select(name)
            try:
                key.load()
            except (key.StaleKey, key.TamperedKey) as exc:
                raise WatchError(str(exc)) from None
            self.keys[name] = _file_digest(course.current().key_path)

    def key_still_current(self, name: str) -> None:
        """Raise :class:`KeyChanged` unless ``name``'s key is the one loaded at start and
        still fits the kit (this process holds the checks it was built for)."""
        from . import key

        course.select(name)
        try:
            key.load()
        except (key.StaleKey, key.TamperedKey) as exc:
            raise KeyChanged(f"{name}: {exc}; stopped grading") from None
        if _file_digest(course.current().key_path) != self.keys[name]:
            raise KeyChanged(
                f"{name}: the answer key changed while the watcher ran (release ran?): "
                "stopped grading; start the watcher again to grade with the new key"
            )

    def draw_ahead(self, name: str) -> None:
        """Make the next batch's fresh draw of ``name`` now, between batches (its reference
        answers computed by a worker before a submission lands): known to no one before
        it is used, as a batch's own draw, and used by one batch only.  Computed to the
        end here: its thread reads the current assignment, which the next batch may change.
        One that fails is dropped (the batch then draws its own)."""
        from . import key
        from .checks import registry
        from .fresh import SharedDraw
        from .notebook import read_notebook, reference_sources

        course.select(name)
        source = read_notebook(course.current().master)
        try:
            the_key = key.load(source=source)
        except (key.StaleKey, key.TamperedKey) as exc:  # went stale since the last look
            raise KeyChanged(f"{name}: {exc}; stopped grading") from None
        draw = SharedDraw(
            registry().checks, the_key, source, reference_sources(), self.limits.submission_seconds
        )
        try:
            draw.future().result()
        except Exception as exc:  # noqa: BLE001 - stopped, or the reference failed
            draw.close()
            if not self.stopping.is_set():
                LOG.warning("%s: no draw made ahead (%s): the next batch makes its own", name, exc)
            return
        self.draws[name] = draw

    def stop(self, *_signal) -> None:
        """Stop soon (a signal handler): the grading in progress ends now, its workers
        killed from a thread of its own (never inside a lock the handler interrupted)."""
        if not self.stopping.is_set():
            self.stopping.set()
            from .pool import stop_all

            threading.Thread(target=stop_all, name="watch-stop", daemon=True).start()

    def run(self) -> int:
        """Poll and grade until stopped; the exit status (0, or 2 when a key changed)."""
        from .pool import shut_down

        self.state.mkdir(parents=True, exist_ok=True)
        code = EXIT_OK
        try:
            for name in self.assignments:
                self.draw_ahead(name)
            while not self.stopping.is_set():
                arrivals, pending = self.look()
                if arrivals:
                    self.grade(arrivals)
                    continue
                self.stopping.wait(self.source.settle if pending else self.poll)
        except KeyChanged as exc:
            LOG.error("%s", exc)
            code = EXIT_USAGE
        finally:
            shut_down()
            for draw in self.draws.values():
                draw.close()
            shutil.rmtree(self.state / "scratch", ignore_errors=True)
        LOG.info("watch stopped" + (" (answer key changed)" if code else ""))
        return code

    # -- looking

    def look(self) -> tuple[list[Arrival], bool]:
        """The entries that landed since the last look and are not graded yet, and
        whether some are still changing (the next look comes sooner)."""
        arrivals, pending = [], False
        now: dict[str, tuple] = {}
        for name in self.source.entries():
            sig = signature(self.source.path(name))
            if sig is None:
                continue
            now[name] = sig
            if self.handled.get(name) == sig:
                continue
            if self.seen.get(name) != sig:  # new or still changing: look again soon
                pending = True
                continue
            if sig == ("link",):
                self._skip(name, "", "a link, not a file or folder: not followed")
                continue
            if not self.source.ready(name):  # unchanged, but nbgrader has not finished
                continue
            digest = content_digest(self.source.path(name))
            if self.ledger.done(name, digest):
                self.handled[name] = sig
                continue
            arrival = self.source.describe(name, digest)
            if arrival.skip:
                self._skip(name, digest, arrival.skip)
                continue
            arrival.sig = sig
            arrivals.append(arrival)
        self.seen = now
        return arrivals, pending

    def _skip(self, name: str, digest: str, why: str) -> None:
        LOG.info("skipped %s: %s", printable(name), why)
        self.handled[name] = self.seen.get(name, ())
        self.ledger.entries[name] = {"digest": digest, "skipped": why}
        self.ledger.save()

    # -- grading

    def results_dir(self, assignment: str) -> Path:
        """Where an assignment's results go: ``--out``, or ``--out/<assignment>`` when
        several assignments are watched (as ``grade`` does with a class of several)."""
        return self.out / assignment if len(self.assignments) > 1 else self.out

    def grade(self, arrivals: list[Arrival]) -> None:
        """Grade landed submissions, an assignment at a time, as ``grade`` would."""
        by_assignment: dict[str, list[Arrival]] = {}
        for arrival in arrivals:
            by_assignment.setdefault(arrival.assignment or "", []).append(arrival)
        for name, group in by_assignment.items():
            if self.stopping.is_set():
                return
            self.key_still_current(name)
            self._grade_group(name, group)
        for name in by_assignment:  # once every feedback of this look is delivered
            if not self.stopping.is_set():
                self.draw_ahead(name)

    def _grade_group(self, name: str, group: list[Arrival]) -> None:
        from .batch import grade_batch
        from .submissions import Submission

        rows = [
            Submission(a.notebook, a.student, f"{self.source.label}:{a.name}", a.problem, f"s{i}")
            for i, a in enumerate(group)
        ]
        scratch = Path(tempfile.mkdtemp(prefix="batch-", dir=self._scratch_root()))
        started = time.monotonic()
        try:
            outcome = grade_batch(
                rows,
                scratch,
                self.limits,
                self.jobs,
                progress=False,
                lang=self.lang,
                unconfined_ok=self.unconfined_ok,
                draw=self.draws.pop(name, None),
            )
            if self.stopping.is_set():  # stopped part way: graded again at the next start
                return
            took = time.monotonic() - started
            for arrival, row, report in zip(group, rows, outcome.reports):
                crashed = row.origin in outcome.crashed
                self._place(name, arrival, scratch / row.folder, report, took, crashed)
            self._write_class(name)
            self.ledger.save()  # last: an entry there means its files are all written
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def _scratch_root(self) -> Path:
        root = self.state / "scratch"
        root.mkdir(parents=True, exist_ok=True)
        return root

    def _place(self, name, arrival: Arrival, graded: Path, report, took: float, crashed: bool):
        """One graded submission's files into ``--out`` (when it is its owner's latest),
        its feedback to the student, then the ledger; one line in the log."""
        results = self.results_dir(name)
        folder = self.ledger.folder_for(name, arrival.owner, arrival.student)
        owner = self.ledger.owners[name][arrival.owner]
        latest = arrival.order >= owner["order"] or not owner["entry"]
        self.handled[arrival.name] = arrival.sig  # not again in this run, whatever happens
        try:
            html = (graded / "feedback.html").read_text(encoding="utf-8")
            if latest:
                for item in ("results.json", "feedback.md", "feedback.html"):
                    text = (graded / item).read_text(encoding="utf-8")
                    files.write_file(results / folder / item, text, clear=True)
                owner.update(entry=arrival.name, order=arrival.order)
            delivered = self.source.deliver(arrival, html)
        except OSError as exc:
            crashed = True
            LOG.error("the files of %s were not written: %s", printable(arrival.name), exc)
            delivered = None
        if crashed:  # not in the ledger: graded again at the next start
            LOG.error(
                "%s was not graded whole: it is graded again at the next start",
                printable(arrival.name),
            )
        else:
            self.ledger.entries[arrival.name] = {
                "digest": arrival.digest,
                "assignment": name,
                "student": arrival.student,
                "folder": folder,
                "score": report.score,
                "max_score": report.max_score,
                "graded": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            }
        kept = "" if latest else " (an older submission than the one kept: results not replaced)"
        where = f"; feedback: {delivered}" if delivered else ""
        LOG.info(
            "graded %s (%s, student %s): %g of %g in %.1f s -> %s%s%s",
            printable(arrival.name),
            name,
            arrival.student,
            report.score,
            report.max_score,
            took,
            results / folder,
            where,
            kept,
        )

    def _write_class(self, name: str) -> None:
        """grades.csv and the class report of an assignment's results: every student's
        kept submission, not only this batch's."""
        from .feedback import load_results, report_after_batch
        from .judge import Report
        from .results import write_grades_csv

        results = self.results_dir(name)
        found = load_results(results)
        reports, folders = [], []
        for folder, data in found.items():
            try:
                reports.append(Report.from_dict(data["report"]))
            except (KeyError, TypeError, ValueError):
                continue
            folders.append(folder)
        write_grades_csv(results, reports, folders)
        report_after_batch(results, self.lang)


def _file_digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


# --------------------------------------------------------------------------- set-up


def exchange_settings(root: Path) -> tuple[str | None, str | None]:
    """``c.Exchange.root`` and ``c.CourseDirectory.course_id`` of the course's
    ``nbgrader_config.py`` (None where it sets none)."""
    from traitlets.config.loader import PyFileConfigLoader

    try:
        config = PyFileConfigLoader(course.MARKER, path=str(root)).load_config()
    except Exception as exc:  # noqa: BLE001 - the instructor's file: say why in one line
        raise WatchError(f"cannot read {root / course.MARKER}: {exc}") from None
    exchange = config.Exchange.get("root") if "Exchange" in config else None
    course_id = config.CourseDirectory.get("course_id") if "CourseDirectory" in config else None
    return exchange, course_id


def make_source(args, root: Path, assignments: list[str]) -> Source:
    """The :class:`Source` the options name: ``--inbox DIR``, else nbgrader's exchange."""
    if args.inbox:
        inbox = Path(args.inbox)
        if not inbox.is_dir():
            raise WatchError(f"--inbox {inbox}: no such folder")
        return InboxSource(inbox, assignments, root)
    configured_root, configured_id = (None, None)
    if not (args.exchange and args.course_id):
        configured_root, configured_id = exchange_settings(root)
    exchange = Path(args.exchange or configured_root or NBGRADER_EXCHANGE)
    course_id = args.course_id or configured_id
    if not course_id:
        raise WatchError(
            f"no course id: {root / course.MARKER} sets no c.CourseDirectory.course_id "
            "(give --course-id ID)"
        )
    source = ExchangeSource(exchange, course_id, assignments)
    if not source.inbound.is_dir():
        raise WatchError(
            f"no nbgrader exchange inbound folder at {source.inbound} (give --exchange DIR "
            "and --course-id ID, or run nbgrader release_assignment first), or use --inbox DIR"
        )
    return source


def watched_assignments(args, root: Path) -> list[str]:
    names = course.assignment_names(root)
    if not names:
        raise WatchError(f"the course {root} has no assignment under source/")
    if args.assignment:
        if args.assignment not in names:
            raise WatchError(f"no assignment {args.assignment!r} in {root / 'source'}")
        return [args.assignment]
    return names


def start(args, limits) -> Watcher:
    """The watcher the command line asks for, checked before anything is graded: the
    course, the key of each assignment, the folder to watch, confinement, ``--out``."""
    root = course._checked_course(Path(args.course)) if args.course else course.find_course()
    os.environ[course.COURSE_ENV] = str(root)
    assignments = watched_assignments(args, root)
    source = make_source(args, root, assignments)
    watcher = Watcher(
        source,
        Path(args.out),
        assignments,
        limits,
        jobs=args.jobs,
        lang=args.lang,
        unconfined_ok=args.unconfined_ok,
        poll=args.poll,
    )
    watcher.check_keys()
    from .batch import confined

    try:
        confined([], limits, {}, 1, args.unconfined_ok)
    except SystemExit as exc:
        raise WatchError(str(exc)) from None
    return watcher


def serve(watcher: Watcher) -> int:
    """Warm the fork server, then watch until SIGTERM or Ctrl-C."""
    from .pool import warm_up

    signal.signal(signal.SIGTERM, watcher.stop)
    signal.signal(signal.SIGINT, watcher.stop)
    # One line per submission: the watcher's own (the batch's would repeat it; its errors
    # and tracebacks still reach the log).
    logging.getLogger("autograder.batch").setLevel(logging.WARNING)
    warm_up()
    LOG.info(
        "watching %s for %s (results in %s)",
        _where(watcher.source),
        ", ".join(watcher.assignments),
        watcher.out,
    )
    return watcher.run()


def _where(source: Source) -> str:
    if isinstance(source, ExchangeSource):
        return f"{source.inbound} (feedback to {source.feedback})"
    return str(getattr(source, "folder", ""))


__all__ = ["Watcher", "ExchangeSource", "InboxSource", "Ledger", "start", "serve"]

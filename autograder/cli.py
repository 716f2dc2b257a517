"""The command line: ``python -m autograder COMMAND`` (``--help`` lists them).

Each command imports the modules it needs when it runs, so that no command (and
not ``--help``) pays for the imports of another.
"""

from __future__ import annotations

import argparse
import inspect
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

from . import course

DESCRIPTION = """\
Grade a course's notebook assignments (nbgrader's layout: source/<assignment>/...).
Run it from the course folder (the one with nbgrader_config.py) or give --course DIR;
--assignment NAME names the assignment when the course has more than one.
Each command's --help says more."""


def _limits(args):
    from .pool import Limits

    return Limits(
        check_seconds=args.check_timeout,
        submission_seconds=args.submission_timeout,
        memory_mb=args.memory_mb,
        output_bytes=args.output_bytes,
    )


#: ``grade``'s exit statuses (its --help and README say the same).
EXIT_GRADED, EXIT_MISSING, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
#: Where ``grade`` keeps its record (what was graded, tracebacks), under --out.
LOG_NAME = "grader.log"


def cmd_grade(args) -> int:
    """Grade notebooks, folders of them and LMS zips: DIR/grades.csv, DIR/<student>/results.json.

    SUBMISSION is a notebook, a folder or a .zip (README: "Class folders"):
      submitted/ or the course folder   nbgrader's submitted/<student>/<assignment>/*.ipynb:
                                        one row per student folder, named by it
      a folder                          every .ipynb below it (hidden folders and
                                        .ipynb_checkpoints skipped), named by its stem
      a .zip                            its .ipynb files, extracted safely
      LMS file names                    Canvas lastname_firstname[_LATE]_<id>_<id>_<file>,
                                        Moodle <Full Name>_<id>_assignsubmission_file_/,
                                        Blackboard <hw>_<user>_attempt_<date>_<file>:
                                        named by the student (the outermost LMS name
                                        wins; none inside an upload counts)
    Notebooks sharing a name are told apart by their folders. Every submission gets a
    row in DIR/grades.csv (student, submission, score, max_score, a column per check)
    and DIR/<student>/results.json (Gradescope's schema) with feedback.md and
    feedback.html, whatever is wrong with it; submissions that resolve to one student are
    all kept, flagged in the flag column and by a warning. DIR/grader.log records each
    grading. Names are printed and written with control characters escaped.

    Exit status:
      0  every submission was graded
      1  some paths given were missing or unreadable, or a zip member was refused or not
         extracted whole (named on stderr; the rest graded)
      2  usage error: bad options, a DIR that cannot be written, nothing to grade
      3  internal error of the grader (one line on stderr, the traceback in DIR/grader.log)

    Student code runs in a view of its own (README: the trust section): it sees Python and its
    own /tmp, not the kit, the answer key, the other submissions or DIR, has no network
    and no process of yours to reach. As root, each worker also gets a uid and a cgroup
    of its own. Where the machine offers no namespaces, grade refuses unless you pass
    --i-accept-unconfined-student-code. A stale answer key (checks, reference or setup cells
    changed since `python -m autograder release`) stops it with exit status 2 before
    anything is graded or written.
    """
    out = Path(args.out)
    judge_mb = _grade_options(args)
    if isinstance(judge_mb, str):
        return _usage(judge_mb)
    from . import key
    from .notebook import read_notebook, source_path
    from .pool import judge_memory, warm_up

    try:  # before --out is touched and before TensorFlow starts loading
        key.load(source=read_notebook(source_path()))
    except (key.StaleKey, key.TamperedKey) as exc:
        return _usage(str(exc))
    refused = _refuse_out(out)
    if refused:
        return _usage(f"--out {out}: {refused}")
    args.log_path = _start_log(out)
    # TensorFlow takes seconds to load in the fork server, and this process has its
    # own imports and inputs to read meanwhile.
    warm_up()
    import logging

    from .submissions import find_submissions

    logging.getLogger("autograder").info(
        "the judge's memory limit: %s", f"{judge_mb} MB of data" if judge_mb else "none"
    )
    paths = [Path(p) for p in args.submissions]
    with judge_memory(judge_mb), find_submissions(paths, out) as found:
        return _grade_found(args, out, found)


def _grade_options(args) -> int | str:
    """``grade``'s options checked before anything is read or written: the judge's memory
    limit in MB (0: none), or why the command line is refused (one line)."""
    if args.jobs is not None and args.jobs < 1:
        return "--jobs must be at least 1"
    if not any(os.path.lexists(p) for p in args.submissions):  # a mistyped path: --out untouched
        return "nothing to grade: " + "; ".join(f"{p} does not exist" for p in args.submissions)
    if args.judge_memory_mb is not None and args.judge_memory_mb < 0:
        return "--judge-memory-mb must be 0 (no limit) or more"
    from .pool import judge_memory_mb

    try:
        return judge_memory_mb(args.judge_memory_mb)
    except ValueError as exc:
        return str(exc)


def _say(line: str, file=None) -> None:
    """Print one line on stderr (or ``file``), controls shown escaped: file names, zip
    members and folder names are the students', and a terminal would run their ESC codes."""
    from .submissions import printable

    print(printable(line), file=file or sys.stderr)


def _grade_found(args, out: Path, found) -> int:
    """Grade what :func:`cmd_grade` found (after saying what was missing, refused or
    noted); print the table; the exit status."""
    for line in found.missing:
        _say(f"error: {line}")
    for note in found.notes:
        _say(f"note: {note}")
    if not found.submissions:
        return _usage("nothing to grade: " + "; ".join(found.refused or ["no notebook found"]))
    for line in found.refused:
        _say(f"error: {line}")
    from .batch import grade_batch
    from .results import summary_table

    outcome = grade_batch(
        found.submissions,
        out,
        _limits(args),
        args.jobs,
        not args.quiet,
        resume=args.resume,
        lang=args.lang,
        unconfined_ok=args.unconfined_ok,
    )
    for line in summary_table(outcome.reports).splitlines():
        _say(line, sys.stdout)
    print(f"\nwrote {out / 'grades.csv'} and one results.json per submission", end="")
    print(f" ({outcome.resumed} read back from an earlier run)" if args.resume else "")
    _warn_duplicates(found.submissions)
    if outcome.crashed:
        _say(
            f"error: the grader failed on {len(outcome.crashed)} submission(s) "
            f"({', '.join(outcome.crashed[:3])}); the traceback is in {args.log_path}"
        )
        return EXIT_INTERNAL
    return EXIT_MISSING if found.missing or found.refused else EXIT_GRADED


def _warn_duplicates(rows) -> None:
    """A warning per student that several submissions resolve to: each was graded and
    kept (grades.csv, nbgrader_export.csv and the report flag them); a person decides."""
    from .results import student_key

    groups: dict[str, list] = {}
    for row in rows:
        groups.setdefault(student_key(row.student), []).append(row)
    for same in groups.values():
        if len(same) > 1:
            each = "; ".join(f"{r.origin} (folder {r.folder})" for r in same)
            _say(
                f"warning: {len(same)} submissions resolve to student {same[0].student}: "
                f"{each}: all graded and kept, flagged in grades.csv, nbgrader_export.csv and "
                "the report: decide which counts"
            )


def _usage(message: str) -> int:
    _say(f"error: {message}")
    return EXIT_USAGE


def _refuse_out(out: Path) -> str | None:
    """Why results cannot be written into ``out`` (created if missing), or None.

    Tried by writing, not by permission bits, which root ignores and which say
    nothing of a read-only mount: a batch must not grade for minutes and then fail.
    """
    from . import files

    try:
        out.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        return "is a file, not a folder"
    except NotADirectoryError:
        return "lies under a file, not a folder"
    except OSError as exc:
        return f"cannot be created ({exc.strerror or exc})"
    if not out.is_dir():
        return "is not a folder"
    probe = out / f".write-test-{os.getpid()}"
    try:
        files.write_file(probe, "")
        probe.unlink()
    except OSError as exc:
        return f"cannot be written ({exc.strerror or exc})"
    return None


def _start_log(out: Path, command: str = "grade") -> Path:
    """Send the batch's record (autograder.batch's log) to ``out/grader.log``."""
    path = out / LOG_NAME
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    handler = logging.StreamHandler(open(fd, "a", encoding="utf-8", errors="backslashreplace"))  # noqa: SIM115
    handler.setFormatter(_Shown("%(asctime)s %(levelname)s %(message)s"))
    logger = logging.getLogger("autograder")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.info("%s %s", command, " ".join(sys.argv[1:]))
    return path


class _Shown(logging.Formatter):
    """grader.log's lines with controls shown escaped: a message (it names origins) on one
    line, a traceback on its own lines; a file name cannot forge a line or run ESC codes."""

    def formatMessage(self, record) -> str:  # noqa: N802 - logging's name
        from .submissions import printable

        return printable(super().formatMessage(record))

    def formatException(self, ei) -> str:  # noqa: N802 - logging's name
        from .submissions import shown

        return shown(super().formatException(ei), keep="\n")


def cmd_watch(args) -> int:
    """Grade each submission as it lands: nbgrader's exchange, or a plain inbox folder.

    Keeps TensorFlow loaded and the workers' fork server warm, polls where submissions
    land (every --poll seconds) and grades each new one as `grade` would (the same
    confinement and limits), so that a student reads their feedback within seconds:
      nbgrader's exchange  (the default) <exchange>/<course_id>/inbound/, the exchange and
                           course id from the course's nbgrader_config.py (c.Exchange.root,
                           c.CourseDirectory.course_id) or --exchange/--course-id; feedback
                           goes where `nbgrader fetch_feedback` finds it
                           (<exchange>/<course_id>/feedback/<hash>.html)
      --inbox DIR          each *.ipynb file or folder in DIR, named as `grade` names it
    Results go to DIR/<student>/ (results.json, feedback.html, feedback.md), or
    DIR/<assignment>/<student>/ when several assignments are watched, with grades.csv and
    the class report; a resubmission is graded again and the latest kept. DIR/grader.log
    and the console get one line per submission. DIR/.watch/ledger.json records what was
    graded: stopped or killed and started again, it grades what landed meanwhile, and
    nothing twice.

    Exit status: 0 when stopped (SIGTERM or Ctrl-C: the grading in progress is dropped,
    to be done at the next start, and no process is left); 2 for a usage error, or an
    answer key that is stale at start or changes while it runs (`release` ran: start it
    again).
    """
    from . import watch

    out = Path(args.out)
    if args.poll <= 0 or (args.jobs is not None and args.jobs < 1):
        return _usage("--poll must be positive and --jobs at least 1")
    try:
        watcher = watch.start(args, _limits(args))
    except (watch.WatchError, course.CourseError) as exc:
        return _usage(str(exc))
    refused = _refuse_out(out)
    if refused:
        return _usage(f"--out {out}: {refused}")
    args.log_path = _start_log(out, "watch")
    console = logging.StreamHandler(sys.stdout)
    console.setFormatter(_Shown("%(asctime)s %(message)s", "%H:%M:%S"))
    logging.getLogger("autograder.watch").addHandler(console)
    return watch.serve(watcher)


def cmd_release(args) -> int:
    """Rebuild the answer key, the public checks and release/ (nbgrader generate_assignment).

    Rebuilds everything students and the grader get from the master notebook: the test
    cells' points, the answer key (from solutions/<assignment>/reference.py), the public checks
    package, release/ (with nbgrader generate_assignment) and the solved notebook.
    """
    from .key import StaleKey
    from .release import release
    from .translate import Untranslated

    started = time.monotonic()
    try:
        written = release(rebuild_key=not args.keep_key)
    except StaleKey as exc:  # only with --keep-key: the public checks would be built from it
        print(f"error: {exc} (without --keep-key)", file=sys.stderr)
        return 2
    except Untranslated as exc:  # before any file of an edition is written
        print(f"error: release refused: {exc}", file=sys.stderr)
        return 1
    for what, path in written.items():
        print(f"{what}: {course.current().relative(Path(path))}")
    print(f"done in {time.monotonic() - started:.1f} s")
    return 0


def cmd_demo(args) -> int:
    """Release into a folder, grade three example notebooks and print the table.

    Generates the release into DIR, then grades the solved notebook, the untouched
    release and a notebook with a typical mistake.
    """
    from .demo import run_demo
    from .key import StaleKey, TamperedKey

    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="autograder-demo-"))
    refused = _refuse_out(out)
    if refused:
        return _usage(f"--out {out}: {refused}")
    try:
        return run_demo(out, _limits(args))
    except (StaleKey, TamperedKey) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def cmd_check(args) -> int:
    """Run the public checks on one notebook, as a student sees them (like nbgrader validate).

    The checks run in a worker process and print expected against got, with hints. Exit
    status 0 when every public check passes, 1 when some fail, 2 when the file is not a
    notebook or the answer key is stale.
    """
    from .pool import warm_up

    warm_up()  # TensorFlow loads in the fork server while the rest is imported and read
    from . import key as answer_key
    from .checks import checks_for, registry
    from .i18n import speaking
    from .judge import grade_notebook
    from .notebook import read_notebook, reference_sources, source_path
    from .submissions import shown

    public = checks_for(public_only=True)
    try:
        the_key = answer_key.load()
    except (answer_key.StaleKey, answer_key.TamperedKey) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    path = Path(args.notebook)
    report = grade_notebook(
        path,
        the_key,
        read_notebook(source_path()),
        reference_sources(),
        _check_limits(path, _limits(args)),
        checks=public,
        fresh=False,  # the published probes, as the student's notebook asks them
    )
    say = speaking(args.lang or report.lang)
    if report.error:
        _say(f"{args.notebook}: {say.text(report.error)}", sys.stdout)
        return 2
    for note in report.notes:
        _say(
            f"note: {note}" if say.lang == "en" else say.t("note", note=say.text(note)),
            sys.stdout,
        )
    for function in registry().functions:
        results = [r for r in report.results if r.grade_id == function]
        for r in results:
            print(shown(say.verdict(r.name, r.passed, r.output), keep="\n\t"))
        passed = sum(r.passed for r in results)
        print(say.t("function_summary", function=function, passed=passed, total=len(results)))
        print()
    total = sum(r.passed for r in report.results)
    print(say.t("all_summary", passed=total, total=len(report.results)))
    return 0 if total == len(report.results) else 1


def _check_limits(path: Path, limits):
    """``check``'s limits: its workers in their view, as ``grade``'s are, where the machine
    offers namespaces (an instructor may check a student's notebook with it); elsewhere
    (macOS) it runs as it is, since a student checking their own notebook runs their own
    code, and says so in one line."""
    from . import ENGINE_ROOT, view
    from .batch import confined

    if view.available(str(ENGINE_ROOT)) is not None:
        print("note: this machine cannot confine student code: check only your own notebooks")
        return limits
    return confined([path], limits, {}, 1).get(path, limits)


def cmd_report(args) -> int:
    """Write an instructor report (HTML) of a graded folder.

    Reads DIR/*/results.json and writes DIR/report.html (grade histogram, pass rate of
    each check, most common failure messages) and DIR/nbgrader_export.csv.
    """
    from .feedback import write_report

    folder = Path(args.folder)
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        return _usage(f"{folder} {what}: give the --out folder of `grade`")
    try:
        path = write_report(folder, lang=args.lang)
    except FileNotFoundError as exc:
        return _usage(str(exc))
    print(f"wrote {path} and {path.parent / 'nbgrader_export.csv'}")
    return 0


def _merge_hand_grades(out: Path, source: Path) -> tuple[dict, list[str]]:
    """Read the hand grades in ``source`` (a gradebook.db or a CSV), merge them into the
    graded folder ``out`` and write its grades.csv, report and nbgrader_export.csv again;
    return every student's hand grades, and the students still without one.  (Here, not
    in :mod:`autograder.hand`, which the report's writers read: no import circle.)"""
    from .checks import registry
    from .feedback import load_results, who, write_report
    from .hand import HandGradeError, cells, from_csv, from_gradebook, merge
    from .judge import Report
    from .results import write_grades_csv

    if not cells():
        raise HandGradeError("this assignment has no cell graded by hand")
    results = load_results(Path(out))
    if not results:
        raise HandGradeError(f"no */results.json under {out}: grade some notebooks first")
    reports = []
    for stem, data in results.items():
        saved = data.get("report")
        if isinstance(saved, dict) and isinstance(saved.get("results"), list):
            report = Report.from_dict(saved)
            report.student = who(stem, data)
            reports.append(report)
    with Path(source).open("rb") as fh:
        sqlite = fh.read(16) == b"SQLite format 3\x00"
    if sqlite:
        new = from_gradebook(source, registry().assignment.name)
    else:
        new = from_csv(source)
    known = {r.who for r in reports}
    grades = merge(out, new, known)
    reports.sort(key=lambda r: r.who.casefold())
    write_grades_csv(Path(out), reports)
    write_report(Path(out))
    missing = sorted((s for s in known if s not in grades), key=str.casefold)
    return grades, missing


def cmd_hand_grades(args) -> int:
    """Merge the points graded by hand into DIR's grades.csv and nbgrader_export.csv.

    FROM is nbgrader's gradebook.db (the manual grades given in formgrader to the
    hand-graded cells) or a CSV: a `student` column (as grades.csv names each student)
    and one column per hand-graded cell, named by its grade_id, for example

        student,explain_width
        Ada Lovelace,2
        Bo Chen,1.5

    An empty cell is a grade not given yet.  Every value is checked before anything is
    written (a student DIR has no results for, points outside the cell's, a column that
    is no hand-graded cell: one line, exit status 2).  The grades are kept in
    DIR/hand_grades.json, merged over earlier ones; grades.csv (a column per hand-graded
    cell), the report and nbgrader_export.csv are written again, their scores and
    max_score counting the hand-graded points: the whole total, as nbgrader export has it.
    `grade` run into DIR later keeps them.
    """
    from .hand import HandGradeError

    folder, source = Path(args.folder), Path(args.source)
    for path, what in ((folder, "a folder"), (source, "a file")):
        if not (path.is_dir() if what == "a folder" else path.is_file()):
            state = "does not exist" if not path.exists() else f"is not {what}"
            return _usage(f"{path} {state}")
    try:
        grades, missing = _merge_hand_grades(folder, source)
    except HandGradeError as exc:
        return _usage(str(exc))
    from .hand import hand_max
    from .results import GRADES_CSV

    print(
        f"merged the hand grades of {len(grades)} student(s) from {source}: "
        f"{folder / GRADES_CSV} and {folder / 'nbgrader_export.csv'} count them "
        f"({hand_max():g} points graded by hand)"
    )
    if missing:
        shown = ", ".join(missing[:10]) + (" ..." if len(missing) > 10 else "")
        print(f"note: {len(missing)} student(s) have no hand grade yet: {shown}")
    return 0


def cmd_similar(args) -> int:
    """Rank pairs of students by the code of their own they share, function by function.

    DIR is grade's --out (each submission's own code is kept there, in
    <student>/student_code.json) or the class as grade takes it (a folder, submitted/, a
    .zip, notebooks). Writes similar.html (the ranked pairs, the class's baseline per
    function, the top pairs side by side with the shared passages marked) and
    similar.csv (every pair that shares anything) into --out (default: DIR, when it is
    a graded folder). Nothing is run: the notebooks are read and tokenized.

    It ranks, it does not judge: the standard answer most of a class writes counts for
    nothing, and a short function written the same way by two honest students can still
    look alike (README: "Similar code").

    Exit status: 0 written; 1 some paths given were missing (the rest compared);
    2 usage error (nothing to compare, an --out that cannot be written).
    """
    from .similar import COMMON_SHARE, write_reports

    if not 0 < args.common <= 1:
        return _usage(f"--common must be a share above 0 and at most 1 (default {COMMON_SHARE})")
    if args.top < 0:
        return _usage("--top must be at least 0")
    gathered = _similar_students(args)
    if isinstance(gathered, int):
        return gathered
    students, out, missing = gathered
    if len([s for s in students if not s.problem]) < 2:
        return _usage("fewer than two submissions with code to compare")
    refused = _refuse_out(out)
    if refused:
        return _usage(f"--out {out}: {refused}")
    html, table, result = write_reports(students, out, args.top, args.common)
    print(
        f"compared {len(result.compared)} submissions: {len(result.pairs)} pairs share code of "
        f"their own; wrote {html} and {table}"
    )
    return 1 if missing else 0


def _similar_students(args):
    """``similar``'s students, where to write, and the paths given that were missing; or
    an exit status once the reason is printed."""
    from .notebook import NotANotebook
    from .similar import CODE_FILE, class_students, graded_students, is_graded_folder
    from .submissions import find_submissions

    paths = [Path(p) for p in args.paths]
    if len(paths) == 1 and paths[0].is_dir() and is_graded_folder(paths[0]):
        students, without = graded_students(paths[0])
        if without and not students:
            return _usage(
                f"{paths[0]}: its results have no {CODE_FILE} (graded before `similar` "
                "existed): give the class folder instead, with --out"
            )
        for folder in without:
            print(f"note: {folder}: no {CODE_FILE}: not compared", file=sys.stderr)
        return students, Path(args.out) if args.out else paths[0], []
    if not args.out:
        return _usage("--out DIR is needed when comparing a class folder (not a graded one)")
    with find_submissions(paths, Path(args.out)) as found:
        for line in found.missing + found.refused:
            print(f"error: {line}", file=sys.stderr)
        try:
            students = class_students(found.submissions)
        except NotANotebook as exc:  # the master notebook itself
            return _usage(str(exc))
        return students, Path(args.out), found.missing + found.refused


def _similar_arguments(p: argparse.ArgumentParser) -> None:
    """The similar command's arguments."""
    p.add_argument("paths", nargs="+", metavar="DIR")
    p.add_argument("--out", metavar="DIR", help="where to write (default: DIR, if graded)")
    p.add_argument(
        "--top",
        type=int,
        default=50,
        metavar="N",
        help="pairs the page opens side by side (default 50; the CSV has every pair)",
    )
    p.add_argument(
        "--common",
        type=float,
        default=0.1,
        metavar="SHARE",
        help="a passage found in more than this share of the class counts for nothing "
        "(default 0.1; never fewer than 3 students)",
    )


def cmd_gradescope(args) -> int:
    """Build the Gradescope autograder zip.

    The zip holds setup.sh and run_autograder at its root, and the kit. Exit status 2,
    and no zip, when the answer key is stale (run `python -m autograder release`) or
    ZIP cannot be written there.
    """
    from .gradescope import Unwritable, build_zip
    from .key import StaleKey, TamperedKey

    try:
        path = build_zip(Path(args.out), args.hidden_visibility)
    except (StaleKey, TamperedKey) as exc:  # checked before the zip is written
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Unwritable as exc:  # a usage error, like grade's --out
        return _usage(f"--out {args.out}: {exc}")
    print(f"wrote {path}: upload it as the autograder of a Gradescope programming assignment")
    return 0


def cmd_gradescope_run(args) -> int:
    """What run_autograder calls inside Gradescope's container (not for people)."""
    from .gradescope import run

    return run(Path(args.root), args.hidden_visibility)


def cmd_judge_kernel(args) -> int:
    """The judge of one nbgrader test cell, outside the kernel (not for people)."""
    from .nbgrader_cell import judge_main

    return judge_main(args.grade_id, args.fd, args.lang)


#: The limits every grading command takes: flag, type, default, metavar, help.
LIMITS = (
    ("--check-timeout", float, 60.0, "S", "seconds one check may take before its worker is killed"),
    ("--submission-timeout", float, 600.0, "S", "seconds all checks of one submission may take"),
    ("--memory-mb", int, 2048, "MB", "memory a worker may add beyond TensorFlow itself"),
    ("--output-bytes", int, 1_000_000, "N", "bytes of printed output a worker may write"),
)


def _command(sub, name: str, run, *, limits: bool = False, listed: bool = True):
    """A sub-command whose help is ``run``'s docstring: its first line in the list of
    commands, the whole of it under ``COMMAND --help``.  An unlisted command has no
    help entry, so argparse leaves it out of the list."""
    doc = inspect.getdoc(run) or ""
    entry = {"help": doc.splitlines()[0]} if listed else {}
    p = sub.add_parser(
        name, description=doc, formatter_class=argparse.RawDescriptionHelpFormatter, **entry
    )
    p.set_defaults(func=run)
    if listed:
        where = p.add_argument_group("course")
        where.add_argument(
            "--course",
            metavar="DIR",
            help="the course folder (default: the current folder "
            "or the nearest one above it with nbgrader_config.py)",
        )
        where.add_argument(
            "--assignment",
            metavar="NAME",
            help="the assignment, by its folder name under source/ (default: the only one)",
        )
    if limits:
        group = p.add_argument_group("limits (per submission)")
        for flag, kind, default, metavar, text in LIMITS:
            shown = f"{default:g}" if kind is float else default
            group.add_argument(
                flag, type=kind, default=default, metavar=metavar, help=f"{text} (default {shown})"
            )
    return p


def _lang_option(parser: argparse.ArgumentParser) -> None:
    """``--lang``: the language a person reads (results on disk stay English)."""
    from .i18n import available

    parser.add_argument(
        "--lang",
        choices=available(),
        help="language of the feedback, the report or the check output (default: the "
        "notebook's own, metadata.autograder.lang; a class's most common one)",
    )


def _grade_arguments(g: argparse.ArgumentParser) -> None:
    """The grade command's own arguments (besides the limits every grading command has)."""
    g.add_argument("submissions", nargs="+", metavar="SUBMISSION")
    g.add_argument("--out", required=True, metavar="DIR", help="folder for the results")
    g.add_argument(
        "--jobs",
        type=int,
        metavar="N",
        help="submissions graded at once (default: the number of cores this process may use, "
        "container CPU quotas included)",
    )
    g.add_argument("--quiet", action="store_true", help="no progress bar")
    g.add_argument(
        "--judge-memory-mb",
        type=int,
        metavar="MB",
        help="memory (data: heap and stacks) this grading process itself may use; "
        "0 for no limit (default: $AUTOGRADER_JUDGE_MEMORY_MB, else 4096)",
    )
    g.add_argument(
        "--resume",
        action="store_true",
        help="skip submissions already graded in DIR whose file, student and grader did not "
        "change (also after a run was killed: each submission is saved as it finishes)",
    )
    g.add_argument(
        "--i-accept-unconfined-student-code",
        dest="unconfined_ok",
        action="store_true",
        help="where this machine offers no namespaces to confine student code in, grade "
        "anyway, with student code running as you (it can read the answer key and change "
        "your files): for trusted work only",
    )


def _watch_arguments(w: argparse.ArgumentParser) -> None:
    """The watch command's own arguments (besides the limits every grading command has)."""
    w.set_defaults(selects_itself=True)  # it watches every assignment of the course
    w.add_argument("--out", required=True, metavar="DIR", help="folder for the results")
    w.add_argument("--inbox", metavar="DIR", help="watch this folder, not nbgrader's exchange")
    w.add_argument("--exchange", metavar="DIR", help="nbgrader's exchange root (c.Exchange.root)")
    w.add_argument("--course-id", metavar="ID", help="nbgrader's course id (its config's)")
    w.add_argument(
        "--poll", type=float, default=0.5, metavar="S", help="seconds between looks (0.5)"
    )
    w.add_argument(
        "--jobs", type=int, metavar="N", help="submissions graded at once (default: the cores)"
    )
    w.add_argument(
        "--i-accept-unconfined-student-code",
        dest="unconfined_ok",
        action="store_true",
        help="as grade's: where no namespaces confine student code, grade anyway (trusted "
        "work only)",
    )
    _lang_option(w)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m autograder",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    g = _command(sub, "grade", cmd_grade, limits=True)
    _grade_arguments(g)

    r = _command(sub, "release", cmd_release)
    r.add_argument(
        "--keep-key",
        action="store_true",
        help="do not recompute the answer key (faster; use when checks did not change)",
    )

    d = _command(sub, "demo", cmd_demo, limits=True)
    d.add_argument("--out", metavar="DIR", help="where to write (default: a new temporary folder)")

    c = _command(sub, "check", cmd_check, limits=True)
    c.add_argument("notebook", metavar="NOTEBOOK.ipynb")
    rep = _command(sub, "report", cmd_report)
    rep.add_argument("folder", metavar="DIR")
    for p in (g, c, rep):
        _lang_option(p)

    h = _command(sub, "hand-grades", cmd_hand_grades)
    h.add_argument("folder", metavar="DIR", help="the --out folder of grade")
    h.add_argument(
        "--from",
        dest="source",
        required=True,
        metavar="FROM",
        help="nbgrader's gradebook.db, or a CSV: student,<grade_id>,...",
    )
    _similar_arguments(_command(sub, "similar", cmd_similar))

    from .gradescope import VISIBILITIES

    visibility = {"choices": VISIBILITIES, "default": "after_published"}
    gs = _command(sub, "gradescope", cmd_gradescope)
    gs.add_argument("--out", default="autograder.zip", metavar="ZIP")
    gs.add_argument(
        "--hidden-visibility",
        **visibility,
        help="when students see the hidden checks' results (default after_published)",
    )

    gr = _command(sub, "gradescope-run", cmd_gradescope_run, listed=False)
    gr.add_argument("--root", default="/autograder")
    gr.add_argument("--hidden-visibility", **visibility)

    _watch_arguments(_command(sub, "watch", cmd_watch, limits=True))

    k = _command(sub, "judge-kernel", cmd_judge_kernel, listed=False)
    k.add_argument("grade_id")
    k.add_argument("--fd", type=int, required=True)
    k.add_argument("--lang", default="en")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run a command; an error of the kit itself is one line here, its traceback in a log."""
    args = build_parser().parse_args(argv)
    if args.command in ("gradescope-run", "judge-kernel"):
        return args.func(args)  # each writes its own results whatever happens
    try:
        if hasattr(args, "assignment") and not getattr(args, "selects_itself", False):
            groups = _assignments(args)
            if len(groups) > 1:
                return _per_assignment(args, groups)
            course.select(next(iter(groups), None) or args.assignment, args.course)
    except course.CourseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - no traceback reaches the console
        return _internal_error(args, exc)


def _assignments(args) -> dict[str, list[Path]]:
    """The assignment(s) a command is about when the course has several and neither
    ``--assignment`` nor the environment names one (README: "A course of many
    assignments"): ``release``, ``demo`` and ``gradescope`` do each; ``grade`` and
    ``check`` tell it from the paths, else the notebooks (:mod:`autograder.infer`);
    ``report`` from the graded folder (or each assignment's folder in it), ``hand-grades``
    from the graded folder, which must hold one assignment's results.  Empty: nothing
    to infer (``course.select`` decides, or asks)."""
    if args.assignment or os.environ.get(course.ASSIGNMENT_ENV):
        return {}
    root = _root(args)
    names = course.assignment_names(root)
    if len(names) <= 1 or course._folder_named(names):
        return {}
    from . import infer

    if args.command in ("release", "demo", "gradescope"):
        return {name: [] for name in names}
    if args.command == "grade":
        return infer.for_paths([Path(p) for p in args.submissions], root)
    if args.command == "check":
        return {infer.for_notebook(Path(args.notebook), root): []}
    if args.command == "report":
        return infer.for_graded(Path(args.folder), root)
    if args.command == "hand-grades":  # one assignment's grades: its own graded folder
        found = infer.for_graded(Path(args.folder), root)
        if len(found) > 1:
            raise course.CourseError(
                f"{args.folder} holds the results of {', '.join(found)}: give one "
                "assignment's folder (DIR/<assignment>), hand grades are per assignment"
            )
        return found
    if args.command == "similar":  # a graded folder says it; a class folder as grade's
        first = Path(args.paths[0])
        graded = (first / "grades.csv").is_file() or any(first.glob("*/results.json"))
        paths = [Path(p) for p in args.paths]
        found = infer.for_graded(first, root) if graded else infer.for_paths(paths, root)
        if len(found) > 1:
            raise course.CourseError(
                f"{first} holds {', '.join(found)}: compare one assignment at a time "
                "(DIR/<assignment>, or --assignment NAME)"
            )
        return found
    return {}


def _root(args) -> Path:
    return course._checked_course(Path(args.course)) if args.course else course.find_course()


def _per_assignment(args, groups: dict[str, list[Path]]) -> int:
    """Run the command once per assignment, each in a process of its own (each loads its
    own assignment's checks and workers); ``grade`` writes each into ``--out/<name>/``.
    The exit status is the worst of them."""
    import subprocess

    if args.command == "grade":
        refused = _refuse_out(Path(args.out))
        if refused:
            return _usage(f"--out {args.out}: {refused}")
    worst = 0
    for name, paths in groups.items():
        argv = _argv_for(args, name, paths)
        print(f"== {name}: python -m autograder {' '.join(argv)}", flush=True)
        code = subprocess.run([sys.executable, "-m", "autograder", *argv]).returncode
        worst = max(worst, code)
        print(flush=True)
    return worst


def _argv_for(args, name: str, paths: list[Path]) -> list[str]:
    """The command line that does ``args``'s work for one assignment."""
    argv = [args.command, "--assignment", name]
    if args.course:
        argv += ["--course", str(args.course)]
    if hasattr(args, "check_timeout"):
        for flag, _kind, _default, _metavar, _text in LIMITS:
            argv += [flag, str(getattr(args, flag[2:].replace("-", "_")))]
    if args.command == "release" and args.keep_key:
        argv.append("--keep-key")
    if args.command == "demo" and args.out:
        argv += ["--out", str(Path(args.out) / name)]
    if args.command == "gradescope":  # one zip per assignment: autograder-<name>.zip
        out = Path(args.out)
        argv += ["--out", str(out.with_name(f"{out.stem}-{name}{out.suffix or '.zip'}"))]
        argv += ["--hidden-visibility", args.hidden_visibility]
    if args.command == "report":
        argv += ["--lang", args.lang] if args.lang else []
        argv += ["--", *[str(p) for p in paths]]
    if args.command == "grade":
        argv += ["--out", str(Path(args.out) / name)]
        argv += ["--jobs", str(args.jobs)] if args.jobs else []
        argv += ["--lang", args.lang] if args.lang else []
        for flag in ("quiet", "resume"):
            argv += [f"--{flag}"] if getattr(args, flag) else []
        argv += ["--i-accept-unconfined-student-code"] if args.unconfined_ok else []
        argv += ["--", *[str(p) for p in paths]]
    return argv


def _internal_error(args, exc: Exception) -> int:
    """Write the traceback to the command's log (``--out``/grader.log for ``grade``, else
    a temporary file) and say where in one line."""
    import traceback

    text = traceback.format_exc()
    path = getattr(args, "log_path", None)
    try:
        if path is None:
            fd, name = tempfile.mkstemp(prefix="autograder-error-", suffix=".log")
            path = Path(name)
            os.close(fd)
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(text)
    except OSError:
        path = None
    first = (str(exc).splitlines() or [""])[0][:200]
    where = f"the traceback is in {path}" if path else "no log could be written"
    _say(f"internal error: {type(exc).__name__}: {first} ({where})")
    return EXIT_INTERNAL


__all__ = ["main"]

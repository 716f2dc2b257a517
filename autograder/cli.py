"""The command line: ``python -m autograder COMMAND`` (``--help`` lists them).

Each command imports the modules it needs when it runs, so that no command (and
not ``--help``) pays for the imports of another.
"""

from __future__ import annotations

import argparse
import inspect
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
                                        named by the student
    Notebooks sharing a name are told apart by their folders. Every submission gets a
    row in DIR/grades.csv (student, submission, score, max_score, a column per check)
    and DIR/<student>/results.json (Gradescope's schema) with feedback.md and
    feedback.html, whatever is wrong with it. DIR/grader.log records each grading.

    Exit status:
      0  every submission was graded
      1  some paths given were missing or unreadable (named on stderr; the rest graded)
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
    if args.jobs is not None and args.jobs < 1:
        return _usage("--jobs must be at least 1")
    from . import key
    from .notebook import read_notebook, source_path

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
    from .pool import warm_up

    warm_up()
    from .submissions import find_submissions

    with find_submissions([Path(p) for p in args.submissions], out) as found:
        for line in found.missing:
            print(f"error: {line}", file=sys.stderr)
        for note in found.notes:
            print(f"note: {note}", file=sys.stderr)
        if not found.submissions:
            return _usage("nothing to grade: " + "; ".join(found.refused or ["no notebook found"]))
        for line in found.refused:
            print(f"error: {line}", file=sys.stderr)
        return _grade_found(args, out, found)


def _grade_found(args, out: Path, found) -> int:
    """Grade what :func:`cmd_grade` found; print the table; the exit status."""
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
    print(summary_table(outcome.reports))
    print(f"\nwrote {out / 'grades.csv'} and one results.json per submission", end="")
    print(f" ({outcome.resumed} read back from an earlier run)" if args.resume else "")
    if outcome.crashed:
        print(
            f"error: the grader failed on {len(outcome.crashed)} submission(s) "
            f"({', '.join(outcome.crashed[:3])}); the traceback is in {args.log_path}",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
    return EXIT_MISSING if found.missing or found.refused else EXIT_GRADED


def _usage(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
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


def _start_log(out: Path) -> Path:
    """Send the batch's record (autograder.batch's log) to ``out/grader.log``."""
    import logging

    path = out / LOG_NAME
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    handler = logging.StreamHandler(open(fd, "a", encoding="utf-8", errors="backslashreplace"))  # noqa: SIM115
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger = logging.getLogger("autograder")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.info("grade %s", " ".join(sys.argv[1:]))
    return path


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
        print(f"{args.notebook}: {say.text(report.error)}")
        return 2
    for note in report.notes:
        print(f"note: {note}" if say.lang == "en" else say.t("note", note=say.text(note)))
    for function in registry().functions:
        results = [r for r in report.results if r.grade_id == function]
        for r in results:
            print(say.verdict(r.name, r.passed, r.output))
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

    try:
        path = write_report(Path(args.folder), lang=args.lang)
    except FileNotFoundError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(f"wrote {path} and {path.parent / 'nbgrader_export.csv'}")
    return 0


def cmd_gradescope(args) -> int:
    """Build the Gradescope autograder zip.

    The zip holds setup.sh and run_autograder at its root, and the kit. Exit status 2,
    and no zip, when the answer key is stale (run `python -m autograder release`).
    """
    from .gradescope import build_zip
    from .key import StaleKey, TamperedKey

    try:
        path = build_zip(Path(args.out), args.hidden_visibility)
    except (StaleKey, TamperedKey) as exc:  # checked before the zip is written
        print(f"error: {exc}", file=sys.stderr)
        return 2
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
        if hasattr(args, "assignment"):
            course.select(args.assignment, args.course)
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
    print(f"internal error: {type(exc).__name__}: {first} ({where})", file=sys.stderr)
    return EXIT_INTERNAL


__all__ = ["main"]

"""The command line: ``python -m autograder COMMAND`` (``--help`` lists them).

Each command imports the modules it needs when it runs, so that no command (and
not ``--help``) pays for the imports of another.
"""

from __future__ import annotations

import argparse
import inspect
import sys
import tempfile
import time
from pathlib import Path

from . import ASSIGNMENT, ROOT

DESCRIPTION = """\
A graded TensorFlow assignment: students build a 3-layer classifier from low-level ops.
Each command's --help says more."""


def _limits(args):
    from .pool import Limits

    return Limits(
        check_seconds=args.check_timeout,
        submission_seconds=args.submission_timeout,
        memory_mb=args.memory_mb,
        output_bytes=args.output_bytes,
    )


def cmd_grade(args) -> int:
    """Grade notebooks: DIR/grades.csv and DIR/<notebook>/results.json (Gradescope's schema).

    Every submission gets a row in DIR/grades.csv and DIR/<notebook stem>/results.json,
    whatever is wrong with it. Student code runs in a view of its own (README: Trust
    model): it sees Python and its own /tmp, not the kit, the answer key, the other
    submissions or DIR, has no network and no process of yours to reach. As root, each
    worker also gets a uid and a cgroup of its own. Where the machine offers no namespaces,
    grade refuses unless you pass --i-accept-unconfined-student-code.
    """
    if args.jobs is not None and args.jobs < 1:
        raise SystemExit("--jobs must be at least 1")
    # First of all: TensorFlow takes seconds to load in the fork server, and this
    # process has its own imports and inputs to read meanwhile.
    from .pool import warm_up

    warm_up()
    from .batch import grade_paths
    from .results import summary_table

    paths = [Path(p) for p in args.submissions]
    missing = [str(p) for p in paths if not p.is_file()]
    for m in missing:
        print(f"note: {m} is not a file; it gets a row with 0 points", file=sys.stderr)
    reports = grade_paths(
        paths,
        Path(args.out),
        _limits(args),
        args.jobs,
        not args.quiet,
        resume=args.resume,
        unconfined_ok=args.unconfined_ok,
    )
    print(summary_table(reports))
    print(f"\nwrote {Path(args.out) / 'grades.csv'} and one results.json per submission")
    return 0


def cmd_release(args) -> int:
    """Rebuild the answer key, the public checks and release/ (nbgrader generate_assignment).

    Rebuilds everything students and the grader get from the master notebook: the test
    cells' points, the answer key (from solutions/reference.py), the public checks
    package, release/ (with nbgrader generate_assignment) and the solved notebook.
    """
    from .release import release

    started = time.monotonic()
    written = release(rebuild_key=not args.keep_key)
    for what, path in written.items():
        print(f"{what}: {Path(path).relative_to(ROOT)}")
    print(f"done in {time.monotonic() - started:.1f} s")
    return 0


def cmd_demo(args) -> int:
    """Release into a folder, grade three example notebooks and print the table.

    Generates the release into DIR, then grades the solved notebook, the untouched
    release and a notebook with a typical mistake.
    """
    from .demo import run_demo

    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="autograder-demo-"))
    return run_demo(out, _limits(args))


def cmd_check(args) -> int:
    """Run the public checks on one notebook, as a student sees them (like nbgrader validate).

    The checks run in a worker process and print expected against got, with hints. Exit
    status 0 when every public check passes, 1 when some fail, 2 when the file is not a
    notebook.
    """
    from .pool import warm_up

    warm_up()  # TensorFlow loads in the fork server while the rest is imported and read
    from . import key as answer_key
    from .checks import FUNCTIONS, checks_for
    from .judge import grade_notebook
    from .notebook import read_notebook, reference_sources, source_path
    from .verdicts import format_verdict

    public = checks_for(public_only=True)
    report = grade_notebook(
        Path(args.notebook),
        answer_key.load(),
        read_notebook(source_path()),
        reference_sources(),
        _limits(args),
        checks=public,
    )
    if report.error:
        print(f"{args.notebook}: {report.error}")
        return 2
    for note in report.notes:
        print(f"note: {note}")
    for function in FUNCTIONS:
        results = [r for r in report.results if r.grade_id == function]
        for r in results:
            print(format_verdict(r.name, r.passed, r.output))
        passed = sum(r.passed for r in results)
        print(f"{function}: {passed} of {len(results)} public checks passed\n")
    total = sum(r.passed for r in report.results)
    print(f"{total} of {len(report.results)} public checks passed.")
    return 0 if total == len(report.results) else 1


def cmd_report(args) -> int:
    """Write an instructor report (HTML) of a graded folder.

    Reads DIR/*/results.json and writes DIR/report.html (grade histogram, pass rate of
    each check, most common failure messages) and DIR/nbgrader_export.csv.
    """
    from .feedback import write_report

    try:
        path = write_report(Path(args.folder))
    except FileNotFoundError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(f"wrote {path} and {path.parent / 'nbgrader_export.csv'}")
    return 0


def cmd_gradescope(args) -> int:
    """Build the Gradescope autograder zip.

    The zip holds setup.sh and run_autograder at its root, and the kit.
    """
    from .gradescope import build_zip

    path = build_zip(Path(args.out), args.hidden_visibility)
    print(f"wrote {path}: upload it as the autograder of a Gradescope programming assignment")
    return 0


def cmd_gradescope_run(args) -> int:
    """What run_autograder calls inside Gradescope's container (not for people)."""
    from .gradescope import run

    return run(Path(args.root), args.hidden_visibility)


def cmd_judge_kernel(args) -> int:
    """The judge of one nbgrader test cell, outside the kernel (not for people)."""
    from .nbgrader_cell import judge_main

    return judge_main(args.grade_id, args.fd)


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
    if limits:
        group = p.add_argument_group("limits (per submission)")
        for flag, kind, default, metavar, text in LIMITS:
            shown = f"{default:g}" if kind is float else default
            group.add_argument(
                flag, type=kind, default=default, metavar=metavar, help=f"{text} (default {shown})"
            )
    return p


def _grade_arguments(g: argparse.ArgumentParser) -> None:
    """The grade command's own arguments (besides the limits every grading command has)."""
    g.add_argument("submissions", nargs="+", metavar="SUBMISSION.ipynb")
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
        help="skip submissions already graded in DIR whose file and grader did not change",
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

    _grade_arguments(_command(sub, "grade", cmd_grade, limits=True))

    r = _command(sub, "release", cmd_release)
    r.add_argument(
        "--keep-key",
        action="store_true",
        help="do not recompute the answer key (faster; use when checks did not change)",
    )

    d = _command(sub, "demo", cmd_demo, limits=True)
    d.add_argument("--out", metavar="DIR", help="where to write (default: a new temporary folder)")

    _command(sub, "check", cmd_check, limits=True).add_argument(
        "notebook", metavar="NOTEBOOK.ipynb"
    )
    _command(sub, "report", cmd_report).add_argument("folder", metavar="DIR")

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
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


__all__ = ["main", "ASSIGNMENT"]

"""The command line explains itself: every command has help, hidden ones stay hidden."""

from __future__ import annotations

import inspect

import pytest

from autograder import cli
from autograder.cli import build_parser, main

LISTED = ("grade", "release", "demo", "check", "report", "gradescope", "watch")


def test_the_command_list_names_each_command_once_and_hides_the_internal_ones(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    for name in LISTED:
        assert f"\n    {name} " in text or f"\n    {name}\n" in text, name
    assert "SUPPRESS" not in text
    assert "gradescope-run" not in text and "judge-kernel" not in text


@pytest.mark.parametrize("name", LISTED)
def test_each_command_describes_itself_and_its_options(capsys, name):
    with pytest.raises(SystemExit) as exit_:
        main([name, "--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    first_line = inspect.getdoc(getattr(cli, f"cmd_{name}")).splitlines()[0]
    assert first_line in text
    assert ("limits (per submission):" in text) == (name in ("grade", "demo", "check", "watch"))


def test_limits_are_parsed_with_their_types():
    args = build_parser().parse_args(["check", "x.ipynb", "--check-timeout", "2.5"])
    assert args.check_timeout == 2.5 and args.memory_mb == 2048
    with pytest.raises(SystemExit):
        build_parser().parse_args(["check", "x.ipynb", "--memory-mb", "lots"])


def test_check_runs_student_code_in_the_workers_view(tmp_path):
    """``check`` (an instructor may run it on a student's notebook) confines its workers
    as ``grade`` does: a glorot_uniform that reads the answer key before answering fails
    its checks, because the key is not in the worker's view; the same cell reading a file
    it may see (Python's own) passes them."""
    import json
    import subprocess
    import sys

    from course_paths import KEY, ROOT, SOLVED

    notebook = json.loads(SOLVED.read_text(encoding="utf-8"))

    def with_read(path: str) -> subprocess.CompletedProcess:
        for cell in notebook["cells"]:
            if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "glorot_uniform":
                source = "".join(cell["source"])
                head, _, rest = source.partition("def glorot_uniform(")
                read = f"    open({path!r}, 'rb').read()\n"
                body = f"def glorot_uniform(*a, **k):\n{read}    return _g(*a, **k)\n"
                cell["source"] = head + "def _g(" + rest + "\n\n" + body
        target = tmp_path / "student.ipynb"
        target.write_text(json.dumps(notebook), encoding="utf-8")
        return subprocess.run(
            [sys.executable, "-m", "autograder", "check", "--assignment",
             "three_layer_classifier", str(target)],
            capture_output=True, text=True, cwd=ROOT, timeout=300, check=False,
        )  # fmt: skip

    allowed = with_read(sys.executable)
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
    hidden = with_read(str(KEY))
    assert hidden.returncode == 1, hidden.stdout + hidden.stderr
    assert "FileNotFoundError" in hidden.stdout or "No such file" in hidden.stdout, hidden.stdout

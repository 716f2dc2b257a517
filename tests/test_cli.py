"""The command line explains itself: every command has help, hidden ones stay hidden."""

from __future__ import annotations

import inspect

import pytest

from autograder import cli
from autograder.cli import build_parser, main

LISTED = ("grade", "release", "demo", "check", "report", "gradescope")


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
    assert ("limits (per submission):" in text) == (name in ("grade", "demo", "check"))


def test_limits_are_parsed_with_their_types():
    args = build_parser().parse_args(["check", "x.ipynb", "--check-timeout", "2.5"])
    assert args.check_timeout == 2.5 and args.memory_mb == 2048
    with pytest.raises(SystemExit):
        build_parser().parse_args(["check", "x.ipynb", "--memory-mb", "lots"])

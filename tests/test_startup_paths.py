"""The application's own options start the window without the command line's parser; any
command, help or version goes through the whole parser as before."""

from __future__ import annotations

import pytest

from bwc_desk.__main__ import build_parser, gui_only


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], True),
        (["--database", "x.sqlite3"], True),
        (["--database=x.sqlite3", "--demo"], True),
        (["--database", "x", "--sign-in-stdin", "--exit-when-idle"], True),
        (["verify"], False),
        (["--database", "x", "verify"], False),
        (["-h"], False),
        (["--version"], False),
        (["--database"], False),  # (argparse says what is missing)
        (["--demo", "dock-sim"], False),
    ],
)
def test_only_the_applications_own_options_skip_the_commands(argv, expected):
    assert gui_only(argv) is expected


def test_the_short_parser_reads_the_applications_options_as_the_whole_one_does():
    argv = ["--database", "x.sqlite3", "--sign-in-stdin", "--exit-when-idle"]
    short, whole = build_parser(commands=False).parse_args(argv), build_parser().parse_args(argv)
    for name in ("database", "sign_in_stdin", "exit_when_idle"):
        assert getattr(short, name) == getattr(whole, name)
    assert getattr(short, "command", None) is None and whole.command is None

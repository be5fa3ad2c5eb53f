"""`evreg --help` lists every command with a one-line purpose and an example that parses."""

from __future__ import annotations

import shlex
import subprocess
import sys

import pytest

from evreg.cli import COMMANDS, _parser


def _help() -> str:
    out = subprocess.run(
        [sys.executable, "-m", "evreg", "--help"], capture_output=True, text=True, check=True
    )
    return out.stdout


def test_help_lists_every_command_with_purpose_and_example() -> None:
    text = _help()
    assert "dispatches" not in text and "``" not in text  # no developer docstring
    for name, cmd in COMMANDS.items():
        assert f"  {name}  " in text or f"  {name} " in text, name
        assert cmd.purpose in text
        assert f"e.g. {cmd.example}" in text


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_example_is_accepted_by_its_parser(name: str) -> None:
    words = shlex.split(COMMANDS[name].example)
    if ">" in words:  # shell redirection is not an argument
        words = words[: words.index(">")]
    assert words[:2] == ["evreg", name]
    parser, chosen = _parser(words[1:])
    args = parser.parse_args(words[1:])
    assert chosen == name and args.command == name


def test_no_command_prints_help_and_exits_2() -> None:
    proc = subprocess.run([sys.executable, "-m", "evreg"], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "commands:" in proc.stdout and "Traceback" not in proc.stderr

"""`evreg --help` lists every command with a one-line purpose and an example that parses."""

from __future__ import annotations

import argparse
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


PACKAGE_FREE = {"pool", "derive"}  # a CSV of ratios; printed statistics: no data package


def _command_parser(name: str) -> argparse.ArgumentParser:
    parser, _ = _parser([name])
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return sub.choices[name]


@pytest.mark.parametrize("name", sorted(set(COMMANDS) - PACKAGE_FREE))
def test_every_command_reading_the_package_takes_package_path(name: str) -> None:
    """The same --package PATH everywhere (evreg.cli.options.add_package)."""
    options = {o: a for a in _command_parser(name)._actions for o in a.option_strings}
    assert "--package" in options, name
    assert options["--package"].default == "datapackage.json"
    assert options["--package"].metavar == "PATH"


def test_validate_takes_the_package_either_way(tmp_path, capsys) -> None:
    """--package PATH or the positional PATH (kept as an alias); two different ones: usage."""
    from evreg.cli import main

    missing = str(tmp_path / "nowhere")
    assert main(["validate", missing]) == 1
    positional = capsys.readouterr().out
    assert main(["validate", "--package", missing]) == 1
    assert capsys.readouterr().out == positional and "nowhere" in positional
    assert main(["validate", missing, "--package", str(tmp_path / "elsewhere")]) == 2
    assert "two packages given" in capsys.readouterr().err


def test_help_documents_the_exit_statuses() -> None:
    text = _help()
    for status in ("0  done", "1  invalid data", "2  usage error", "3  internal error"):
        assert status in text


OWN_EXIT_STATUS = {"validate", "derive"}  # validate: --strict's statuses; derive: per method


@pytest.mark.parametrize("name", sorted(set(COMMANDS) - OWN_EXIT_STATUS))
def test_every_command_help_ends_with_the_exit_statuses(name: str) -> None:
    """One help layout (evreg.cli.options.document): examples, then the shared exit statuses."""
    from evreg.cli.options import EXIT_STATUS

    text = _command_parser(name).format_help()
    assert text.rstrip().endswith(EXIT_STATUS), name
    assert "example" in text.split("exit status:")[0], name

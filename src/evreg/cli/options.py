"""What the commands share, defined once: ``--package PATH``, ``--format``, ``--verbose``,
``--dry-run``, options taking a value or a date, the help's layout with the exit statuses,
loading a package validated first, and the exit statuses themselves.

A command adopts them in its two functions (``evreg pool`` alone reads a CSV, not a package)::

    from evreg.cli import options

    def configure(parser):
        options.document(parser, "example: evreg mine --package pkg/")  # + exit statuses
        options.add_package(parser)                     # --package PATH
        options.add_format(parser, "one line per finding", "the list of findings")
        options.add_date(parser, "--since", "first date counted (default: ...)")

    def run(args):
        package = options.valid_package(args)           # invalid data: errors listed, exit 1
        ...
        return options.EXIT_OK

``evreg validate`` also takes the package positionally: ``add_package(parser,
positional=True)`` and ``package_path(args)``.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from evreg.errors import EvregError

if TYPE_CHECKING:
    from evreg.data.package import Package

EXIT_OK = 0
EXIT_INVALID = 1  # invalid data, a refused input, or findings the command says fail
EXIT_USAGE = 2  # argparse's own: unknown option, missing argument
EXIT_INTERNAL = 3  # a bug in evreg (one line, no traceback; EVREG_DEBUG=1 shows it)
EXIT_STATUS = """exit status:
  0  done
  1  invalid data or a refused input (one line per problem, naming file, row and field)
  2  usage error (an unknown option, a missing argument)
  3  internal error: a bug in evreg (EVREG_DEBUG=1 shows the traceback)"""

DEFAULT_PACKAGE = "datapackage.json"
_POSITIONAL = "package_positional"


def add_package(parser: argparse.ArgumentParser, *, positional: bool = False) -> None:
    """``--package PATH`` (default ./datapackage.json); with ``positional``, also an optional
    ``PATH`` argument meaning the same (read it with :func:`package_path`)."""
    parser.add_argument(
        "--package",
        default=DEFAULT_PACKAGE,
        metavar="PATH",
        help="datapackage.json or its directory (default: ./datapackage.json)",
    )
    if positional:
        parser.add_argument(
            _POSITIONAL, nargs="?", default=None, metavar="PATH", help="same as --package PATH"
        )


def package_path(args: argparse.Namespace) -> str:
    """The package the command reads: the positional PATH or ``--package``, which must agree
    when both are given."""
    given = getattr(args, _POSITIONAL, None)
    if given is None:
        return args.package
    if args.package not in (DEFAULT_PACKAGE, given):
        raise EvregError(f"two packages given: {given} and --package {args.package}", EXIT_USAGE)
    return given


def document(
    parser: argparse.ArgumentParser, examples: str, description: str | None = None
) -> None:
    """The command's help: its ``description`` (when given), then its ``examples`` and the exit
    statuses, laid out as written (lines kept, not re-wrapped)."""
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    if description is not None:
        parser.description = description
    parser.epilog = examples.rstrip("\n") + "\n\n" + EXIT_STATUS


def add_formats(parser: argparse.ArgumentParser, choices: tuple[str, ...], help: str) -> None:
    """``--format`` with ``choices``, the first of them the default."""
    parser.add_argument("--format", choices=choices, default=choices[0], help=help)


def add_format(parser: argparse.ArgumentParser, text: str, json: str) -> None:
    """``--format text|json`` (default text), saying what each prints."""
    add_formats(parser, ("text", "json"), f"text: {text}; json: {json}")


def add_value(
    parser: argparse.ArgumentParser, flag: str, metavar: str, help: str, default: str | None = None
) -> None:
    """An option taking one value, shown as ``flag METAVAR`` (``--endpoint URL``)."""
    parser.add_argument(flag, metavar=metavar, default=default, help=help)


def add_date(parser: argparse.ArgumentParser, flag: str, help: str) -> None:
    """An option taking a date, written YYYY-MM-DD (ISO 8601) as everywhere in the data."""
    add_value(parser, flag, "YYYY-MM-DD", help)


def add_flag(parser: argparse.ArgumentParser, flag: str, help: str) -> None:
    """An on/off option (``--strict``, ``--no-cache``), off unless given."""
    parser.add_argument(flag, action="store_true", help=help)


def add_dry_run(parser: argparse.ArgumentParser, help: str) -> None:
    """``--dry-run``: say what would be done (``help`` tells what is printed); write nothing."""
    add_flag(parser, "--dry-run", help)


def package_and_format(parser: argparse.ArgumentParser, text: str, json: str) -> None:
    """``--package PATH`` and ``--format text|json``."""
    add_package(parser)
    add_format(parser, text, json)


def add_verbose(parser: argparse.ArgumentParser) -> None:
    """``--verbose``: every warning, not only their count."""
    add_flag(
        parser,
        "--verbose",
        "print every warning (default: one line saying how many; `evreg validate` lists the "
        "data's)",
    )


def valid_package(args: argparse.Namespace) -> Package:
    """The package, validated first: with validation errors, each is printed on stderr (as
    ``evreg validate`` prints it) and the command stops with exit status 1, nothing done."""
    from evreg.data.package import load_package
    from evreg.data.validate import validate_package

    path = package_path(args)
    errors = [f for f in validate_package(path) if f.severity == "error"]
    if errors:
        for finding in errors:
            print(finding, file=sys.stderr)
        raise EvregError(f"{path}: {len(errors)} validation error(s); nothing done", EXIT_INVALID)
    return load_package(path)

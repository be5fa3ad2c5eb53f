"""The ``evreg`` command line: dispatches to ``evreg.cli.<name>``."""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from evreg import __version__
from evreg.errors import EvregError

# name -> (module, one-line help). Modules are imported lazily, only the one that runs.
COMMANDS: dict[str, tuple[str, str]] = {
    "validate": ("evreg.cli.validate", "validate a data package (schemas and domain checks)"),
    "pool": ("evreg.cli.pool", "meta-analyse a CSV of hazard/odds ratios"),
    "build": ("evreg.cli.build", "validate, run the analysis plan and build the site"),
    "serve": ("evreg.cli.serve", "preview the site with live reload"),
    "audit": ("evreg.cli.audit", "check the published review against itself and the data"),
    "add-study": ("evreg.cli.add_study", "add a study from a YAML file"),
    "diff": ("evreg.cli.diff", "compare results at a git REF with the working tree"),
    "release": ("evreg.cli.release", "bump the data version and write the changelog"),
}


def _parser(argv: list[str]) -> tuple[argparse.ArgumentParser, str | None]:
    parser = argparse.ArgumentParser(prog="evreg", description=__doc__)
    parser.add_argument("--version", action="version", version=f"evreg {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    chosen = next((a for a in argv if not a.startswith("-")), None)
    for name, (module, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        if name == chosen:  # only the chosen command's module is imported
            importlib.import_module(module).configure(p)
    return parser, chosen


def main(argv: list[str] | None = None) -> int:
    """Entry point: returns the exit code (0 ok, 1 findings/user error, 2 usage)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser, chosen = _parser(argv)
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 2
    try:
        return int(importlib.import_module(COMMANDS[args.command][0]).run(args) or 0)
    except EvregError as exc:
        print(f"evreg {args.command}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("evreg: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # last resort: one line, never a traceback (EVREG_DEBUG=1 shows it)
        if os.environ.get("EVREG_DEBUG"):
            raise
        print(f"evreg {args.command}: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2

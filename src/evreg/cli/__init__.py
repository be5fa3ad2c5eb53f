"""The ``evreg`` command line: dispatches to ``evreg.cli.<name>``."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from dataclasses import dataclass

from evreg import __version__
from evreg.errors import EvregError

DESCRIPTION = """\
evreg keeps a living evidence registry: a versioned data package of studies and their
hazard ratios (as printed, with sources), the meta-analyses its plan asks for, and a static
website that shows them. Run a command with --help for its options and examples."""


@dataclass(frozen=True)
class Command:
    """One sub-command: the module that implements it, what it is for, and an example."""

    module: str
    purpose: str
    example: str


# Modules are imported lazily, only the one that runs (so ``evreg pool`` starts fast).
COMMANDS: dict[str, Command] = {
    "build": Command(
        "evreg.cli.build",
        "validate the package, run every analysis and build the website",
        "evreg build --out site_build",
    ),
    "serve": Command(
        "evreg.cli.serve",
        "build the website and preview it, rebuilding when the data change",
        "evreg serve --dev-addr 127.0.0.1:8000",
    ),
    "validate": Command(
        "evreg.cli.validate",
        "check the data package: schemas, numbers, sources and the plan",
        "evreg validate --strict",
    ),
    "audit": Command(
        "evreg.cli.audit",
        "check the published review's numbers against each other and the data",
        "evreg audit --format json",
    ),
    "certainty": Command(
        "evreg.cli.certainty",
        "rate the certainty of the evidence (GRADE) of every analysis, with reasons",
        "evreg certainty --format json",
    ),
    "pool": Command(
        "evreg.cli.pool",
        "meta-analyse any CSV of ratios (hazard, odds or risk ratios)",
        "evreg pool studies.csv --method REML --hksj",
    ),
    "derive": Command(
        "evreg.cli.derive",
        "derive a hazard ratio from a log-rank test, O-E, a CI or p, or Kaplan-Meier curves",
        "evreg derive logrank --p 0.004 --events 80 --worse high",
    ),
    "add-study": Command(
        "evreg.cli.add_study",
        "add a study and its estimates from a filled-in YAML template",
        "evreg add-study --template > smith-2026.yaml",
    ),
    "diff": Command(
        "evreg.cli.diff",
        "show how the results change between a git version and now",
        "evreg diff origin/main",
    ),
    "search": Command(
        "evreg.cli.search",
        "search PubMed for new records since the last search; add them for screening",
        "evreg search --dry-run",
    ),
    "screen": Command(
        "evreg.cli.screen",
        "record a screening decision: include a record as a study, or exclude it",
        "evreg screen he-2025 --exclude 'no HR for PFS or OS'",
    ),
    "release": Command(
        "evreg.cli.release",
        "bump the data version and write the changelog entry",
        "evreg release --dry-run",
    ),
}


def _epilog() -> str:
    width = max(len(name) for name in COMMANDS)
    lines = ["commands:"]
    for name, cmd in COMMANDS.items():
        lines.append(f"  {name:<{width}}  {cmd.purpose}")
        lines.append(f"  {'':<{width}}    e.g. {cmd.example}")
    lines.append("")
    lines.append("Start with:  evreg build  (then open site_build/index.html)")
    return "\n".join(lines)


def _parser(argv: list[str]) -> tuple[argparse.ArgumentParser, str | None]:
    parser = argparse.ArgumentParser(
        prog="evreg",
        description=DESCRIPTION,
        epilog=_epilog(),
        usage="evreg [--version] COMMAND [options]",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"evreg {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", help="one of the commands below")
    chosen = next((a for a in argv if not a.startswith("-")), None)
    for name, cmd in COMMANDS.items():
        p = sub.add_parser(name, prog=f"evreg {name}", description=cmd.purpose)
        if name == chosen:  # only the chosen command's module is imported
            importlib.import_module(cmd.module).configure(p)
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
        return int(importlib.import_module(COMMANDS[args.command].module).run(args) or 0)
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

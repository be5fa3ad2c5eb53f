"""``evreg validate [PATH] [--strict] [--format text|json]``: check a data package.

Example::

    evreg validate                      # ./datapackage.json
    evreg validate path/to/pkg --strict --format json

One line per finding, ``file:line:field: message`` (warnings say ``warning:``); errors exit 1,
warnings exit 0 unless ``--strict``. Never writes a file.
"""

from __future__ import annotations

import argparse
import json
import sys


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the command's arguments."""
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = (
        "examples:\n"
        "  evreg validate                          # ./datapackage.json\n"
        "  evreg validate path/to/pkg --strict     # warnings count as errors\n"
        "  evreg validate --format json            # findings as a JSON list\n\n"
        "exit status: 1 if any error (or any warning with --strict), else 0"
    )
    parser.add_argument(
        "path",
        nargs="?",
        default="datapackage.json",
        help="datapackage.json or the directory holding it (default: ./datapackage.json)",
    )
    parser.add_argument("--strict", action="store_true", help="treat warnings as errors (exit 1)")
    parser.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text: one line per finding; json: a list of {file,row,field,message,severity}",
    )


def run(args: argparse.Namespace) -> int:
    """Validate and print the findings; return the exit code."""
    from evreg.data.validate import exit_code, validate_package
    from evreg.living.judge import stale_warnings

    findings = validate_package(args.path)
    if not any(f.severity == "error" for f in findings):
        findings += stale_warnings(args.path)  # reviewers' judgements made on other studies
    if args.format == "json":
        print(json.dumps([f.to_dict() for f in findings], indent=2, ensure_ascii=False))
    else:
        for finding in findings:
            print(finding)
        errors = sum(f.severity == "error" for f in findings)
        warnings = len(findings) - errors
        print(f"{args.path}: {errors} error(s), {warnings} warning(s)", file=sys.stderr)
    return exit_code(findings, strict=args.strict)

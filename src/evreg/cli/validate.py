"""``evreg validate [--package PATH | PATH] [--strict] [--format text|json]``: check a data
package.

Example::

    evreg validate                      # ./datapackage.json
    evreg validate --package path/to/pkg --strict --format json
    evreg validate path/to/pkg          # the same package, given positionally

One line per finding, ``file:line:field: message`` (warnings say ``warning:``); errors exit 1,
warnings exit 0 unless ``--strict``. Never writes a file.
"""

from __future__ import annotations

import argparse
import json
import sys

from evreg.cli import options


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the command's arguments."""
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = (
        "examples:\n"
        "  evreg validate                          # ./datapackage.json\n"
        "  evreg validate --package path/to/pkg --strict   # warnings count as errors\n"
        "  evreg validate path/to/pkg              # the same, PATH given positionally\n"
        "  evreg validate --format json            # findings as a JSON list\n\n"
        "exit status: 1 if any error (or any warning with --strict), else 0; 2 usage error; "
        "3 internal error\n\n" + codes_help()
    )
    options.add_package(parser, positional=True)
    parser.add_argument("--strict", action="store_true", help="treat warnings as errors (exit 1)")
    options.add_format(
        parser,
        "one line per finding",
        "a list of {code,file,row,field,message,severity} (code: stable, for scripts)",
    )


def codes_help() -> str:
    """Every finding's code, severity and message template (generated from the registry)."""
    from evreg.data.validate.finding import code_table

    lines = [f"  {code} ({severity}): {text}" for code, severity, text in code_table()]
    return "finding codes (--format json gives each finding's code; {name}: its values):\n" + (
        "\n".join(lines)
    )


def run(args: argparse.Namespace) -> int:
    """Validate and print the findings; return the exit code."""
    from evreg.data.validate import exit_code, validate_package
    from evreg.living.judge import stale_warnings

    path = options.package_path(args)
    findings = validate_package(path)
    if not any(f.severity == "error" for f in findings):
        findings += stale_warnings(path)  # reviewers' judgements made on other studies
    if args.format == "json":
        print(json.dumps([f.to_dict() for f in findings], indent=2, ensure_ascii=False))
    else:
        for finding in findings:
            print(finding)
        errors = sum(f.severity == "error" for f in findings)
        warnings = len(findings) - errors
        print(f"{path}: {errors} error(s), {warnings} warning(s)", file=sys.stderr)
    return exit_code(findings, strict=args.strict)

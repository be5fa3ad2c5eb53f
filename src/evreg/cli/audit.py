"""``evreg audit``: check the source review's published results against themselves and the data.

Example::

    $ evreg audit --package datapackage.json
    error: p_vs_ci: sii-os-hbv (subgroup level false): HR 1.28 (0.72 to 2.27) gives z ...
    $ evreg audit --format json > audit.json

Exit status: 0 whenever the audit ran, whatever it found (findings describe the source review,
not a fault in the package); 1 if the package does not validate (its errors listed as ``evreg
validate`` prints them, nothing audited); 2 usage error; 3 internal error.
"""

from __future__ import annotations

import argparse
import json
import sys

from evreg.cli import options


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``evreg audit``."""
    options.document(
        parser,
        "example: evreg audit --package datapackage.json --format json",
        "Reproduce each published result of the source review from the registry's usable "
        "estimates and check its printed numbers against each other, allowing for rounding. "
        "Exits 0 when the audit ran, even with findings; 1 when the package does not validate.",
    )
    options.package_and_format(parser, "one line per finding", "the list of findings")


def run(args: argparse.Namespace) -> int:
    """Validate the package, audit it, print the findings; 0 when the audit ran."""
    from evreg.cli.audit_output import render_text
    from evreg.review import audit

    package = options.valid_package(args)
    findings = audit.audit_package(package)
    if args.format == "json":
        json.dump([f.to_dict() for f in findings], sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(render_text(findings))
    return options.EXIT_OK

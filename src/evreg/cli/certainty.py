"""``evreg certainty``: the certainty of the evidence (GRADE) of every analysis and published
result, with the reason for each judgement.

Example::

    $ evreg certainty --package examples/hackshaw1998
    ets-lung (Spousal smoking and lung cancer in never-smoking women): low. Starts high ...
        risk of bias: serious: 100% of the weight from studies at higher or unknown risk ...
    $ evreg certainty --format json > certainty.json

Exit status: 0 when the package is valid and rated; 1 when it cannot be loaded or has
validation errors (one line each, as ``evreg validate`` prints them).
"""

from __future__ import annotations

import argparse
import json
import sys

from evreg.cli.options import package_and_format


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``evreg certainty``."""
    parser.description = (
        "Rate the certainty of the evidence (GRADE for prognostic factors) of every analysis "
        "of the plan and every published result of the source review, with a reason for each "
        "judgement; reviewers' rows in the package's certainty resource override a domain."
    )
    parser.epilog = "example: evreg certainty --package datapackage.json --format json"
    package_and_format(parser, "one block per analysis", "the ratings as a list")


def run(args: argparse.Namespace) -> int:
    """Validate, run the plan, print the ratings; 1 on validation errors."""
    from evreg.data.package import load_package
    from evreg.data.validate import validate_package
    from evreg.review.certainty.report import ratings, render_text
    from evreg.review.plan import run_plan

    errors = [f for f in validate_package(args.package) if f.severity == "error"]
    if errors:
        for f in errors:
            print(f, file=sys.stderr)
        print(f"{len(errors)} validation error(s): nothing rated", file=sys.stderr)
        return 1
    results = run_plan(load_package(args.package))
    if args.format == "json":
        json.dump(ratings(results), sys.stdout, indent=2, ensure_ascii=False, sort_keys=True)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(render_text(results))
    return 0

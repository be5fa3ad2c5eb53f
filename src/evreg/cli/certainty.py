"""``evreg certainty``: the certainty of the evidence (GRADE) of every analysis and published
result, with the reason for each judgement.

Example::

    $ evreg certainty --package examples/hackshaw1998
    ets-lung (Spousal smoking and lung cancer in never-smoking women): low. Starts high ...
        risk of bias: serious: 100% of the weight from studies at higher or unknown risk ...
    $ evreg certainty --format json > certainty.json

Exit status: 0 when the package is valid and rated; 1 when it cannot be loaded or has
validation errors (one line each, as ``evreg validate`` prints them); 2 usage error; 3
internal error.
"""

from __future__ import annotations

import argparse
import json
import sys

from evreg.cli import options


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``evreg certainty``."""
    parser.description = (
        "Rate the certainty of the evidence (GRADE for prognostic factors) of every analysis "
        "of the plan and every published result of the source review, with a reason for each "
        "judgement; reviewers' rows in the package's certainty resource override a domain."
    )
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = "example: evreg certainty --package datapackage.json --format json\n\n" + (
        options.EXIT_STATUS
    )
    options.package_and_format(parser, "one block per analysis", "the ratings as a list")


def run(args: argparse.Namespace) -> int:
    """Validate, run the plan, print the ratings; 1 on validation errors."""
    from evreg.review.certainty.report import ratings, render_text
    from evreg.review.plan import run_plan

    results = run_plan(options.valid_package(args))
    if args.format == "json":
        json.dump(ratings(results), sys.stdout, indent=2, ensure_ascii=False, sort_keys=True)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(render_text(results))
    return options.EXIT_OK

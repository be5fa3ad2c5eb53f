"""``evreg certainty``: the certainty of the evidence (GRADE) of every analysis and published
result, with the reason for each judgement.

Example::

    $ evreg certainty --package examples/hackshaw1998
    ets-lung (Spousal smoking and lung cancer in never-smoking women): very low. Starts low ...
        what is rated: an association (ratio ≠ 1; important below 0.80 or above 1.25)
        risk of bias: serious: 100% of the weight from studies at moderate, unknown or high ...
    $ evreg certainty --format json > certainty.json
    $ evreg certainty judge il6-os imprecision serious --reason "One study, 222 patients" \
          --by "A Reviewer"
    recorded in data/certainty.csv: il6-os imprecision serious (data version 1.0.0; ...)

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
    options.document(
        parser,
        "example: evreg certainty --package datapackage.json --format json",
        "Rate the certainty of the evidence (GRADE for prognostic factors) of every analysis "
        "of the plan and every published result of the source review, with a reason for each "
        "judgement; reviewers' rows in the package's certainty resource override a domain.",
    )
    options.package_and_format(parser, "one block per analysis", "the ratings as a list")
    sub = parser.add_subparsers(dest="action", metavar="ACTION")
    judge = sub.add_parser(
        "judge",
        prog="evreg certainty judge",
        description="Record a reviewer's judgement of one GRADE domain, with the data version "
        "and the estimates it is made on; when they change, the row is shown as made on other "
        "studies and not applied.",
        epilog='example: evreg certainty judge il6-os imprecision serious --reason "..." '
        '--by "A Reviewer"',
    )
    judge.add_argument("analysis", help="analysis id (analyses.csv)")
    judge.add_argument("domain", help="GRADE domain, e.g. risk_of_bias, imprecision")
    judge.add_argument("judgement", help="e.g. not serious, serious, very serious")
    judge.add_argument("--reason", required=True, help="why, in words a reader can check")
    judge.add_argument("--by", required=True, help="who judges (name, ORCID iD)")
    judge.add_argument(
        "--result", default="", help="a published result id (default: the registry's answer)"
    )
    options.add_package(judge)


def judge(args: argparse.Namespace) -> int:
    """Record one reviewer's judgement (evreg.living.judge)."""
    from evreg.living.judge import judgement_row, record_judgement

    row = judgement_row(
        args.package, args.analysis, args.domain, args.judgement, args.reason, args.by, args.result
    )
    path = record_judgement(args.package, row)
    target = f" result {row['result_id']}" if row["result_id"] else ""
    print(
        f"recorded in {path.name}: {row['analysis_id']}{target} {row['domain']} "
        f"{row['judgement']} (data version {row['data_version']}; estimates: "
        f"{row['estimate_ids'] or 'none'})"
    )
    return 0


def run(args: argparse.Namespace) -> int:
    """Validate, run the plan, print the ratings; 1 on validation errors."""
    if getattr(args, "action", None) == "judge":
        return judge(args)
    from evreg.cli.certainty_output import ratings, render_text
    from evreg.review.plan import run_plan
    from evreg.site.labels import Labels
    from evreg.site.views.names import Words

    package = options.valid_package(args)
    results = run_plan(package)
    if args.format == "json":
        json.dump(ratings(results), sys.stdout, indent=2, ensure_ascii=False, sort_keys=True)
        sys.stdout.write("\n")
    else:
        words = Words({}, Labels.from_package(package.root, package.descriptor))
        sys.stdout.write(render_text(results, words))
    return options.EXIT_OK

"""`evreg pool FILE.csv`: meta-analyse any table of ratios (hazard, odds, risk ratios).

Example::

    evreg pool studies.csv --method REML --hksj --leave-one-out --format json

Reading is :mod:`evreg.data.effects`, the analysis :mod:`evreg.review.pooling`, the printed
report :mod:`evreg.cli.pool_output`; this module only parses arguments, calls and prints.
Nothing here imports pandas, frictionless or scipy, so the command starts quickly.
"""

from __future__ import annotations

import argparse
import sys

from evreg.cli.options import add_flag, add_formats, add_value, document
from evreg.errors import EvregError
from evreg.stats import AS_PRINTED, FLIPPED, METHODS

MEASURES = ("HR", "OR", "RR", "RATIO")
EPILOG = f"""\
columns: study, and either ratio + ci_lower + ci_upper (optional ci_level, default 0.95)
or log_ratio + se; hr/log_hr, or/log_or, rr/log_rr are accepted too. An optional
comparison column ({", ".join(AS_PRINTED + FLIPPED)})
flips {" and ".join(FLIPPED)} rows to high vs low as the
registry's build does. Comma, semicolon, tab or bar separated.

examples:
  evreg pool studies.csv
  evreg pool studies.csv --method REML --hksj --format json
  evreg pool trials.csv --measure OR --leave-one-out
  evreg pool studies.csv --subgroup design --cumulative year
"""


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of `evreg pool`."""
    document(
        parser,
        EPILOG,
        "Meta-analyse a CSV of ratios, one row per study: pooled ratio, heterogeneity,\n"
        "prediction interval and Egger's test; subgroups, leave-one-out and cumulative\n"
        "analyses on request. Example: evreg pool studies.csv --method REML --format json",
    )
    parser.add_argument("file", metavar="FILE.csv", help="CSV file, one row per study")
    parser.add_argument(
        "--method",
        default="DL",
        type=str.upper,
        choices=METHODS,
        help="FE (fixed effect) or the random-effects tau2 estimator (default DL, as RevMan)",
    )
    parser.add_argument(
        "--measure",
        type=str.upper,
        choices=MEASURES,
        metavar="{HR,OR,RR,ratio}",
        help="what the ratios are, for the labels (default: from the column name, e.g. "
        "hr -> HR; ratio -> Ratio). Example: evreg pool trials.csv --measure OR",
    )
    add_flag(parser, "--hksj", "Hartung-Knapp-Sidik-Jonkman CI and test (t, k-1 df, untruncated)")
    add_flag(parser, "--hksj-adhoc", "HKSJ with the ad hoc truncation (never narrower than Wald)")
    parser.add_argument(
        "--level",
        type=float,
        default=0.95,
        help="confidence level for CIs and the prediction interval (0.95)",
    )
    add_value(
        parser,
        "--subgroup",
        "COLUMN",
        "pool each level of COLUMN and test for subgroup differences",
    )
    add_flag(parser, "--common-tau2", "with --subgroup: one tau2 across levels (default: separate)")
    add_flag(parser, "--leave-one-out", "re-run the analysis with each study omitted")
    add_value(
        parser,
        "--cumulative",
        "COLUMN",
        "cumulative meta-analysis, studies added in order of COLUMN",
    )
    add_formats(parser, ("text", "json"), "text (RevMan-style summary, default) or json")


def run(args: argparse.Namespace) -> int:
    """Read, pool and print; user errors raise EvregError (exit 1)."""
    from evreg.cli import pool_output
    from evreg.data.effects import read_effects
    from evreg.review import pooling

    if not 0.0 < args.level < 1.0:
        raise EvregError(f"--level {args.level:g} must be between 0 and 1 (e.g. 0.95)")
    extra = tuple(dict.fromkeys(c for c in (args.subgroup, args.cumulative) if c))
    table = read_effects(args.file, extra)
    options = pooling.PoolOptions(
        method=args.method,
        hksj=args.hksj,
        hksj_adhoc=args.hksj_adhoc,
        level=args.level,
        measure=args.measure,
        subgroup=args.subgroup,
        common_tau2=args.common_tau2,
        leave_one_out=args.leave_one_out,
        cumulative=args.cumulative,
    )
    out, notes = pooling.analyse(table, options)
    if args.format == "json":
        sys.stdout.write(pool_output.render_json(out) + "\n")
    else:
        sys.stdout.write(pool_output.render_text(out, notes, args.level, table.path))
    return 0

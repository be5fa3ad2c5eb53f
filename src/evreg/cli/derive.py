"""`evreg derive`: a hazard ratio from what a paper prints (log-rank statistics, O-E and
variance, an HR with its CI or p, Kaplan-Meier curves with numbers at risk).

Example::

    evreg derive logrank --p 0.004 --events 80 --worse high --format json

Formulas are :mod:`evreg.stats.derive` (Tierney 2007, Guyot 2012); inputs to estimate and
reports are :mod:`evreg.review.derived`, the code `evreg add-study` and `evreg build` use.
This module only parses arguments, calls and prints.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from evreg.cli.options import add_format
from evreg.data.writes import replace_file
from evreg.errors import EvregError

EXAMPLES = {
    "logrank": "evreg derive logrank --p 0.004 --events 80 --worse high\n"
    "  evreg derive logrank --chisq 25.42 --events 96 --ratio 1.2 --worse high --format json",
    "oe": "evreg derive oe --o-minus-e 8.5 --variance 19.2",
    "ci": "evreg derive ci --hr 1.85 --ci-lower 1.21 --ci-upper 2.83\n"
    "  evreg derive ci --hr 1.85 --p 0.004",
    "km": "evreg derive km --curve low=low.csv --curve high=high.csv --at-risk at-risk.csv \\\n"
    "      --reference low --events low=85 --events high=46 --ipd ipd.csv",
}
PURPOSES = {
    "logrank": "HR from a log-rank p or chi-squared and the number of events (Tierney 2007)",
    "oe": "HR from O-E (observed minus expected events) and its variance (Tierney 2007)",
    "ci": "SE of a printed HR from its CI (rounded or asymmetric) or its p (Tierney 2007)",
    "km": "HR from two Kaplan-Meier curves and numbers at risk (Guyot 2012, then Cox)",
}
KM_EPILOG = """\
curve files: digitised points, columns time,survival (survival 0-1 or percent: detected and
stated). Unsorted points, small rises and points a little above 1 are cleaned with a note;
a curve that rises or leaves 0-1 by more than 0.02 is refused, naming the line.
at-risk file: time,<label>,<label>: the numbers at risk printed under the figure, from 0.
"""


def _sub(sub: argparse._SubParsersAction, name: str, epilog: str = "") -> argparse.ArgumentParser:
    p = sub.add_parser(
        name,
        prog=f"evreg derive {name}",
        description=f"{PURPOSES[name]}. Example: {EXAMPLES[name].splitlines()[0]}",
        epilog=f"{epilog}\nexamples:\n  {EXAMPLES[name]}\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_format(
        p,
        "the HR, CI, SE, method, inputs and notes (default)",
        "hr, ci_lower, ci_upper, log_hr, se, method, inputs, notes",
    )
    return p


def _worse(p: argparse.ArgumentParser, required: bool) -> None:
    p.add_argument(
        "--worse",
        choices=("high", "low"),
        required=required,
        help="the group with the shorter survival (ln HR > 0 when it is 'high')",
    )


def configure(parser: argparse.ArgumentParser) -> None:
    """Sub-commands of `evreg derive`."""
    parser.description = "Derive a hazard ratio (high vs low) from what a paper prints."
    parser.epilog = "examples:\n" + "\n".join(f"  {e}" for e in EXAMPLES.values())
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    sub = parser.add_subparsers(dest="method", metavar="METHOD", required=True)
    p = _sub(sub, "logrank")
    stat = p.add_mutually_exclusive_group(required=True)
    stat.add_argument("--p", help="two-sided log-rank p as printed (0.004, <0.001)")
    stat.add_argument("--chisq", help="log-rank chi-squared (1 df) as printed")
    p.add_argument("--events", required=True, help="total number of events, both groups")
    p.add_argument("--ratio", default="1", help="allocation ratio n_high / n_low (default 1)")
    _worse(p, True)
    p = _sub(sub, "oe")
    p.add_argument("--o-minus-e", required=True, help="O-E of the high group")
    p.add_argument("--variance", required=True, help="variance V of O-E")
    _worse(p, False)
    p = _sub(sub, "ci")
    p.add_argument("--hr", required=True, help="hazard ratio as printed")
    p.add_argument("--p", help="two-sided p of the HR (instead of a CI)")
    p.add_argument("--ci-lower", help="lower 95%% CI bound as printed")
    p.add_argument("--ci-upper", help="upper 95%% CI bound as printed")
    p = _sub(sub, "km", KM_EPILOG)
    p.add_argument(
        "--curve",
        action="append",
        required=True,
        metavar="LABEL=FILE.csv",
        help="a digitised curve (give two)",
    )
    p.add_argument("--at-risk", required=True, metavar="FILE.csv", help="numbers at risk")
    p.add_argument(
        "--reference",
        required=True,
        metavar="LABEL",
        help="the reference group (the HR is the other group vs this one)",
    )
    p.add_argument(
        "--events",
        action="append",
        default=[],
        metavar="LABEL=N",
        help="a group's total events, if printed (improves the reconstruction)",
    )
    p.add_argument(
        "--ipd", metavar="OUT.csv", help="write the reconstructed data (group,time,event)"
    )


def _inputs(args: argparse.Namespace) -> dict[str, object]:
    from evreg.data.derivations import STAT_INPUTS
    from evreg.review.derived import parse_pairs

    if args.method == "km":
        return {
            "curves": parse_pairs(args.curve, "--curve"),
            "at_risk": args.at_risk,
            "reference": args.reference,
            "events": parse_pairs(args.events, "--events"),
        }
    return {k: getattr(args, k) for k in STAT_INPUTS if getattr(args, k, None) is not None}


def _ci_method(args: argparse.Namespace) -> str:
    bounds = (args.ci_lower is not None) + (args.ci_upper is not None)
    if args.p is not None and bounds == 0:
        return "p"
    if args.p is None and bounds == 2:
        return "ci"
    raise EvregError("give --ci-lower and --ci-upper, or --p (not both)")


def run(args: argparse.Namespace) -> int:
    """Derive and print; a bad input raises EvregError (exit 1) before anything is written."""
    from evreg.cli.derive_output import render_json, render_text
    from evreg.review import derived

    method = _ci_method(args) if args.method == "ci" else args.method
    inputs = _inputs(args)
    if method == "km":
        est, groups = derived.derive_km(inputs)
        if args.ipd:
            _write(Path(args.ipd), derived.ipd_csv(groups))
    else:
        est = derived.derive(method, inputs)
    out = render_json(est) if args.format == "json" else render_text(est)
    sys.stdout.write(out)
    return 0


def _write(path: Path, text: str) -> None:
    try:
        replace_file(path, text.encode("utf-8"))
    except OSError as exc:
        raise EvregError(f"--ipd {path}: cannot write ({exc.strerror})") from None

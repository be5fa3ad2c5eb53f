"""``evreg screen ID --include-as STUDY_ID | --exclude REASON``: record a screening decision.

Example::

    evreg screen he-2025 --exclude "no HR for PFS or OS"
    evreg add-study --from-candidate yang-2023 > yang.yaml   # fill in, then:
    evreg add-study yang.yaml                                # (marks the record included)
    evreg screen lee-2026 --include-as lee-2026              # a study already added

The record must be awaiting assessment. An excluded record needs a reason from the fixed list
of schemas/candidates.json (PRISMA 2020 reports exclusions by reason); an included record names
the added study of data/studies.csv it became. data/candidates.csv is changed only if the
package stays valid.
"""

from __future__ import annotations

import argparse

from evreg.cli import options


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``evreg screen``."""
    options.document(parser, "example: evreg screen he-2025 --exclude 'no HR for PFS or OS'")
    parser.add_argument("candidate_id", metavar="ID", help="the screening record (candidate_id)")
    decision = parser.add_mutually_exclusive_group(required=True)
    options.add_value(decision, "--include-as", "STUDY_ID", "included: the added study it became")
    options.add_value(
        decision,
        "--exclude",
        "REASON",
        "excluded, with a reason from the fixed list (e.g. 'not HCC', 'not ICI', 'no IL-6 or "
        "SII', 'no HR for PFS or OS'; see schemas/candidates.json)",
    )
    options.add_package(parser)


def run(args: argparse.Namespace) -> int:
    """Record the decision and print it."""
    from evreg.living.add_study import descriptor_file
    from evreg.living.screen import screen

    result = screen(descriptor_file(args.package), args.candidate_id, args.include_as, args.exclude)
    how = (
        f"included as {result.included_as}"
        if result.included_as
        else f"excluded ({result.exclusion_reason})"
    )
    print(f"{result.candidate_id}: {how}; wrote {result.file}")
    return 0

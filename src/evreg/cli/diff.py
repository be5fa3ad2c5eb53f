"""``evreg diff REF``: how the results at REF (a data version or git ref) differ from the
working tree's.

Example::

    evreg diff origin/main              # markdown, ready for a pull-request comment
    evreg diff 1.0.0 --format json      # against data version 1.0.0, as one JSON object

Both packages are validated and run through the same analysis plan; the output lists which
analyses change, k, HR [95% CI] and p before and after, changes of significance or of the
model the review's rule picks, estimates added or removed, data rows changed and new warnings.
Exit 1 if the working tree's package has validation errors.
"""

from __future__ import annotations

import argparse
import sys

from evreg.cli import options


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``evreg diff``."""
    options.document(parser, "example: evreg diff origin/main > diff.md")
    parser.add_argument(
        "ref",
        metavar="REF",
        help="a data version (1.0.0 or v1.0.0: the commit that set it, found in the package's "
        "history) or a git commit, branch or tag",
    )
    options.add_package(parser)
    options.add_formats(
        parser, ("markdown", "json"), "markdown (default, for a PR comment) or json"
    )


def run(args: argparse.Namespace) -> int:
    """Print the diff; 1 if the working tree's package has validation errors."""
    from evreg.living import add_study as living
    from evreg.living import diff as living_diff
    from evreg.living import report

    diff = living_diff.diff_against_ref(args.ref, living.descriptor_file(args.package))
    render = report.render_json if args.format == "json" else report.render_markdown
    sys.stdout.write(render(diff))
    return 1 if diff.errors else 0

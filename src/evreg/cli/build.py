"""evreg build: validate, run the analysis plan and build the static site.

Example::

    evreg build                                   # ./datapackage.json -> site_build/
    evreg build --package examples/hackshaw1998/datapackage.json --out /tmp/ets-site

The site is built in a temporary directory next to ``--out`` and swapped in only when
everything succeeded (:func:`evreg.site.output.build_to`). Progress is shown on a terminal;
``CI`` or a non-terminal stays quiet.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from evreg.cli import options

EXAMPLES = """examples:
  evreg build                                    # ./datapackage.json -> site_build/
  evreg build --package examples/hackshaw1998/datapackage.json --out /tmp/ets-site
  evreg build --jobs 1                           # render charts in this process only
"""


def configure(parser: argparse.ArgumentParser) -> None:
    options.document(parser, EXAMPLES)
    options.add_package(parser)
    options.add_value(
        parser,
        "--out",
        "DIR",
        "output directory (default: site_build/); replaced only on success",
        default="site_build",
    )
    options.add_flag(parser, "--quiet", "no progress display")
    options.add_verbose(parser)
    options.add_flag(
        parser,
        "--no-cache",
        "render every chart afresh (default: reuse ~/.cache/evreg or $EVREG_CACHE_DIR; cached "
        "files are identical to fresh renders)",
    )
    parser.add_argument(
        "--jobs",
        type=positive_int,
        default=None,
        metavar="N",
        help="worker processes rendering charts (default: $EVREG_WORKERS, else one per "
        "CPU; 1: no workers); the site is the same whatever N",
    )


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is less than 1")
    return value


def show_progress(args: argparse.Namespace) -> bool:
    """Progress only on a terminal, never in CI or a pipe, and not with --quiet."""
    return not args.quiet and sys.stderr.isatty() and not os.environ.get("CI")


def run(args: argparse.Namespace) -> int:
    from evreg.cli.progress import Progress
    from evreg.site.output import build_to

    progress = Progress(show_progress(args))
    summary = build_to(
        args.package,
        Path(args.out),
        progress,
        use_cache=not args.no_cache,
        verbose=args.verbose,
        workers=args.jobs,
    )
    progress.done(summary)
    return 0

"""``evreg add-study FILE.yaml``: add a study and its estimates, only if the package stays valid.

Example::

    evreg add-study --template > smith-2026.yaml   # fill it in
    evreg add-study smith-2026.yaml                 # checks everything, then appends the rows

The new rows are appended to a copy of the package, which is validated with every schema and
domain check; only if it has no error are ``data/studies.csv`` and ``data/estimates.csv``
replaced (append only, in the files' own CSV style). Otherwise: the findings, exit 1, no file
changed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from evreg.errors import EvregError


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``evreg add-study``."""
    parser.epilog = (
        "example: evreg add-study --template > smith-2026.yaml; evreg add-study smith-2026.yaml"
    )
    parser.add_argument("file", nargs="?", metavar="FILE.yaml", help="the filled-in template")
    parser.add_argument(
        "--template", action="store_true", help="print a commented YAML template and exit"
    )
    parser.add_argument(
        "--package", default="datapackage.json", metavar="PATH", help="the data package"
    )
    parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="text (default) or json"
    )


def run(args: argparse.Namespace) -> int:
    """Print the template, or validate and append the study; 1 if it has errors."""
    from evreg.data.template import render_template
    from evreg.living import add_study as living

    package = living.descriptor_file(args.package)
    if args.template:
        sys.stdout.write(render_template(package))
        return 0
    if not args.file:
        raise EvregError("give FILE.yaml, or --template to print one", exit_code=2)
    result = living.add_study(package, Path(args.file))
    if args.format == "json":
        import json

        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        _print_text(result)
    return 0 if result.added else 1


def _print_text(result: object) -> None:
    for line in (*getattr(result, "errors", ()), *getattr(result, "warnings", ())):
        print(line, file=sys.stderr)
    if getattr(result, "added", False):
        ids = ", ".join(result.estimate_ids) or "no estimates"  # type: ignore[attr-defined]
        files = " and ".join(result.files)  # type: ignore[attr-defined]
        print(f"added study {result.study_id} ({ids}) to {files}")  # type: ignore[attr-defined]
    else:
        n = len(getattr(result, "errors", ()))
        print(f"not added: {n} error(s); no file was changed", file=sys.stderr)

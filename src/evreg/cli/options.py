"""Options several commands share: the package to read and the output format."""

from __future__ import annotations

import argparse


def package_and_format(parser: argparse.ArgumentParser, text: str, json: str) -> None:
    """``--package PATH`` (default ./datapackage.json) and ``--format text|json``, with what
    each format prints."""
    parser.add_argument(
        "--package",
        default="datapackage.json",
        metavar="PATH",
        help="datapackage.json or its directory (default: ./datapackage.json)",
    )
    output_format(parser, text, json)


def output_format(parser: argparse.ArgumentParser, text: str, json: str) -> None:
    """``--format text|json`` (default text), with what each format prints."""
    parser.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help=f"text: {text}; json: {json}",
    )

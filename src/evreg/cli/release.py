"""``evreg release [major|minor|patch|auto]``: bump the data version, write the changelog.

Example::

    evreg release                       # auto: minor if data were added or results changed
    evreg release patch --date 2026-12-01
    evreg release major --since 1.2.0   # a new literature search

MAJOR is a new search (only on request), MINOR added or changed data, PATCH a correction that
changes no result (refused if any result changes). The previous release is the commit that set
the current version in datapackage.json, found in the package's own git history (any clone,
tags or not), unless ``--since REF`` is given. Writes ``version`` and ``created`` in
datapackage.json (formatting kept), CITATION.cff's version and date, the version cells of rows
added since, and a CHANGELOG.md entry with the diff of results: all of them or none.
"""

from __future__ import annotations

import argparse

from evreg.cli import options


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``evreg release``."""
    options.document(parser, "example: evreg release minor --date 2026-12-01")
    parser.add_argument(
        "part",
        nargs="?",
        default="auto",
        choices=("major", "minor", "patch", "auto"),
        help="major: a new search; minor: added or changed data; patch: a correction that "
        "changes no result; auto (default): minor or patch from the diff",
    )
    options.add_date(parser, "--date", "release date (default: today, UTC)")
    options.add_value(
        parser,
        "--since",
        "REF",
        "previous release: a data version or git ref (default: the commit that set the current "
        "version)",
    )
    options.add_package(parser)
    options.add_value(
        parser, "--changelog", "PATH", "changelog file (default: CHANGELOG.md beside the package)"
    )
    options.add_value(
        parser,
        "--note",
        "TEXT",
        "a sentence for the CHANGELOG entry, above the generated diff (e.g. what the release is "
        "for)",
        default="",
    )
    options.add_dry_run(parser, "print the entry, change no file")


def run(args: argparse.Namespace) -> int:
    """Bump and write; print the new version and the next git commands."""
    from pathlib import Path

    from evreg.living import add_study as living
    from evreg.living import release as living_release

    package = living.descriptor_file(args.package)
    changelog = Path(args.changelog) if args.changelog else package.parent / "CHANGELOG.md"
    release = living_release.release(
        package,
        args.part,
        date=args.date,
        since=args.since,
        changelog=changelog,
        write=not args.dry_run,
        note=args.note,
    )
    if args.dry_run:
        print(release.entry)
        return 0
    print(f"released data version {release.version} ({release.part}, since {release.since})")
    print(
        f"wrote {package} and {changelog}; next: git commit -am 'Release "
        f"{release.version}' && git tag v{release.version}"
    )
    return 0

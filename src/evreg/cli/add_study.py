"""``evreg add-study FILE.yaml``: add a study and its estimates, only if the package stays valid.

Example::

    evreg add-study --template > smith-2026.yaml            # fill it in
    evreg add-study --from-candidate yang-2023 > yang.yaml  # pre-filled from a screening record
    evreg add-study smith-2026.yaml                         # checks everything, appends the rows
    evreg add-study --from-issue BODY.md --format markdown  # a submitted "Submit a study" form

The study is recorded as added since the source review (``in_review`` false) in the next minor
data version. The new rows are appended to a copy of the package, which is validated with every
schema and domain check; only if it has no error are ``data/studies.csv`` and
``data/estimates.csv`` replaced (append only, in the files' own CSV style; a named screening
record is marked included in ``data/candidates.csv``), all of them or none, and the files
changed are printed with the ``git add`` that commits them. Otherwise: the findings, exit 1,
no file changed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from evreg.cli import options
from evreg.errors import EvregError


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``evreg add-study``."""
    options.document(
        parser,
        "example: evreg add-study --template > smith-2026.yaml; evreg add-study smith-2026.yaml",
    )
    parser.add_argument("file", nargs="?", metavar="FILE.yaml", help="the filled-in template")
    source = parser.add_mutually_exclusive_group()
    options.add_flag(source, "--template", "print a commented YAML template and exit")
    options.add_value(
        source,
        "--from-candidate",
        "ID",
        "print the template pre-filled from screening record ID (data/candidates.csv)",
    )
    options.add_value(
        source,
        "--from-issue",
        "BODY.md",
        "add the study of a submitted 'Submit a study' issue form (its body as a file)",
    )
    options.add_value(
        parser,
        "--form",
        "FORM.yml",
        "the issue form (default: .github/ISSUE_TEMPLATE/submit-a-study.yml by the package)",
    )
    options.add_package(parser)
    options.add_formats(
        parser,
        ("text", "json", "markdown"),
        "text (default), json, or markdown (for an issue comment)",
    )


def run(args: argparse.Namespace) -> int:
    """Print a template, or validate and append the study; 1 if it has errors."""
    from evreg.living import add_study as living

    package = living.descriptor_file(args.package)
    if args.template or args.from_candidate:
        from evreg.data.template import render_template

        text = (
            living.candidate_template(package, args.from_candidate)
            if args.from_candidate
            else render_template(package)
        )
        sys.stdout.write(text)
        return 0
    if args.from_issue and args.file:
        raise EvregError("give FILE.yaml or --from-issue BODY.md, not both", exit_code=2)
    if not (args.file or args.from_issue):
        raise EvregError("give FILE.yaml, or --template to print one", exit_code=2)
    try:
        result = _add(args, package)
    except EvregError as exc:
        if args.format != "markdown":
            raise
        from evreg.living.report import error_markdown

        sys.stdout.write(error_markdown(str(exc)))
        print(f"evreg add-study: error: {exc}", file=sys.stderr)
        return exc.exit_code
    _print(result, args.format, args.from_issue or args.file, _form_words(args, package))
    return 0 if result.added else 1


def _add(args: argparse.Namespace, package: Path) -> object:
    from evreg.living import add_study as living

    if not args.from_issue:
        return living.add_study(package, Path(args.file))
    from evreg.living.issue_form import form_file, read_issue

    submission = read_issue(Path(args.from_issue), form_file(package, args.form))
    return living.add_submission(package, submission, args.from_issue)


def _form_words(args: argparse.Namespace, package: Path) -> object:
    """With --from-issue, how to say problems in the form's language (else None)."""
    if not args.from_issue:
        return None
    from evreg.living.form_errors import form_words
    from evreg.living.issue_form import form_file, load_form

    return form_words(package, load_form(form_file(package, args.form)))


def _print(result: object, fmt: str, source: str, form: object = None) -> None:
    if fmt == "json":
        import json

        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))  # type: ignore[attr-defined]
    elif fmt == "markdown":
        from evreg.living.report import add_study_markdown

        sys.stdout.write(add_study_markdown(result, source, form))
        _print_text(result, stdout=False)
    else:
        _print_text(result)


def _print_text(result: object, stdout: bool = True) -> None:
    for line in (*getattr(result, "errors", ()), *getattr(result, "warnings", ())):
        print(line, file=sys.stderr)
    if getattr(result, "added", False):
        out = sys.stdout if stdout else sys.stderr
        ids = ", ".join(result.estimate_ids) or "no estimates"  # type: ignore[attr-defined]
        files = " ".join(result.files)  # type: ignore[attr-defined]
        version = result.added_in_version  # type: ignore[attr-defined]
        print(
            f"added study {result.study_id} ({ids}) "  # type: ignore[attr-defined]
            f"as a study added since the review in data version {version}",
            file=out,
        )
        print(f"changed: {files}", file=out)
        print(f"to commit them: git add -- {files}", file=out)
    else:
        n = len(getattr(result, "errors", ()))
        print(f"not added: {n} error(s); no file was changed", file=sys.stderr)

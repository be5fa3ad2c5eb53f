"""A search's outcome (:class:`evreg.living.search.SearchResult`) as text for the terminal and
as markdown for the pull request the search workflow opens (every PubMed text escaped)."""

from __future__ import annotations

from typing import Any

from evreg.living.report import md_escape


def _counts(result: Any) -> str:
    n_new = len(result.new)
    return (
        f"{result.records_returned} record(s) returned, {len(result.known)} already known, "
        f"{len(result.warnings)} skipped, {n_new} new"
    )


def search_text(result: Any) -> str:
    """The search, one line per new record, and what was (or would be) written."""
    head = f"{result.database} search {result.search_id}"
    lines = [
        head + (" (dry run: nothing written)" if result.dry_run else ""),
        f"window: published {result.since} to {result.until}",
        _counts(result),
    ]
    for row in result.new:
        lines.append(
            f"  new {row['candidate_id']}: PMID {row['pmid']}, {row['first_author']} "
            f"{row['year']}, {row['title']}"
        )
    for pmid, why in result.known:
        lines.append(f"  known PMID {pmid}: {why}")
    if result.dry_run:
        lines.append(
            f"would add {len(result.new)} screening record(s) awaiting assessment and the "
            "search to the search history"
        )
    else:
        lines.append(f"wrote {' and '.join(result.written)}")
    return "\n".join(lines) + "\n"


def search_markdown(result: Any) -> str:
    """The pull request's summary comment: the search, then a table of the new records."""
    lines = [
        f"## New records from {md_escape(result.database)} search {md_escape(result.search_id)}",
        "",
        f"Publication dates {md_escape(result.since)} to {md_escape(result.until)}: "
        f"{md_escape(_counts(result))}. Run by {md_escape(result.history.get('run_by', ''))}.",
        "",
    ]
    if result.new:
        lines += [
            "Each is added to `data/candidates.csv` as **awaiting assessment**; screen it with "
            "`evreg screen ID --include-as STUDY_ID` or `--exclude REASON`.",
            "",
            "| Record | PMID | First author, year | Title | Journal |",
            "|---|---|---|---|---|",
        ]
        for row in result.new:
            cells = (
                row["candidate_id"],
                row["pmid"],
                f"{row['first_author']} {row['year']}",
                row["title"],
                row["journal"],
            )
            lines.append("| " + " | ".join(md_escape(c, 200) for c in cells) + " |")
        lines.append("")
    if result.warnings:
        lines += ["Skipped (check by hand):", ""]
        lines += [f"- {md_escape(w)}" for w in result.warnings]
        lines.append("")
    return "\n".join(lines)

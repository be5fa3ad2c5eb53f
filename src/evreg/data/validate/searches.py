"""The search history against itself and the screening records: a window that ends before it
starts, more new records than records returned, a screening record naming a search the history
does not hold, and a search's new-record count that its records do not bear out."""

from __future__ import annotations

from collections.abc import Iterator

from evreg.data.validate.finding import Finding, Rows, quote, register, warning

TEMPLATES = register(
    {
        "search-window-reversed": "{until} is before since ({since})",
        "search-new-exceeds-returned": "{new} new of {returned} records returned",
        "search-new-below-screened": warning(
            "{new}, but {listed} screening records of {candidates} name this search"
        ),
        "unknown-search": "{value} is not a search of {history}",
    }
)


def check_search_history(history: tuple[str, Rows], cands: tuple[str, Rows]) -> Iterator[Finding]:
    """Windows in order, counts consistent, and every candidate's search_id known."""
    file, rows = history
    found: dict[str, int] = {}
    for _, row in cands[1]:
        sid = row.get("search_id", "").strip()
        if sid:
            found[sid] = found.get(sid, 0) + 1
    ids = set()
    for line, row in rows:
        ids.add(row.get("search_id", ""))
        since, until = row.get("since", ""), row.get("until", "")
        if since and until and since > until:
            window = {"until": until, "since": since}
            yield Finding.coded("search-window-reversed", file, line, "until", **window)
        returned, new = _int(row.get("records_returned")), _int(row.get("new_records"))
        if returned is not None and new is not None and new > returned:
            counts = {"new": new, "returned": returned}
            yield Finding.coded("search-new-exceeds-returned", file, line, "new_records", **counts)
        listed = found.get(row.get("search_id", ""), 0)
        if new is not None and listed > new:
            said = {"new": new, "listed": listed, "candidates": cands[0]}
            yield Finding.coded("search-new-below-screened", file, line, "new_records", **said)
    for line, row in cands[1]:
        sid = row.get("search_id", "").strip()
        if sid and sid not in ids:
            value = quote(sid)
            yield Finding.coded(
                "unknown-search", cands[0], line, "search_id", value=value, history=file
            )


def _int(text: str | None) -> int | None:
    try:
        return int(text or "")
    except ValueError:
        return None

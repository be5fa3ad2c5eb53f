"""Screening since the source review, counted for a PRISMA 2020 flow diagram of an updated
review (Page et al. 2021, BMJ 372:n71, the template for updated reviews).

The source review's own flow (its records and its included studies) stays apart from the
registry's: records identified since (screening records in candidates.csv, plus studies added
directly by contributors without one; of these, the records found by ``evreg search`` carry a
search_id, and the search history gives the records each search returned, those already known
being removed before screening), those still awaiting assessment, those assessed,
excluded with a reason from the schema's fixed list, and the new studies included. The total is
the review's studies plus the new ones; no count treats a candidate as an included study.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from evreg.data.scope import in_review
from evreg.stats.core import Serialisable


@dataclass(frozen=True)
class ScreeningCounts(Serialisable):
    """The counts of a PRISMA 2020 flow for an updated review (see the module docstring)."""

    review_records: int | None
    review_reported: int | None
    review_studies: int
    records: int
    contributed: int
    identified: int
    awaiting: int
    assessed: int
    excluded: int
    reasons: tuple[tuple[str, int], ...]
    new_studies: int
    total: int
    with_data: int | None
    searches: int = 0
    searched: int = 0
    known_removed: int = 0
    from_searches: int = 0

    @property
    def by_hand(self) -> int:
        """Records that entered screening without a search: screening records with no
        search_id, plus studies contributed directly."""
        return self.identified - self.from_searches

    @property
    def pending(self) -> int | None:
        """Studies without a usable estimate in any analysis (None when not computed)."""
        return None if self.with_data is None else self.total - self.with_data


def _reason_order(package: Any) -> list[str]:
    """The exclusion reasons in the order the candidates schema lists them."""
    for field in package.schemas.get("candidates", {}).get("fields", ()):
        if field.get("name") == "exclusion_reason":
            return [str(r) for r in (field.get("constraints") or {}).get("enum", ())]
    return []


def screening_counts(package: Any, used_study_ids: Sequence[str] | None = None) -> ScreeningCounts:
    """Count the flow from a loaded package; ``used_study_ids``: the studies with a usable
    estimate in at least one analysis (from the results), or None to leave that count out."""
    studies = package.studies
    records = package.candidates
    added = [s["study_id"] for s in studies if not in_review(s)]
    linked = {r.get("included_as") for r in records if r.get("screening_status") == "included"} - {
        None
    }
    contributed = len([sid for sid in added if sid not in linked])
    status = [r.get("screening_status") for r in records]
    reasons: dict[str, int] = {}
    for r in records:
        if r.get("screening_status") == "excluded":
            reason = r.get("exclusion_reason") or "reason not recorded"
            reasons[reason] = reasons.get(reason, 0) + 1
    order = _reason_order(package)
    ranked = sorted(reasons.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 99)
    counts = package.review.get("prisma_counts_reported") or {}
    identified = len(records) + contributed
    n_review = len(studies) - len(added)
    with_data = None
    if used_study_ids is not None:
        known = {s["study_id"] for s in studies}
        with_data = len(set(used_study_ids) & known)
    history = getattr(package, "search_history", ())
    returned = sum(int(h.get("records_returned") or 0) for h in history)
    added_by_search = sum(int(h.get("new_records") or 0) for h in history)
    return ScreeningCounts(
        searches=len(history),
        searched=returned,
        known_removed=max(returned - added_by_search, 0),
        from_searches=len([r for r in records if r.get("search_id")]),
        review_records=counts.get("records_identified"),
        review_reported=counts.get("studies_included"),
        review_studies=n_review,
        records=len(records),
        contributed=contributed,
        identified=identified,
        awaiting=status.count("awaiting"),
        assessed=identified - status.count("awaiting"),
        excluded=status.count("excluded"),
        reasons=tuple(ranked),
        new_studies=len(added),
        total=len(studies),
        with_data=with_data,
    )

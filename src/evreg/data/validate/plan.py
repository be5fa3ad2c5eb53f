"""Plan checks: the analyses (links, what they would pool), the published results and the
candidate studies, against each other and the estimates and studies."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from evreg.data.package import qualifies
from evreg.data.validate.finding import Finding, Rows, quote, register, warning

TEMPLATES = register(
    {
        "subgroup-link-incomplete": (
            "a subgroup analysis needs both subgroup_variable and parent_analysis; an overall "
            "analysis neither"
        ),
        "parent-unknown": "{value} is not an analysis_id",
        "parent-not-overall": "{value} must be an overall analysis (no parent of its own)",
        "differs-from-parent": "{value} differs from {parent_value} in parent {parent}",
        "analysis-without-estimates": warning("no estimate qualifies for this analysis"),
        "analysis-mixes-estimates": warning(
            "{analysis} pools estimates that mix {what} ({detail})"
        ),
        "direction-unknown": warning(
            "unknown direction, but the hr qualifies for {analyses}: it cannot be harmonised to "
            "high vs low; give the comparison as printed"
        ),
        "subgroup-level-missing": "analysis {analysis} needs a subgroup_level",
        "subgroup-level-unexpected": "analysis {analysis} must not have a subgroup_level",
        "published-result-repeated": (
            "a second result for {analysis} {level} (first on line {first_line})"
        ),
        "candidate-already-included": warning("already included as {study} in {studies}"),
    }
)

EXPOSURE_FAMILY = {
    "high_vs_low": "level (high vs low)",
    "low_vs_high": "level (high vs low)",
    "increase_vs_decrease": "change (increase vs decrease)",
    "decrease_vs_increase": "change (increase vs decrease)",
    "unknown": "unknown",
}


def check_analysis_links(file_rows: tuple[str, Rows]) -> Iterator[Finding]:
    """parent_analysis exists, is set exactly for subgroup analyses, same biomarker/outcome."""
    file, rows = file_rows
    by_id = {row.get("analysis_id"): row for _, row in rows}
    for line, row in rows:
        parent_id, variable = row.get("parent_analysis", ""), row.get("subgroup_variable", "")
        if bool(parent_id) != bool(variable):
            yield Finding.coded("subgroup-link-incomplete", file, line, "parent_analysis")
        if not parent_id:
            continue
        parent = by_id.get(parent_id)
        if parent is None:
            value = quote(parent_id)
            yield Finding.coded("parent-unknown", file, line, "parent_analysis", value=value)
        elif parent_id == row.get("analysis_id") or parent.get("parent_analysis"):
            value = parent_id
            yield Finding.coded("parent-not-overall", file, line, "parent_analysis", value=value)
        else:
            for key in ("biomarker", "outcome"):
                if parent.get(key) != row.get(key):
                    yield Finding.coded(
                        "differs-from-parent",
                        file,
                        line,
                        key,
                        value=row.get(key),
                        parent_value=parent.get(key),
                        parent=parent_id,
                    )


def _criteria(row: dict) -> tuple:
    keys = ("biomarker", "outcome", "timepoints", "comparisons", "models")
    return tuple(row.get(k) for k in keys)


def check_analysis_mix(analyses: tuple[str, Rows], est: tuple[str, Rows]) -> Iterator[Finding]:
    """Warn when an analysis's qualifying estimates mix time points or exposures (comparison
    families), or when none qualifies. Subgroup analyses with the parent's criteria are skipped."""
    file, rows = analyses
    by_id = {row.get("analysis_id"): row for _, row in rows}
    for line, row in rows:
        parent = by_id.get(row.get("parent_analysis") or None)
        if parent is not None and _criteria(parent) == _criteria(row):
            continue
        hits = [e for _, e in est[1] if qualifies(e, row)]
        if not hits:
            yield Finding.coded("analysis-without-estimates", file, line, "analysis_id")
            continue
        for mix in estimate_mixes(hits):
            yield Finding.coded(
                "analysis-mixes-estimates",
                file,
                line,
                mix.field,
                analysis=row.get("analysis_id"),
                what=mix.what,
                detail=mix.detail,
            )


@dataclass(frozen=True)
class Mix:
    """Estimates pooled together that differ in one respect: the plan field it concerns, what
    differs ("time points", "exposures") and the estimate ids by value."""

    field: str
    what: str
    groups: dict[str, list[str]]

    @property
    def detail(self) -> str:
        """ "baseline: a, b; on_treatment: c" """
        return _detail(self.groups)

    @property
    def detail_in_words(self) -> str:
        """ "baseline: a, b; on treatment: c" (values in words, not codes)"""
        return _detail({k.replace("_", " "): v for k, v in self.groups.items()})


def _detail(groups: dict[str, list[str]]) -> str:
    return "; ".join(f"{k}: {', '.join(v)}" for k, v in groups.items())


def _family(estimate: dict) -> str:
    return EXPOSURE_FAMILY.get(estimate.get("comparison") or "", "unknown")


# What estimates pooled together must share: (plan field, what, the estimate's value).
MIXES: tuple[tuple[str, str, Callable[[dict], str]], ...] = (
    ("timepoints", "time points", lambda e: e.get("timepoint") or ""),
    ("comparisons", "exposures", _family),
)


def estimate_mixes(estimates: list[dict]) -> list[Mix]:
    """Each way the estimates (rows as printed or typed) mix time points or exposures
    (comparison families): what ``evreg validate`` warns about, and what the certainty rating
    calls indirectness."""
    out = []
    for field, what, key in MIXES:
        groups = _group(estimates, key)
        if len(groups) > 1:
            out.append(Mix(field, what, groups))
    return out


def check_unknown_direction(est: tuple[str, Rows], analyses: tuple[str, Rows]) -> Iterator[Finding]:
    """An estimate with numbers but an unknown direction that an analysis would pool."""
    file, rows = est
    for line, e in rows:
        if e.get("comparison") != "unknown" or not e.get("hr", "").strip():
            continue
        ids = [a.get("analysis_id", "?") for _, a in analyses[1] if qualifies(e, a)]
        if ids:
            which = ", ".join(ids)
            yield Finding.coded("direction-unknown", file, line, "comparison", analyses=which)


def _group(rows: list[dict], key: Callable[[dict], str]) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for row in rows:
        groups.setdefault(key(row), []).append(row.get("estimate_id", "?"))
    return dict(sorted(groups.items()))


def check_published_links(
    published: tuple[str, Rows], analyses: tuple[str, Rows]
) -> Iterator[Finding]:
    """analysis_id exists; subgroup_level set exactly for subgroup analyses; one row per level."""
    file, rows = published
    by_id = {row.get("analysis_id"): row for _, row in analyses[1]}
    seen: dict[tuple, int] = {}
    for line, row in rows:
        analysis = by_id.get(row.get("analysis_id"))
        level = row.get("subgroup_level", "")
        if analysis is None:
            value = quote(row.get("analysis_id", ""))
            yield Finding.coded(
                "unknown-analysis", file, line, "analysis_id", value=value, analyses=analyses[0]
            )
        elif bool(analysis.get("subgroup_variable")) != bool(level):
            code = (
                "subgroup-level-missing"
                if analysis.get("subgroup_variable")
                else "subgroup-level-unexpected"
            )
            yield Finding.coded(code, file, line, "subgroup_level", analysis=row.get("analysis_id"))
        key = (row.get("analysis_id"), level)
        if key in seen:
            yield Finding.coded(
                "published-result-repeated",
                file,
                line,
                "subgroup_level",
                analysis=key[0],
                level=level or "overall",
                first_line=seen[key],
            )
        seen.setdefault(key, line)


def check_candidates(cands: tuple[str, Rows], studies: tuple[str, Rows]) -> Iterator[Finding]:
    """A screening record that is already a study (same DOI or same title), unless it is the
    record's own included study."""
    file, rows = cands
    dois = {r.get("doi", "").strip().lower(): r.get("study_id") for _, r in studies[1]}
    titles = {_norm(r.get("title", "")): r.get("study_id") for _, r in studies[1]}
    dois.pop("", None)
    titles.pop("", None)
    for line, row in rows:
        match = dois.get(row.get("doi", "").strip().lower()) or titles.get(
            _norm(row.get("title", ""))
        )
        if match and not (
            row.get("screening_status") == "included" and row.get("included_as") == match
        ):
            yield Finding.coded(
                "candidate-already-included",
                file,
                line,
                "candidate_id",
                study=match,
                studies=studies[0],
            )


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", text.lower()).split())

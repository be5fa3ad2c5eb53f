"""The studies page (characteristics table, candidates) and one page per study."""

from __future__ import annotations

import re
from dataclasses import dataclass

from evreg.site.formats import text
from evreg.site.html import rel
from evreg.site.viewmodel import (
    NOT_REPORTED,
    Badge,
    Cell,
    Joined,
    Table,
    external_link,
    table,
)
from evreg.site.views.context import SiteContext, analysis_link, study_dir, study_link

FIELD_TITLES = {
    "study_id": "Study id",
    "first_author": "First author",
    "year": "Year",
    "title": "Title",
    "journal": "Journal",
    "volume_issue": "Volume (issue)",
    "pages": "Pages",
    "doi": "DOI",
    "pmid": "PMID",
    "pmcid": "PMCID",
    "country": "Country",
    "n": "N (review)",
    "n_confirmed": "N (confirmed in source)",
    "age": "Age",
    "male": "Male",
    "female": "Female",
    "design": "Design",
    "cases": "Cases",
    "biomarker": "Biomarker",
    "treatment": "Treatment",
    "outcomes_used_by_review": "Outcomes used by the review",
    "nos_score": "NOS score (0-9)",
    "nos_selection": "NOS selection (0-4)",
    "nos_comparability": "NOS comparability (0-2)",
    "nos_outcome": "NOS outcome (0-3)",
    "cutoff_reported": "Cut-off (review)",
    "cutoff_confirmed": "Cut-off (confirmed in source)",
    "hbv_all_patients": "All patients HBV-related",
    "local_treatment": "Local treatment with ICI",
    "source_checked": "Source checked",
    "source_url": "Source",
    "notes": "Notes",
    "review_source_location": "Where the review reports it",
}
TABLE_COLUMNS = (
    "year",
    "country",
    "n",
    "n_confirmed",
    "design",
    "cases",
    "biomarker",
    "treatment",
    "outcomes_used_by_review",
    "nos_score",
    "cutoff_reported",
    "cutoff_confirmed",
    "hbv_all_patients",
    "local_treatment",
    "source_checked",
)
QUALITY = ("nos_score", "nos_selection", "nos_comparability", "nos_outcome")
CANDIDATE_HEADERS = (
    "Candidate",
    "Title",
    "Journal",
    "Biomarker",
    "Design",
    "N",
    "Status",
    "Why it may qualify",
    "Source",
)
ESTIMATE_HEADERS = (
    "Estimate",
    "Biomarker / outcome",
    "Exposure",
    "Comparison, time point, model, cohort",
    "Ratio [CI] as printed",
    "p as printed",
    "Status",
    "Source and location",
    "Extraction check",
    "Notes",
    "Pooled in",
)


@dataclass(frozen=True)
class StudiesView:
    """The studies page: the characteristics table and the candidates (None: none recorded)."""

    n_studies: int
    studies: Table
    candidates: Table | None


@dataclass(frozen=True)
class StudyView:
    """One study's page."""

    page_title: str
    label: str
    title: str
    back: str
    characteristics: Table
    quality: Table | None
    estimates: Table | None
    notes: str


def title_of(name: str) -> str:
    """A column's heading."""
    return FIELD_TITLES.get(name, name.replace("_", " ").capitalize())


def data_cell(name: str, value: str) -> Cell:
    """A raw cell of the data: identifiers and URLs as links, empty said in words."""
    if not value:
        return NOT_REPORTED
    if name in ("source_url", "url") or name.endswith("_url"):
        return external_link(value, value)
    if name == "doi" and re.match(r"^10\.\d{4,9}/\S+$", value):
        return external_link(f"https://doi.org/{value}", value)
    if name == "pmid" and value.isdigit():
        return external_link(f"https://pubmed.ncbi.nlm.nih.gov/{value}/", value)
    if name == "pmcid" and re.match(r"^PMC\d+$", value):
        return external_link(f"https://pmc.ncbi.nlm.nih.gov/articles/{value}/", value)
    return value


def _raw(ctx: SiteContext, table_name: str) -> list[dict[str, str]]:
    return list(ctx.package.raw_tables.get(table_name, ()))


def candidates_table(ctx: SiteContext) -> Table | None:
    """Candidate studies awaiting assessment (None when none are recorded)."""
    raw = sorted(_raw(ctx, "candidates"), key=lambda r: r.get("candidate_id", ""))
    if not raw:
        return None
    rows = [
        [f"{r.get('first_author', '')} {r.get('year', '')}"]
        + [text(r.get(k)) for k in ("title", "journal", "biomarker", "design", "n")]
        + [text(r.get("screening_status")), text(r.get("notes"))]
        + [data_cell("source_url", r.get("source_url", ""))]
        for r in raw
    ]
    return table(CANDIDATE_HEADERS, rows)


def studies_view(ctx: SiteContext) -> StudiesView:
    """The studies page: one sortable row per study, linked to its page."""
    raw = sorted(_raw(ctx, "studies"), key=lambda r: r["study_id"])
    cols = [c for c in TABLE_COLUMNS if raw and c in raw[0]]
    rows = [
        [study_link("studies", r["study_id"], ctx.labels.get(r["study_id"], r["study_id"]))]
        + [data_cell(c, r.get(c, "")) for c in cols]
        for r in raw
    ]
    headers = ["Study"] + [title_of(c) for c in cols]
    studies = table(headers, rows, sortable=True, cls="evreg-studies")
    return StudiesView(len(raw), studies, candidates_table(ctx))


def _estimate_row(ctx: SiteContext, e: dict[str, str], here: str) -> list[Cell]:
    used = ctx.pooled_in.get(e["estimate_id"], [])
    pooled: Cell = Joined(tuple(analysis_link(here, x, x) for x in used), ", ") if used else "none"
    ci = f"{e.get('hr') or '—'} [{e.get('ci_lower') or '—'}, {e.get('ci_upper') or '—'}]"
    return [
        e["estimate_id"],
        f"{e.get('biomarker')} / {e.get('outcome')}",
        text(e.get("exposure")),
        f"{e.get('comparison')}, {e.get('timepoint')}, {e.get('model')}, {e.get('cohort')}",
        ci,
        text(e.get("p_as_printed")),
        Badge(e.get("status", "")),
        Joined((data_cell("source_url", e.get("source_url", "")), text(e.get("source_location")))),
        text(e.get("extraction_check")),
        text(e.get("notes")),
        pooled,
    ]


def study_view(ctx: SiteContext, raw: dict[str, str]) -> StudyView:
    """The page of one study (``raw``: its row as printed in studies.csv)."""
    sid = raw["study_id"]
    here = study_dir(sid)
    chars = [
        [title_of(k), data_cell(k, v)] for k, v in raw.items() if k not in QUALITY and k != "notes"
    ]
    quality = [[title_of(k), data_cell(k, raw.get(k, ""))] for k in QUALITY if k in raw]
    estimates = [_estimate_row(ctx, e, here) for e in ctx.estimates_by_study.get(sid, [])]
    return StudyView(
        page_title=f"Study {sid}",
        label=ctx.labels.get(sid, sid),
        title=raw.get("title") or "title not recorded",
        back=rel(here, "studies/"),
        characteristics=table(["Field", "Value"], chars),
        quality=table(["Domain", "Stars"], quality) if quality else None,
        estimates=table(ESTIMATE_HEADERS, estimates) if estimates else None,
        notes=raw.get("notes") or "None.",
    )

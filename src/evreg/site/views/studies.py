"""The studies page (characteristics table, candidates) and one page per study."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass

from evreg.data.formats import MISSING, plural, printed_as, printed_ci, text
from evreg.data.scope import in_review, review_only_fields
from evreg.data.versions import version_key
from evreg.review.results import CI_LEVEL
from evreg.site.derived import inputs_text, method_text
from evreg.site.html import rel
from evreg.site.labels import Labels
from evreg.site.viewmodel import (
    NOT_REPORTED,
    Badge,
    Cell,
    Joined,
    Link,
    Table,
    external_link,
    table,
)
from evreg.site.views.analysis import source_cell
from evreg.site.views.context import SiteContext, analysis_link, study_dir, study_link

TABLE_COLUMNS = (
    "in_review",
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
QUALITY = ("nos_score", "nos_selection", "nos_comparability", "nos_outcome", "quality_assessed_by")
NOT_APPLICABLE = "not applicable (added study)"
CANDIDATE_HEADERS = (
    "Record",
    "Title",
    "Journal",
    "Biomarker",
    "Design",
    "N",
    "How found",
    "Screening",
    "Notes",
    "Source",
)
ESTIMATE_HEADERS = (
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
    """A studies page: the characteristics table and the screening records (None: none).

    A registry of more than STUDIES_PER_PAGE studies has several studies pages: ``shown``
    says which studies this one lists, ``pages`` links the others (this one as text) and
    ``everything`` links the CSV of every study; only the first lists the screening records.
    """

    count: str
    studies_split: str
    studies: Table
    candidates: Table | None
    shown: str = ""
    pages: tuple[Cell, ...] = ()
    everything: Link | None = None
    first: bool = True


@dataclass(frozen=True)
class StudyView:
    """One study's page. ``origin``: one of the source review's studies, or added since (and
    in which data version); ``correct``: the "Correct or complete this study" link, or None."""

    page_title: str
    label: str
    title: str
    back: str
    origin: str
    added: bool
    correct: Link | None
    characteristics: Table
    quality: Table | None
    estimates: Table | None
    notes: str


def data_cell(name: str, value: str, words: Labels | None = None) -> Cell:
    """A raw cell of studies.csv: identifiers and URLs as links, codes as their labels,
    empty said in words."""
    if not value:
        return NOT_REPORTED
    if words is not None and name == "outcomes_used_by_review":
        return words.values("estimates", "outcome", value)
    if name in ("source_url", "url") or name.endswith("_url"):
        return external_link(value, value)
    if name == "doi" and re.match(r"^10\.\d{4,9}/\S+$", value):
        return external_link(f"https://doi.org/{value}", value)
    if name == "pmid" and value.isdigit():
        return external_link(f"https://pubmed.ncbi.nlm.nih.gov/{value}/", value)
    if name == "pmcid" and re.match(r"^PMC\d+$", value):
        return external_link(f"https://pmc.ncbi.nlm.nih.gov/articles/{value}/", value)
    return words.value("studies", name, value) if words is not None else value


def _raw(ctx: SiteContext, table_name: str) -> list[dict[str, str]]:
    return list(ctx.package.raw_tables.get(table_name, ()))


def _screening(ctx: SiteContext, r: dict[str, str]) -> Cell:
    """A record's screening decision: awaiting, included as (a link to) a study, or excluded
    with the reason (labels from the candidates schema)."""
    w = ctx.words
    status = r.get("screening_status", "") or "awaiting"
    badge = Badge(status, w.value("candidates", "screening_status", status))
    target = r.get("included_as", "")
    if status == "included" and target:
        label = ctx.labels.get(target, target)
        return Joined((badge, "as", study_link("studies", target, label)))
    if status == "excluded":
        reason = r.get("exclusion_reason")
        why = w.value("candidates", "exclusion_reason", reason) if reason else ""
        return Joined((badge, why or "reason not recorded"))
    label = f"{r.get('first_author', '')} {r.get('year', '')}".strip()
    screen = ctx.links.screen_link(r.get("candidate_id", ""), label)
    return Joined((badge, screen), "; ") if screen else badge


def _how_found(r: dict[str, str], searches: dict[str, str]) -> Cell:
    """How and when a record was found: the search (its date) or by hand, and the data
    version that first lists it."""
    sid = r.get("search_id", "")
    how = f"PubMed search of {searches.get(sid, sid)}" if sid else "added by hand"
    version = r.get("identified_in_version", "")
    return f"{how}; data version {version}" if version else how


def candidates_table(ctx: SiteContext) -> Table | None:
    """Records identified since the review, awaiting assessment first (then by id), with
    their id, how and when they were found and their screening decision (None: none)."""
    raw = sorted(
        _raw(ctx, "candidates"),
        key=lambda r: (r.get("screening_status", "") not in ("awaiting", ""), r["candidate_id"]),
    )
    if not raw:
        return None
    searches = {str(h.get("search_id")): str(h.get("date_run")) for h in ctx.package.search_history}
    rows = [
        [f"{r['candidate_id']} ({r.get('first_author', '')} {r.get('year', '')})"]
        + [text(r.get(k)) for k in ("title", "journal", "biomarker", "design", "n")]
        + [_how_found(r, searches), _screening(ctx, r), text(r.get("notes"))]
        + [data_cell("source_url", r.get("source_url", ""))]
        for r in raw
    ]
    return table(CANDIDATE_HEADERS, rows, label="Candidate studies")


def _nos_total(raw: dict[str, str]) -> str | None:
    """The Newcastle-Ottawa total as the sum of the three domains (None unless all given)."""
    domains = [raw.get(k, "") for k in ("nos_selection", "nos_comparability", "nos_outcome")]
    if not all(d.isdigit() for d in domains):
        return None
    return str(sum(int(d) for d in domains))


def _origin(raw: dict[str, str], released: str) -> str:
    """Where a study comes from, in words; a study added after the data version ``released``
    (the package's) is not in any release yet, and says so."""
    if in_review(raw):
        return "One of the source review's studies."
    version = raw.get("added_in_version") or "(version not recorded)"
    added, current = version_key(version), version_key(released)
    if added and current and added > current:
        return (
            f"Added since data version {released} (unreleased; due in {version}) — not part "
            "of the source review."
        )
    return f"Added in data version {version} — not part of the source review."


def _cell(name: str, raw: dict[str, str], review_only: dict[str, str], words: Labels) -> Cell:
    """A study's cell; a review-only field of an added study is said not to apply."""
    if name in review_only and not in_review(raw) and not raw.get(name):
        return NOT_APPLICABLE
    if name == "in_review":
        return "yes" if in_review(raw) else f"no: added in {raw.get('added_in_version') or '?'}"
    return data_cell(name, raw.get(name, ""), words)


def _review_only(ctx: SiteContext) -> dict[str, str]:
    return review_only_fields(ctx.package.schemas.get("studies", {}))


STUDIES_PER_PAGE = 1000  # 1,000 rows keep a studies page well under 1 MB


def studies_page_dir(page: int) -> str:
    """Site-relative directory of studies page ``page`` (1: the studies index); "_page-N"
    cannot clash with a study (ids start with a letter or digit)."""
    return "studies" if page == 1 else f"studies/_page-{page}"


def studies_views(
    ctx: SiteContext, per_page: int = STUDIES_PER_PAGE
) -> Iterator[tuple[str, StudiesView]]:
    """The studies pages (directory, view): one sortable row per study, linked to its page,
    ``per_page`` studies a page, sorted by study id."""
    raw = sorted(_raw(ctx, "studies"), key=lambda r: r["study_id"])
    cols = [c for c in TABLE_COLUMNS if raw and c in raw[0]]
    review_only = _review_only(ctx)
    headers = ["Study"] + [ctx.words.title("studies", c) for c in cols]
    added = sum(1 for r in raw if not in_review(r))
    split = f"{len(raw) - added} from the source review and {added} added since"
    count = plural(len(raw), "study", "studies")
    chunks = [raw[i : i + per_page] for i in range(0, len(raw), per_page)] or [[]]
    for number, chunk in enumerate(chunks, start=1):
        here = studies_page_dir(number)
        rows = [
            [study_link(here, r["study_id"], ctx.labels.get(r["study_id"], r["study_id"]))]
            + [_cell(c, r, review_only, ctx.words) for c in cols]
            for r in chunk
        ]
        studies = table(headers, rows, sortable=True, cls="evreg-studies", label="Studies")
        view = StudiesView(count, split, studies, candidates_table(ctx) if number == 1 else None)
        if len(chunks) > 1:
            first = (number - 1) * per_page + 1
            pages = tuple(
                str(i) if i == number else Link(rel(here, studies_page_dir(i) + "/"), str(i))
                for i in range(1, len(chunks) + 1)
            )
            csv_path = "data/" + ctx.package.resource_path("studies")
            view = dataclasses.replace(
                view,
                shown=f"Studies {first:,}\u2013{first + len(chunk) - 1:,} of {len(raw):,}",
                pages=pages,
                everything=Link(rel(here, csv_path), "every study (CSV)"),
                first=number == 1,
            )
        yield here, view


def _estimate_row(ctx: SiteContext, e: dict[str, str], here: str) -> list[Cell]:
    used = ctx.pooled_in.get(e["estimate_id"], [])
    links = tuple(analysis_link(here, x, ctx.titles.get(x, x)) for x in used)
    pooled: Cell = Joined(links, "; ") if used else "none"
    ci = printed_ci(*(e.get(k) or MISSING for k in ("hr", "ci_lower", "ci_upper")))
    note = printed_as(e.get("ci_level"), CI_LEVEL) if e.get("ci_lower") else ""
    ci += f" ({note})" if note else ""
    derivation = ctx.derivations.get(e["estimate_id"])
    if derivation is not None:
        files = f"data/derivations/{e['estimate_id']}/"
        ci += f" — {method_text(derivation.get('method'))}: {inputs_text(derivation, files)}"
    w = ctx.words
    design = ", ".join(
        f"{w.title('estimates', k).lower()}: {w.value('estimates', k, e.get(k))}"
        for k in ("comparison", "timepoint", "model", "cohort")
    )
    doi = ctx.dois.get(e.get("study_id", ""))
    return [
        f"{e.get('biomarker')} / {w.value('estimates', 'outcome', e.get('outcome'))}",
        text(e.get("exposure")),
        design,
        ci,
        text(e.get("p_as_printed")),
        Badge(e.get("status", ""), w.value("estimates", "status", e.get("status", ""))),
        source_cell(doi, e.get("source_url"), e.get("source_location")),
        text(e.get("extraction_check")),
        text(e.get("notes")),
        pooled,
    ]


def study_view(ctx: SiteContext, raw: dict[str, str]) -> StudyView:
    """The page of one study (``raw``: its row as printed in studies.csv)."""
    sid = raw["study_id"]
    here = study_dir(sid)
    w = ctx.words
    review_only = _review_only(ctx)
    chars = [
        [w.title("studies", k), _cell(k, raw, review_only, w)]
        for k in raw
        if k not in QUALITY and k != "notes"
    ]
    quality: list[list[Cell]] = [
        [w.title("studies", k), _cell(k, raw, review_only, w)] for k in QUALITY if k in raw
    ]
    total = _nos_total(raw)
    if total is not None and not in_review(raw):
        quality.insert(0, ["NOS total (0-9; the sum of the contributor's domains)", total])
    estimates = [_estimate_row(ctx, e, here) for e in ctx.estimates_by_study.get(sid, [])]
    label = ctx.labels.get(sid, sid)
    return StudyView(
        page_title=label,
        label=label,
        title=raw.get("title") or "title not recorded",
        back=rel(here, "studies/"),
        origin=_origin(raw, ctx.package.version),
        added=not in_review(raw),
        correct=ctx.links.correct_link(here, sid, label),
        characteristics=table(["Field", "Value"], chars, label="Characteristics"),
        quality=table(["Domain", "Stars"], quality, label="Quality") if quality else None,
        estimates=table(ESTIMATE_HEADERS, estimates, cls="evreg-estimates", label="Estimates")
        if estimates
        else None,
        notes=raw.get("notes") or "None.",
    )

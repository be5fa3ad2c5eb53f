"""Generated pages about the evidence base: Studies, study pages, Methods, Data, Audit, What's
new."""

from __future__ import annotations

import hashlib
import importlib
import platform
import re
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

from evreg.data.package import Package
from evreg.site import plots
from evreg.site.charts import vega_versions
from evreg.site.html import block, esc, front_matter, link, para, rel, table
from evreg.site.pages import SiteContext, analysis_dir, status_badge, study_dir, study_link

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
SOFTWARE = (
    "evreg",
    "numpy",
    "scipy",
    "pandas",
    "frictionless",
    "altair",
    "vl-convert-python",
    "mkdocs",
    "mkdocs-material",
)


def title_of(name: str) -> str:
    return FIELD_TITLES.get(name, name.replace("_", " ").capitalize())


def _cell(name: str, value: str) -> str:
    """Display a raw cell: identifiers and URLs as links, the rest escaped."""
    if not value:
        return '<span class="evreg-empty">not reported</span>'
    if name in ("source_url", "url") or name.endswith("_url"):
        return link(value, value, external=True)
    if name == "doi" and re.match(r"^10\.\d{4,9}/\S+$", value):
        return link(f"https://doi.org/{value}", value, external=True)
    if name == "pmid" and value.isdigit():
        return link(f"https://pubmed.ncbi.nlm.nih.gov/{value}/", value, external=True)
    if name == "pmcid" and re.match(r"^PMC\d+$", value):
        return link(f"https://pmc.ncbi.nlm.nih.gov/articles/{value}/", value, external=True)
    return esc(value)


def _raw(ctx: SiteContext, table_name: str) -> list[dict[str, str]]:
    return list(ctx.package.raw_tables.get(table_name, ()))


def studies_page(ctx: SiteContext) -> str:
    here = "studies"
    raw = sorted(_raw(ctx, "studies"), key=lambda r: r["study_id"])
    labels = ctx.labels
    cols = [c for c in TABLE_COLUMNS if raw and c in raw[0]]
    rows = []
    for r in raw:
        sid = r["study_id"]
        rows.append(
            [study_link(here, sid, labels.get(sid, sid))] + [_cell(c, r.get(c, "")) for c in cols]
        )
    parts = [
        front_matter("Studies"),
        block(
            para(
                f"{len(raw)} studies. Characteristics as the source review reports them "
                "and, where marked, as the primary source confirmed. Click a column "
                "heading to sort; click a study for its page."
            ),
            table(
                ["Study"] + [title_of(c) for c in cols], rows, sortable=True, cls="evreg-studies"
            ),
        ),
    ]
    parts.append("## Candidate studies awaiting assessment\n")
    parts.append(block(candidates_table(ctx)))
    return "\n".join(parts)


def candidates_table(ctx: SiteContext) -> str:
    raw = sorted(_raw(ctx, "candidates"), key=lambda r: r.get("candidate_id", ""))
    if not raw:
        return para("No candidate studies are recorded.")
    rows = [
        [
            esc(f"{r.get('first_author', '')} {r.get('year', '')}"),
            esc(r.get("title")),
            esc(r.get("journal")),
            esc(r.get("biomarker")),
            esc(r.get("design")),
            esc(r.get("n")),
            esc(r.get("screening_status")),
            esc(r.get("notes")),
            _cell("source_url", r.get("source_url", "")),
        ]
        for r in raw
    ]
    return para(
        "Studies found that may meet the review's criteria but are not among its included "
        "studies; the notes say why each may qualify."
    ) + table(
        [
            "Candidate",
            "Title",
            "Journal",
            "Biomarker",
            "Design",
            "N",
            "Status",
            "Why it may qualify",
            "Source",
        ],
        rows,
    )


def study_page(ctx: SiteContext, raw: dict[str, str]) -> str:
    sid = raw["study_id"]
    here = study_dir(sid)
    label = ctx.labels.get(sid, sid)
    chars = [
        [esc(title_of(k)), _cell(k, v)] for k, v in raw.items() if k not in QUALITY and k != "notes"
    ]
    quality = [[esc(title_of(k)), _cell(k, raw.get(k, ""))] for k in QUALITY if k in raw]
    estimates = ctx.estimates_by_study.get(sid, [])
    est_rows = []
    for e in estimates:
        used = ctx.pooled_in.get(e["estimate_id"], [])
        where = ", ".join(link(rel(here, analysis_dir(x) + "/"), x) for x in used) or "none"
        ci = f"{e.get('hr') or '—'} [{e.get('ci_lower') or '—'}, {e.get('ci_upper') or '—'}]"
        est_rows.append(
            [
                esc(e["estimate_id"]),
                esc(f"{e.get('biomarker')} / {e.get('outcome')}"),
                esc(e.get("exposure")),
                esc(
                    f"{e.get('comparison')}, {e.get('timepoint')}, {e.get('model')}, "
                    f"{e.get('cohort')}"
                ),
                esc(ci),
                esc(e.get("p_as_printed")),
                status_badge(e.get("status", "")),
                _cell("source_url", e.get("source_url", "")) + " " + esc(e.get("source_location")),
                esc(e.get("extraction_check")),
                esc(e.get("notes")),
                where,
            ]
        )
    parts = [
        front_matter(f"Study {sid}"),
        block(
            para(
                f"<strong>{esc(label)}</strong>: {esc(raw.get('title') or 'title not recorded')}",
                "evreg-lead",
            ),
            para(link(rel(here, "studies/"), "← all studies")),
        ),
    ]
    parts.append("## Characteristics\n")
    parts.append(block(table(["Field", "Value"], chars)))
    if quality:
        parts.append("## Quality (Newcastle-Ottawa Scale)\n")
        parts.append(block(table(["Domain", "Stars"], quality)))
    parts.append("## Estimates\n")
    parts.append(
        block(
            table(
                [
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
                ],
                est_rows,
            )
            if est_rows
            else para("No estimates recorded.")
        )
    )
    parts.append("## Notes\n")
    parts.append(block(para(esc(raw.get("notes") or "None."))))
    return "\n".join(parts)


# ----------------------------------------------------------------------------- Methods


def prisma_boxes(ctx: SiteContext) -> tuple[list[tuple[str, str, int, int]], list[tuple[int, int]]]:
    """PRISMA boxes from the data: records identified (as reported), included studies,
    candidates, studies with a usable estimate and with estimates pending."""
    pkg = ctx.package
    counts = pkg.review.get("prisma_counts_reported", {}) or {}
    used = {u.study_id for a in ctx.results.analyses for u in a.used}
    boxes: list[tuple[str, str, int, int]] = []
    arrows: list[tuple[int, int]] = []
    if counts.get("records_identified") is not None:
        boxes.append(
            (
                "identified",
                f"Records identified (as reported)\n(n = {counts['records_identified']})",
                0,
                0,
            )
        )
    level = len(boxes)
    reported = counts.get("studies_included")
    inc = f"Studies included in the review\n(n = {len(pkg.studies)}" + (
        f"; review reports {reported})"
        if reported is not None and reported != len(pkg.studies)
        else ")"
    )
    boxes.append(("included", inc, 0, level))
    if level:
        arrows.append((0, 1))
    i_inc = len(boxes) - 1
    boxes.append(
        ("candidates", f"Candidates awaiting assessment\n(n = {len(pkg.candidates)})", 1, level)
    )
    arrows.append((i_inc, len(boxes) - 1))
    boxes.append(
        ("usable", f"With at least one usable estimate\n(n = {len(used)} studies)", 0, level + 1)
    )
    arrows.append((i_inc, len(boxes) - 1))
    boxes.append(
        (
            "pending",
            f"No usable estimate yet (pending)\n(n = {len(pkg.studies) - len(used)} studies)",
            1,
            level + 1,
        )
    )
    arrows.append((i_inc, len(boxes) - 1))
    return boxes, arrows


def _list(items: Sequence[str]) -> str:
    return "<ul>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>"


def software_versions() -> list[tuple[str, str]]:
    """Versions of Python and the packages that computed and built the site."""
    out = [("Python", platform.python_version())]
    for name in SOFTWARE:
        try:
            out.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            out.append((name, "not installed"))
    out += sorted(vega_versions().items())
    return out


STAT_CHOICES = (
    (
        "Effect measure",
        "Ratios (HR, OR) analysed on the log scale; SE from the CI as (ln U − ln L) / (2 z) at the"
        " row's CI level (Cochrane Handbook 6.3.2).",
    ),
    (
        "Direction",
        "Every ratio is expressed as high vs low: low-vs-high estimates become 1/ratio with bounds"
        " 1/upper, 1/lower (Handbook 6.3.2); the page marks them 'harmonised'.",
    ),
    (
        "One estimate per study",
        "Per study the plan's preferred model (multivariable first), then the whole cohort, then "
        "file order; the others are listed as pending.",
    ),
    ("Fixed effect", "Inverse-variance weighted mean (Handbook 10.3.1)."),
    (
        "Random effects",
        "DerSimonian-Laird tau² as RevMan 5 (DerSimonian & Laird 1986); Wald 95% CI; Q-profile CI "
        "for tau² (Viechtbauer 2007).",
    ),
    (
        "Heterogeneity",
        "Cochran's Q, df = k − 1; I² = max(0, (Q − df)/Q) (Higgins & Thompson 2002).",
    ),
    (
        "Primary model",
        "The review's rule: fixed effect if I² ≤ 50% and Q p ≥ 0.10, else random effects; both are"
        " always computed and shown.",
    ),
    (
        "Prediction interval",
        "t with k − 2 df, √(tau² + SE²), for k ≥ 3 (Higgins, Thompson & Spiegelhalter 2009; "
        "Handbook 10.10.4.3).",
    ),
    (
        "Subgroups",
        "Each level pooled separately (separate tau²); test for subgroup differences Q between "
        "levels, df = levels − 1 (Handbook 10.11.3; RevMan).",
    ),
    (
        "Leave-one-out",
        "Each study omitted in turn with the primary model; rows where significance or direction "
        "changes are flagged (Handbook 10.14).",
    ),
    ("Cumulative", "Studies added in order of publication year with the primary model."),
    (
        "Small-study effects",
        "Funnel plot, Egger's regression test (Egger et al. 1997; metafor regtest model='lm') and "
        "trim-and-fill (L0; Duval & Tweedie 2000), only when k ≥ 10 (Handbook 13.3.5.4).",
    ),
    (
        "Engine check",
        "The engine's numbers are compared with R metafor in the test suite at relative 1e-6.",
    ),
)


def methods_page(ctx: SiteContext, intro: str) -> str:
    review = ctx.package.review
    parts = [front_matter("Methods"), intro.rstrip() + "\n" if intro else ""]
    if review.get("question"):
        parts.append("## Question\n")
        parts.append(block(para(esc(review["question"]))))
    src = review.get("source_review") or {}
    if src:
        parts.append("## Source review\n")
        authors = ", ".join(src.get("authors", []))
        cite = f"{authors}. {src.get('title', '')}. {src.get('journal', '')} {src.get('year', '')}."
        parts.append(
            block(
                para(
                    esc(cite)
                    + (" " + link(src["url"], "link", external=True) if src.get("url") else "")
                ),
                para(esc("Software used by the review: " + ", ".join(src.get("software", []))))
                if src.get("software")
                else "",
            )
        )
    search = review.get("search") or {}
    if search:
        parts.append("## Search\n")
        items = [
            f"Databases: {', '.join(search.get('databases', []))}",
            f"Dates: {search.get('from', '?')} to {search.get('to', '?')}",
            f"Languages: {', '.join(search.get('languages', []))}",
        ]
        query = search.get("pubmed_query")
        parts.append(
            block(
                _list(items),
                (
                    para("PubMed query as printed (one parenthesis closed):")
                    + f'<pre class="evreg-pre">{esc(query)}</pre>'
                )
                if query
                else "",
            )
        )
    elig = review.get("eligibility") or {}
    if elig:
        parts.append("## Eligibility\n")
        parts.append(
            block(
                para("Included:"),
                _list(elig.get("include", [])),
                para("Excluded:"),
                _list(elig.get("exclude", [])),
            )
        )
    parts.append("## Flow of studies (PRISMA)\n")
    boxes, arrows = prisma_boxes(ctx)
    spec = ctx.charts.spec(plots.prisma_chart, boxes, arrows)
    alt = _list([b[1].replace("\n", " ") for b in boxes])
    parts.append(
        block(
            ctx.charts.embed(
                "methods",
                "prisma",
                spec,
                title="PRISMA flow diagram",
                caption="Drawn from the data package (counts of studies, "
                "candidates and estimates).",
                alt_html=alt,
            )
        )
    )
    parts.append("## Effect measures and statistics\n")
    if review.get("effect_measure"):
        parts.append(block(para(esc(f"Effect measure (review): {review['effect_measure']}."))))
    parts.append(
        block(
            table(
                ["Choice", "What the registry does, and the reference"],
                [[esc(a), esc(b)] for a, b in STAT_CHOICES],
            )
        )
    )
    parts.append("## Software\n")
    parts.append(
        block(table(["Software", "Version"], [[esc(n), esc(v)] for n, v in software_versions()]))
    )
    return "\n".join(p for p in parts if p)


# ----------------------------------------------------------------------------- Data


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def data_page(files: Sequence[tuple[str, str, Path]]) -> str:
    """files: (site-relative path under data/, description, the written file)."""
    rows = [
        [
            link(rel("data", p), p.removeprefix("data/")),
            esc(desc),
            f"{f.stat().st_size:,}",
            f"<code>{sha256(f)[:16]}</code>",
        ]
        for p, desc, f in files
    ]
    return "\n".join(
        [
            front_matter("Data"),
            block(
                para(
                    "Everything the site shows comes from these files. The CSVs are byte-identical "
                    "to the package's <code>data/</code>; <code>datapackage.json</code> and "
                    "<code>schemas/</code> keep their relative paths, so the folder is a valid "
                    "Frictionless data package (<code>frictionless validate "
                    "datapackage.json</code>)."
                ),
                table(["File", "What it is", "Bytes", "SHA-256 (first 16)"], rows),
            ),
        ]
    )


# ----------------------------------------------------------------------------- Audit, What's new


def audit_page(package: Package) -> str:
    """The Audit page from :mod:`evreg.review.audit` (reproduction table and findings), or a clear
    note when that module is not installed."""
    try:
        audit = importlib.import_module("evreg.review.audit")
    except ImportError:
        body = block(
            para(
                "The audit module (<code>evreg.review.audit</code>) is not installed in this "
                "build, so no audit findings are shown. Run <code>evreg audit</code> "
                "once it is available."
            )
        )
        return front_matter("Audit") + body
    repro = audit.reproduce(package)  # the audit recomputes its own reproduction table
    findings = audit.audit_package(package, repro)
    return front_matter("Audit") + audit.render_markdown(findings, repro)


def changelog_page(root: Path) -> str:
    """What's new: the top-level CHANGELOG.md with Markdown structure kept and HTML inert.

    ``evreg release`` already writes contributor text as numeric character references, so
    only ``<`` and ``>`` are escaped here (any hand-written HTML becomes text) and Markdown
    link, image and code syntax is disabled."""
    path = root / "CHANGELOG.md"
    if not path.exists():
        return front_matter("What's new") + block(
            para("No release has been recorded yet (CHANGELOG.md is absent).")
        )
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        text = line.replace("<", "&lt;").replace(">", "&gt;")
        text = re.sub(r"([\[\]!`])", r"\\\1", text)  # no Markdown links, images or code spans
        lines.append(text)
    body = "\n".join(lines)
    body = re.sub(r"^# .*\n?", "", body, count=1)  # the page has its own title
    return front_matter("What's new") + body + "\n"

"""What every page view needs: the package, the results, the chart writer, and page places."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from markupsafe import Markup

from evreg.data.package import Package
from evreg.review.plan import AnalysisResult, RegistryResults, study_labels
from evreg.site.charts import ChartWriter
from evreg.site.html import rel
from evreg.site.labels import Labels
from evreg.site.links import RepoLinks
from evreg.site.viewmodel import Link
from evreg.site.views.names import Words, audit_words

MODEL_NAMES = {"fixed": "fixed effect", "random": "random effects"}
DOI = re.compile(r"10\.\d{4,9}/\S+")


@dataclass(frozen=True)
class SiteContext:
    """What every page view needs: the package, the results, the chart writer and the links
    into the repository."""

    package: Package
    results: RegistryResults
    charts: ChartWriter
    links: RepoLinks = RepoLinks()

    @functools.cached_property
    def plan(self) -> dict[str, dict]:
        """Rows of the analysis plan by analysis id."""
        return {a["analysis_id"]: a for a in self.package.analyses}

    @functools.cached_property
    def labels(self) -> dict[str, str]:
        """RevMan-style study labels by study id."""
        return study_labels(self.package.studies)

    @functools.cached_property
    def derivations(self) -> dict[str, dict[str, str]]:
        """Derivations rows as printed, by estimate id (inputs of derived estimates)."""
        raws = self.package.raw_tables.get("derivations", ())
        return {r["estimate_id"]: r for r in raws}

    @functools.cached_property
    def titles(self) -> dict[str, str]:
        """Analysis titles by analysis id."""
        return {a.analysis_id: a.title for a in self.results.analyses}

    @functools.cached_property
    def words(self) -> Labels:
        """Field titles and value labels from the package's Table Schemas."""
        return Labels.from_package(self.package.root, self.package.descriptor)

    @functools.cached_property
    def dois(self) -> dict[str, str]:
        """Each study's DOI (only well-formed ones) by study id."""
        out = {}
        for s in self.package.studies:
            doi = str(s.get("doi") or "").strip()
            if DOI.fullmatch(doi):
                out[str(s["study_id"])] = doi
        return out

    @functools.cached_property
    def estimates_by_study(self) -> dict[str, list[dict[str, str]]]:
        """Raw (as printed) estimate rows by study id, in file order."""
        out: dict[str, list[dict[str, str]]] = {}
        for row in self.package.raw_tables.get("estimates", ()):
            out.setdefault(row.get("study_id", ""), []).append(row)
        return out

    @functools.cached_property
    def say(self) -> Words:
        """Machine-written text (a reason the plan gives, an audit message) in readers' words."""
        return audit_words(self.package, self.words)

    @functools.cached_property
    def labels_of_codes(self) -> dict[str, str]:
        """Every code a machine-written text may name, with its label: the schemas' codes and
        field names, the ids of analyses, published results, estimates and studies, and the
        resources' names (their titles in the descriptor)."""
        resources = {
            str(r["name"]): str(r["title"])
            for r in self.package.descriptor.get("resources", [])
            if isinstance(r, dict) and r.get("name") and r.get("title")
        }
        return {**self.words.codes(), **self.say.names, **resources}

    @functools.cached_property
    def exposures(self) -> dict[str, str]:
        """Each estimate's exposure as its source defines it, by estimate id."""
        return {str(e["estimate_id"]): str(e.get("exposure") or "") for e in self.package.estimates}

    @functools.cached_property
    def pooled_in(self) -> dict[str, list[str]]:
        """Analysis ids that pool each estimate, by estimate id."""
        out: dict[str, list[str]] = {}
        for a in self.results.analyses:
            for u in a.used:
                out.setdefault(u.estimate_id, []).append(a.analysis_id)
        return out

    @functools.cached_property
    def review_name(self) -> str:
        """The source review as readers cite it: "Hu & Qiu 2026", "Hackshaw et al. 1997"."""
        src = self.package.review.get("source_review") or {}
        names = [str(a).split()[0] for a in src.get("authors") or () if str(a).strip()]
        who = (
            "the source review"
            if not names
            else f"{names[0]} et al."
            if len(names) > 2
            else " & ".join(names)
        )
        return f"{who} {src['year']}" if names and src.get("year") else who

    def measure(self, analysis_id: str) -> str:
        """The analysis' effect measure (HR unless the plan says otherwise)."""
        return self.plan.get(analysis_id, {}).get("effect_measure") or "HR"

    def favours(self, a: AnalysisResult) -> tuple[str, str]:
        """The labels either side of 1 under a forest plot (lower side, higher side): the
        plan's ``favours_lower`` / ``favours_higher``, else read as a prognostic factor."""
        row = self.plan.get(a.analysis_id, {})
        return (
            row.get("favours_lower") or f"Lower risk with high {a.biomarker}",
            row.get("favours_higher") or f"Higher risk with high {a.biomarker}",
        )

    def outcome_name(self, code: str) -> str:
        """The outcome's label from the schema (``enumLabels``): "overall survival"."""
        return self.words.value("analyses", "outcome", code) or code

    def survival_outcome(self, code: str) -> bool:
        """A survival outcome, whose longer or shorter survival reads as the effect: one the
        schema labels "... survival"."""
        return self.outcome_name(code).endswith("survival")

    def model_name(self, model: str | None) -> str:
        """ "fixed effect" / "random effects" for a model code ("none" for None)."""
        return MODEL_NAMES.get(model or "", model or "none")


def analysis_dir(analysis_id: str) -> str:
    """Site-relative directory of an analysis page."""
    return f"analyses/{analysis_id}"


def study_dir(study_id: str) -> str:
    """Site-relative directory of a study page."""
    return f"studies/{study_id}"


def analysis_link(from_dir: str, analysis_id: str, text: str) -> Link:
    """A link from the page in ``from_dir`` to an analysis page."""
    return Link(rel(from_dir, analysis_dir(analysis_id) + "/"), text)


def study_link(from_dir: str, study_id: str, text: str) -> Link:
    """A link from the page in ``from_dir`` to a study page."""
    return Link(rel(from_dir, study_dir(study_id) + "/"), text)


def hand_written(markdown: str) -> Markup:
    """The package's own hand-written Markdown (site/index.md, site/methods.md) for a page.

    Trusted as the other hand-written pages under site/ are (MkDocs copies those verbatim):
    it is the maintainers' text, reviewed with the package, not contributor data.
    """
    return Markup(markdown.rstrip())

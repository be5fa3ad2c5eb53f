"""Build this example data package from source/hackshaw1998_ets_lung_cancer.csv.

Run from the repository root: ``.venv/bin/python examples/hackshaw1998/make_package.py``.
The schemas are the registry's own (schemas/*.json) with the enumerations this topic needs
(exposure "ETS", outcome "lung_cancer"), a ``cases`` column and three optional plan columns
(``effect_measure``, ``favours_lower``, ``favours_higher``). Numbers are copied exactly as
printed in the source table; nothing is computed, estimated or filled in.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SOURCE = HERE / "source" / "hackshaw1998_ets_lung_cancer.csv"
DOI_URL = "https://doi.org/10.1136/bmj.315.7114.980"
CITATION = (
    "Hackshaw AK, Law MR, Wald NJ. The accumulated evidence on lung cancer and environmental "
    "tobacco smoke. BMJ 1997;315(7114):980-988"
)
CREATED = "2026-11-30T00:00:00Z"
NO_TITLE = "Title, journal and identifiers of the primary study are not in the source table."
EXPOSURE = "lifelong non-smoking woman whose spouse smokes vs whose spouse does not"
TITLE = "Environmental tobacco smoke and lung cancer in never-smoking women (example registry)"
RULE = "fixed effect when I2 <= 50% and Cochran Q p >= 0.10, otherwise random effects"


NAMES = ("studies", "estimates", "analyses", "published_results", "candidates", "certainty")


def _schema(name: str) -> dict:
    return json.loads((ROOT / "schemas" / f"{name}.json").read_text(encoding="utf-8"))


def _field(schema: dict, name: str) -> dict:
    return next(f for f in schema["fields"] if f["name"] == name)


def schemas() -> dict[str, dict]:
    out = {n: _schema(n) for n in NAMES}
    for name in ("studies", "estimates", "analyses", "candidates"):
        _field(out[name], "biomarker")["constraints"]["enum"] = ["ETS"]
    for name in ("estimates", "analyses"):
        _field(out[name], "outcome")["constraints"]["enum"] = ["lung_cancer"]
        _field(out[name], "outcome")["enumLabels"] = {"lung_cancer": "lung cancer"}
    studies = out["studies"]
    _field(studies, "title")["constraints"].pop("required", None)
    _field(studies, "outcomes_used_by_review")["constraints"]["pattern"] = "^lung_cancer$"
    pos = studies["fields"].index(_field(studies, "design")) + 1
    studies["fields"].insert(
        pos,
        {
            "name": "cases",
            "type": "integer",
            "constraints": {"minimum": 0},
            "title": "Cases",
            "description": "number of lung cancer cases, as printed in the source table",
        },
    )
    analyses = out["analyses"]
    _field(analyses, "subgroup_variable")["constraints"]["enum"] = ["design", "country"]
    _field(analyses, "subgroup_variable")["enumLabels"] = {
        "design": "Study design",
        "country": "Country",
    }
    analyses["fields"] += [
        {
            "name": "effect_measure",
            "type": "string",
            "title": "Effect measure",
            "constraints": {"enum": ["HR", "OR", "RR"]},
            "description": "ratio measure the estimates' hr/ci columns hold (default HR)",
        },
        {
            "name": "favours_lower",
            "title": "Label left of 1",
            "type": "string",
            "description": "forest plot label left of 1",
        },
        {
            "name": "favours_higher",
            "title": "Label right of 1",
            "type": "string",
            "description": "forest plot label right of 1",
        },
    ]
    _field(out["estimates"], "hr")["description"] = (
        "ratio as printed; in this package an odds ratio (see analyses.effect_measure)"
    )
    return out


def _id(author: str, year: str) -> str:
    return f"{author.lower().replace(' ', '-')}-{year}"


def rows() -> tuple[list[dict], list[dict]]:
    with SOURCE.open(newline="", encoding="utf-8") as fh:
        source = list(csv.DictReader(fh))
    studies, estimates = [], []
    for line, r in enumerate(source, start=2):
        sid = _id(r["author"], r["year"])
        where = (
            f"{CITATION}, as tabulated in R metadat dat.hackshaw1998 (study {r['study']}); "
            f"examples/hackshaw1998/source/hackshaw1998_ets_lung_cancer.csv line {line}"
        )
        studies.append(
            {
                "study_id": sid,
                "in_review": "true",
                "first_author": r["author"],
                "year": r["year"],
                "country": r["country"],
                "design": r["design"],
                "cases": r["cases"],
                "biomarker": "ETS",
                "outcomes_used_by_review": "lung_cancer",
                "source_checked": "source table (metadat)",
                "source_url": DOI_URL,
                "review_source_location": where,
                "notes": NO_TITLE,
            }
        )
        estimates.append(
            {
                "estimate_id": f"{sid}-ets-lung",
                "study_id": sid,
                "biomarker": "ETS",
                "outcome": "lung_cancer",
                "exposure": EXPOSURE,
                "comparison": "high_vs_low",
                "timepoint": "unknown",
                "model": "unknown",
                "cohort": "whole",
                "hr": r["or"],
                "ci_lower": r["or.lb"],
                "ci_upper": r["or.ub"],
                "ci_level": "0.95",
                "events": r["cases"],  # lung cancer cases: the events, as printed
                "status": "extracted",
                "source_url": DOI_URL,
                "source_location": where,
                "extraction_check": "copied from the source table",
            }
        )
    return studies, estimates


_COMMON = {
    "biomarker": "ETS",
    "outcome": "lung_cancer",
    "timepoints": "unknown",
    "comparisons": "high_vs_low",
    "models": "unknown",
    "model_rule": "review_rule",
    "random_method": "DL",
    # Does spousal smoking cause lung cancer: an aetiological question, so observational
    # evidence starts at low certainty (GRADE guidelines 3), and the target is an association.
    "target": "association",
    "question": "aetiological",
    "effect_measure": "OR",
    "favours_lower": "Lower risk if exposed",
    "favours_higher": "Higher risk if exposed",
}
PLAN = [
    {
        **_COMMON,
        "analysis_id": "ets-lung",
        "title": "Spousal smoking and lung cancer in never-smoking women",
        "sensitivity": "leave_one_out;cumulative;small_study",
        "notes": "All 37 studies (Hackshaw 1997). Odds ratios, exposed vs unexposed.",
    },
    {
        **_COMMON,
        "analysis_id": "ets-lung-design",
        "title": "Spousal smoking and lung cancer, by study design",
        "subgroup_variable": "design",
        "parent_analysis": "ets-lung",
        "notes": "Cohort vs case-control studies.",
    },
]


def write_csv(path: Path, schema: dict, records: list[dict]) -> None:
    names = [f["name"] for f in schema["fields"]]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=names, lineterminator="\n")
        w.writeheader()
        for r in records:
            w.writerow({n: r.get(n, "") for n in names})


def descriptor() -> dict:
    titles = {
        "studies": "Studies",
        "estimates": "Odds ratios",
        "analyses": "Analysis plan",
        "published_results": "Published results (none recorded)",
        "candidates": "Screening records (none)",
        "certainty": "Certainty judgements by reviewers (none)",
    }
    return {
        "profile": "tabular-data-package",
        "name": "hackshaw1998-ets-lung-cancer",
        "title": TITLE,
        "description": (
            "Example package for evreg: the 37 studies of Hackshaw et al. 1997 "
            "(odds ratios with 95% CIs), used to show the analyses that need k >= 10."
        ),
        "version": "1.0.0",
        "created": CREATED,
        "licenses": [
            {
                "name": "CC-BY-4.0",
                "path": "https://creativecommons.org/licenses/by/4.0/",
                "title": "Creative Commons Attribution 4.0",
            }
        ],
        "sources": [
            {"title": CITATION, "path": DOI_URL},
            {
                "title": "R package metadat, dat.hackshaw1998",
                "path": "https://cran.r-project.org/package=metadat",
            },
        ],
        "contributors": [{"title": "evreg example", "role": "author"}],
        "resources": [
            {
                "name": n,
                "title": titles[n],
                "path": f"data/{n}.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": f"schemas/{n}.json",
            }
            for n in NAMES
        ],
        "review": {
            "question": (
                "Is exposure to environmental tobacco smoke from a smoking spouse "
                "associated with lung cancer in lifelong non-smoking women?"
            ),
            "source_review": {
                "authors": ["Hackshaw AK", "Law MR", "Wald NJ"],
                "title": "The accumulated evidence on lung cancer and environmental tobacco smoke",
                "journal": "BMJ",
                "year": 1997,
                "url": DOI_URL,
            },
            "model_rule": RULE,
            "prisma_counts_reported": {"studies_included": 37},
        },
    }


def main() -> None:
    sch = schemas()
    for name, schema in sch.items():
        path = HERE / "schemas" / f"{name}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(schema, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    studies, estimates = rows()
    write_csv(HERE / "data" / "studies.csv", sch["studies"], studies)
    write_csv(HERE / "data" / "estimates.csv", sch["estimates"], estimates)
    write_csv(HERE / "data" / "analyses.csv", sch["analyses"], PLAN)
    write_csv(HERE / "data" / "published_results.csv", sch["published_results"], [])
    write_csv(HERE / "data" / "candidates.csv", sch["candidates"], [])
    write_csv(HERE / "data" / "certainty.csv", sch["certainty"], [])
    (HERE / "datapackage.json").write_text(
        json.dumps(descriptor(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main()

"""The add-study YAML template, written from the package's own Table Schemas.

``render_template(package)`` gives one commented entry per field of ``studies`` that a study
added since the review fills in (no review-only field, see :mod:`evreg.data.scope`) and per
field of ``estimates`` (type, required, allowed values, ranges, the field's description), so
the form a contributor fills in always follows the schemas; ``render_template(package,
candidate)`` pre-fills it from a screening record. ``STUDY_KEY`` and ``ESTIMATES_KEY`` are the
template's two top-level keys, which ``evreg add-study`` reads back
(:mod:`evreg.living.submission`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from evreg.data.effects import PRINTED_CI_LEVEL
from evreg.data.scope import SET_BY_ADD_STUDY, review_only_fields
from evreg.data.text import clip
from evreg.errors import EvregError

STUDY_KEY = "study"
ESTIMATES_KEY = "estimates"
CANDIDATE_KEY = "candidate"
RISK_OF_BIAS_KEY = "risk_of_bias"  # optional: the contributor's QUIPS judgements
SET_FOR_RISK_OF_BIAS = ("study_id", "data_version")  # filled by evreg add-study
DEFAULT_CI_LEVEL = f"{PRINTED_CI_LEVEL:g}"


# --------------------------------------------------------------------------- descriptor access


def load_descriptor(package: Path) -> dict[str, Any]:
    """Read datapackage.json as a dict; a clear error naming the file if it cannot be read.

    Unlike :func:`evreg.data.package.read_descriptor` (the loader's, which also checks the
    resources list), the error points to ``--package``: it is for the living commands."""
    try:
        descriptor = json.loads(package.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise EvregError(f"{package}: no such file (pass --package PATH)") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EvregError(f"{package}: cannot read the package descriptor: {exc}") from exc
    if not isinstance(descriptor, dict):
        raise EvregError(f"{package}: the descriptor is not a JSON object")
    return descriptor


def resource(descriptor: Mapping[str, Any], name: str, package: Path) -> Mapping[str, Any]:
    """The resource called ``name`` in the descriptor."""
    for res in descriptor.get("resources") or ():
        if isinstance(res, Mapping) and res.get("name") == name:
            return res
    raise EvregError(f"{package}: no resource named {clip(name)}")


def schema_fields(root: Path, res: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The Table Schema fields of a resource (schema given inline or as a path)."""
    schema = res.get("schema")
    if isinstance(schema, str):
        path = root / schema
        try:
            schema = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise EvregError(f"{path}: cannot read the schema: {exc}") from exc
    fields = schema.get("fields") if isinstance(schema, Mapping) else None
    if not isinstance(fields, list):
        raise EvregError(f"{root}: resource {clip(res.get('name'))} has no schema fields")
    return [f for f in fields if isinstance(f, dict) and isinstance(f.get("name"), str)]


# --------------------------------------------------------------------------- the YAML template


def _field_comment(field: Mapping[str, Any]) -> list[str]:
    """One or two comment lines describing a Table Schema field for the template."""
    constraints = field.get("constraints") or {}
    facts = [str(field.get("type", "string"))]
    if constraints.get("required"):
        facts.append("required")
    if "enum" in constraints:
        facts.append("one of: " + " | ".join(str(v) for v in constraints["enum"]))
    for key, label in (("minimum", "min"), ("maximum", "max"), ("pattern", "pattern")):
        if key in constraints:
            facts.append(f"{label} {constraints[key]}")
    if field.get("type") == "boolean":
        facts.append("true | false | empty = unknown")
    description = " ".join(str(field.get("description") or field.get("title") or "").split())
    lines = [f"# {description}"] if description else []
    lines.append(f"# ({'; '.join(facts)})")
    return lines


def _template_block(
    fields: Sequence[Mapping[str, Any]], indent: str, first: str, values: Mapping[str, str]
) -> list[str]:
    lines: list[str] = []
    for i, field in enumerate(fields):
        prefix = first if i == 0 else indent
        comment_indent = first.replace("- ", "") if i == 0 else indent
        lines.extend(f"{comment_indent}{c}" for c in _field_comment(field))
        given = values.get(field["name"]) or (
            DEFAULT_CI_LEVEL if field["name"] == "ci_level" else ""
        )
        # JSON strings are YAML double-quoted scalars: any prefilled text stays one safe value
        value = f" {json.dumps(given, ensure_ascii=False)}" if given else ""
        lines.append(f"{prefix}{field['name']}:{value}")
    return lines


def study_template_fields(root: Path, descriptor: Mapping[str, Any], package: Path) -> list[dict]:
    """The studies fields a study added since the review fills in: no review-only field
    (``evreg:reviewOnly``), nothing evreg add-study sets itself (in_review, added_in_version)."""
    fields = schema_fields(root, resource(descriptor, "studies", package))
    skip = set(review_only_fields({"fields": fields})) | set(SET_BY_ADD_STUDY)
    return [f for f in fields if f["name"] not in skip]


# What a screening record gives a new study's template: study field <- candidates field.
FROM_CANDIDATE = {
    "study_id": "candidate_id",
    "first_author": "first_author",
    "year": "year",
    "title": "title",
    "journal": "journal",
    "volume_issue": "volume_issue",
    "doi": "doi",
    "n_confirmed": "n",
    "design": "design",
    "biomarker": "biomarker",
    "treatment": "treatment",
    "cutoff_confirmed": "cutoff",
    "source_url": "source_url",
}


def _head(descriptor: Mapping[str, Any], candidate: Mapping[str, str] | None) -> list[str]:
    head = [
        "# evreg add-study template: fill it in, then run `evreg add-study FILE.yaml`.",
        "# Copy every number exactly as printed in the source, and say where it is printed",
        "# (source_url, source_location). Leave a value empty when the source does not give it:",
        "# never estimate or back-calculate a number. Quote text that contains ': ' or '#'.",
        "# The study is added since the source review: give what its own paper prints, and your",
        "# own Newcastle-Ottawa assessment with your name or ORCID iD (quality_assessed_by).",
        "# evreg add-study marks it as added (in_review: false) in the next data version.",
        f"# Generated from the schemas of data package version {descriptor.get('version', '?')}.",
    ]
    if candidate is not None:
        record = candidate.get("candidate_id", "")
        head += [
            f"# Pre-filled from screening record {record} (data/candidates.csv): check every",
            "# value against the full text; adding the study marks the record included.",
            "",
            f"{CANDIDATE_KEY}: {json.dumps(record, ensure_ascii=False)}",
        ]
    return head


def render_template(package: Path, candidate: Mapping[str, str] | None = None) -> str:
    """A commented YAML template for one new study and its estimates, from the package's
    schemas; pre-filled from a screening record (a row of candidates.csv) when given."""
    descriptor = load_descriptor(package)
    root = package.parent
    study_fields = study_template_fields(root, descriptor, package)
    estimate_fields = [
        f
        for f in schema_fields(root, resource(descriptor, "estimates", package))
        if f["name"] != "study_id"
    ]
    study = {k: (candidate or {}).get(v, "") for k, v in FROM_CANDIDATE.items()}
    estimate = {"biomarker": study["biomarker"]}
    body = _template_block(study_fields, "  ", "  ", study)
    middle = [
        "",
        "# One entry per biomarker x outcome x exposure x time point x model x cohort.",
        "# Repeat the block (from '- ') for each estimate. estimate_id may stay empty: it is then",
        "# made from study_id, biomarker, outcome (and time point unless baseline).",
        f"{ESTIMATES_KEY}:",
    ]
    tail = _template_block(estimate_fields, "    ", "  - ", estimate)
    head = [*_head(descriptor, candidate), "", f"{STUDY_KEY}:"]
    return (
        "\n".join(
            head
            + body
            + middle
            + tail
            + list(DERIVATION_HELP)
            + _risk_of_bias_block(root, descriptor)
        )
        + "\n"
    )


def _risk_of_bias_block(root: Path, descriptor: Mapping[str, Any]) -> list[str]:
    """The optional QUIPS block (when the package has a risk_of_bias resource): an empty list
    and, commented out, one entry to copy per domain judged."""
    res = next(
        (r for r in descriptor.get("resources") or () if r.get("name") == RISK_OF_BIAS_KEY), None
    )
    if res is None:
        return []
    fields = [f for f in schema_fields(root, res) if f["name"] not in SET_FOR_RISK_OF_BIAS]
    example = _template_block(fields, "    ", "  - ", {})
    return [
        "",
        "# Optional: your risk-of-bias judgements with QUIPS (Hayden et al. 2013), one entry per",
        "# domain you judged (outcome empty: every outcome). To give them, replace [] by entries",
        "# like the one below, without the leading '# '. Domains nobody judged count as unknown",
        "# risk (a concern); evreg add-study records the study id and the data version.",
        f"{RISK_OF_BIAS_KEY}: []",
        *(f"# {line}" for line in example),
    ]


# The derivation block an estimate may give instead of hr/ci (evreg.living.derivation_block).
DERIVATION_HELP = (
    "    # No hazard ratio printed? Leave hr, ci_lower, ci_upper empty, set status: derived",
    "    # and give what the paper prints instead; evreg derives the HR (Tierney 2007 for",
    "    # statistics, Guyot 2012 for Kaplan-Meier curves) and shows it as derived.",
    "    # Try it first with `evreg derive logrank --help` (or oe, ci, km).",
    "    # derivation:          # uncomment from here",
    "    #   method: logrank      # logrank, oe (O-E and variance), p (HR and its p), km",
    '    #   p: "0.004"           # as printed; or chisq: 25.42',
    "    #   events: 80           # total events, both groups",
    "    #   ratio: 45/75         # patients high/low as printed (empty: 1)",
    "    #   worse: high          # the group with the shorter survival",
    "    #   source_location: Figure 2, log-rank test",
    "    #   # km: curves: {low: low.csv, high: high.csv}, at_risk: at-risk.csv,",
    "    #   #     reference: low (files next to this YAML: time,survival and time,low,high)",
)

"""The source review's studies and the studies added since: which is which, and what applies.

Each study says whether it is one of the source review's (``in_review``); an added study names
the data version that first includes it (``added_in_version``). Fields that exist only because
the review printed them (N as the review reports it, the outcomes it pooled, its NOS total...)
are marked in the studies Table Schema with the custom property ``"evreg:reviewOnly": true``
and say what an added study gives instead (``"evreg:forAddedStudies"``): validation, the
add-study template and the site read the rule from the schema, never from a list in code.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any

REVIEW_ONLY = "evreg:reviewOnly"
FOR_ADDED = "evreg:forAddedStudies"
IN_REVIEW = "in_review"
ADDED_IN_VERSION = "added_in_version"
ASSESSED_BY = "quality_assessed_by"
NOS_DOMAINS = ("nos_selection", "nos_comparability", "nos_outcome")
# Filled by evreg add-study for a new study: never asked of the contributor.
SET_BY_ADD_STUDY = (IN_REVIEW, ADDED_IN_VERSION)
_ORCID = re.compile(r"^(?:https?://orcid\.org/)?(\d{4}-\d{4}-\d{4}-\d{3}[\dX])$")
_ORCID_LIKE = re.compile(r"\d{4}-\d{4}-\d{4}-\d{3}[\dXx]|orcid", re.IGNORECASE)


def review_only_fields(schema: Mapping[str, Any]) -> dict[str, str]:
    """Field name -> what an added study gives instead, for each review-only field."""
    out = {}
    for field in schema.get("fields") or ():
        if isinstance(field, Mapping) and field.get(REVIEW_ONLY) is True:
            out[str(field.get("name"))] = str(field.get(FOR_ADDED) or "leave it empty")
    return out


def in_review(study: Mapping[str, Any]) -> bool:
    """True for one of the source review's studies. Typed rows hold a bool, printed rows the
    text; anything but an explicit false counts as the review's (added studies must say so)."""
    value = study.get(IN_REVIEW)
    if isinstance(value, str):
        return value.strip().lower() != "false"
    return value is not False


def patients(study: Mapping[str, Any]) -> int | None:
    """A study's number of patients, from the one field that holds it for its kind: N as the
    source review reports it for one of the review's studies (N confirmed in the primary source
    when the review gives none), N confirmed by the contributor for a study added since."""
    fields = ("n", "n_confirmed") if in_review(study) else ("n_confirmed",)
    for name in fields:
        value = study.get(name)
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def review_subset(package: Any) -> Any:
    """The package with only the source review's studies and their estimates (for reproducing
    and auditing the review). Tables, printed rows and CSV lines stay aligned."""
    keep = {s["study_id"] for s in package.studies if in_review(s)}
    tables, raw, lines = dict(package.tables), dict(package.raw_tables), dict(package.row_lines)
    for name, key in (("studies", "study_id"), ("estimates", "study_id")):
        rows = package.tables[name]
        chosen = [i for i, row in enumerate(rows) if row.get(key) in keep]
        tables[name] = tuple(rows[i] for i in chosen)
        if len(package.raw_tables.get(name, ())) == len(rows):
            raw[name] = tuple(package.raw_tables[name][i] for i in chosen)
        if len(package.row_lines.get(name, ())) == len(rows):
            lines[name] = tuple(package.row_lines[name][i] for i in chosen)
    return dataclasses.replace(package, tables=tables, raw_tables=raw, row_lines=lines)


def orcid_problem(text: str) -> str | None:
    """Why ``text`` is not a valid ORCID iD, if it looks like one (ISO 7064 MOD 11-2 check
    digit, as ORCID documents it); None for a valid iD or a plain name."""
    value = text.strip()
    if not _ORCID_LIKE.search(value):
        return None
    match = _ORCID.match(value)
    if not match:
        return "looks like an ORCID iD but is not of the form 0000-0002-1825-0097"
    digits = match.group(1).replace("-", "")
    total = 0
    for ch in digits[:-1]:
        total = (total + int(ch)) * 2
    check = (12 - total % 11) % 11
    expected = "X" if check == 10 else str(check)
    if digits[-1] != expected:
        return f"is not a valid ORCID iD (its check digit should be {expected})"
    return None

"""`evreg validate`'s checks of the studies (counts, cohorts, the review's studies and those
added since), of the estimates' keys and studies, and of the screening records, each on a
minimal broken copy of the synthetic package, asserted by code, file, line and field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fixtures.breakage import copy_row, get_cell, matching, read_rows, set_cell
from fixtures.validate_cases import (
    CAN,
    EST,
    STU,
    Case,
    Where,
    added,
    added_case,
    cell,
    edit_json,
    est,
    record,
    reported,
    the_coded,
)

from evreg.data.validate import validate_package


def _duplicate_combination(pkg: Path) -> Where:
    line = copy_row(pkg, "estimates", "alpha-2020-il6-pfs", estimate_id="alpha-2020-il6-pfs-2")
    return EST, line, "estimate_id", "estimate-key-repeated"


def _same_cohort(pkg: Path) -> Where:
    for field in ("n", "age", "male", "female"):
        line = set_cell(
            pkg, "studies", "beta-2021", field, get_cell(pkg, "studies", "alpha-2020", field)
        )
    return STU, line, "n", "same-cohort"


def _nos_domains(pkg: Path) -> Where:
    for field, value in (("nos_selection", "4"), ("nos_comparability", "2"), ("nos_outcome", "3")):
        line = set_cell(pkg, "studies", "alpha-2020", field, value)
    set_cell(pkg, "studies", "alpha-2020", "quality_assessed_by", "A Reviewer")
    return STU, line, "nos_score", "nos-total-mismatch"


def _two_records_one_study(pkg: Path) -> Where:
    added(pkg)
    changes = {"screening_status": "included", "included_as": "omega-2026"}
    for name, value in changes.items():
        set_cell(pkg, "candidates", "zeta-2025", name, value)
    line = copy_row(pkg, "candidates", "zeta-2025", candidate_id="zeta-2025b", doi="", title="x")
    return CAN, line, "included_as", "included-as-repeated"


def _more_review_studies_than_reported(pkg: Path) -> Where:
    counts = {"studies_included": 2}
    edit_json(
        pkg, "datapackage.json", lambda d: d["review"]["prisma_counts_reported"].update(counts)
    )
    marked = [i + 1 for i, r in enumerate(read_rows(pkg, "studies")) if r[1] == "true"]
    return STU, marked[2], "in_review", "in-review-count-exceeded"


CASES: dict[str, Case] = {
    # keys and references
    "duplicate estimate combination": _duplicate_combination,
    "unknown study_id": est("alpha-2020-il6-pfs", "study_id", "nobody-2020", "unknown-study"),
    "biomarker differs from study": est(
        "alpha-2020-il6-pfs", "biomarker", "SII", "biomarker-differs-from-study"
    ),
    # studies
    "same N, age and sex": _same_cohort,
    "NOS total vs domains": _nos_domains,
    "sex counts vs n": cell("studies", "alpha-2020", "male", "81", "sex-counts-mismatch", "n"),
    "n confirmed differs": cell(
        "studies", "alpha-2020", "n_confirmed", "99", "n-confirmed-differs"
    ),
    "outcome used without estimate": cell(
        "studies", "gamma-2022", "outcomes_used_by_review", "PFS;OS", "outcome-without-estimate"
    ),
    "review study characteristics without their location": cell(
        "studies", "alpha-2020", "review_source_location", "", "review-source-location-missing"
    ),
    "more review studies than the review included": _more_review_studies_than_reported,
    # the review's studies and the studies added since
    "added study with a review-only field": added_case(
        "n", {"n": "110"}, "review-only-field-given"
    ),
    "added study with the review's NOS total": added_case(
        "nos_score", {"nos_score": "7"}, "review-only-field-given"
    ),
    "added study without its version": added_case(
        "added_in_version", {"added_in_version": ""}, "added-version-missing"
    ),
    "added study without NOS domain": added_case(
        "nos_outcome", {"nos_outcome": ""}, "added-nos-domain-missing"
    ),
    "added study without assessor": added_case(
        "quality_assessed_by", {"quality_assessed_by": ""}, "added-assessor-missing"
    ),
    "added study without its paper": added_case(
        "source_url", {"source_url": ""}, "added-source-missing"
    ),
    "ORCID with a wrong check digit": added_case(
        "quality_assessed_by", {"quality_assessed_by": "0000-0002-1825-0098"}, "orcid-invalid"
    ),
    "added study with n_confirmed vs sex counts": added_case(
        "n_confirmed", {"male": "100", "female": "20"}, "sex-counts-mismatch"
    ),
    "review study with a version": cell(
        "studies", "alpha-2020", "added_in_version", "1.1.0", "review-study-has-version"
    ),
    "review study with domains but no assessor": cell(
        "studies",
        "alpha-2020",
        "nos_outcome",
        "3",
        "review-study-assessor-missing",
        "quality_assessed_by",
    ),
    "in_review missing": cell("studies", "alpha-2020", "in_review", "", "constraint-required"),
    # screening records
    "included without a study": record(
        "included_as", {"screening_status": "included"}, "included-as-missing"
    ),
    "included as an unknown study": record(
        "included_as",
        {"screening_status": "included", "included_as": "nobody-2020"},
        "unknown-study",
    ),
    "included as a review study": record(
        "included_as",
        {"screening_status": "included", "included_as": "alpha-2020"},
        "included-as-review-study",
    ),
    "two records included as one study": _two_records_one_study,
    "excluded without a reason": record(
        "exclusion_reason", {"screening_status": "excluded"}, "exclusion-reason-missing"
    ),
    "awaiting with a reason": record(
        "exclusion_reason", {"exclusion_reason": "not ICI"}, "exclusion-reason-unexpected"
    ),
    "awaiting with a study": record(
        "included_as", {"included_as": "omega-2026"}, "included-as-unexpected"
    ),
    "reason not in the list": record(
        "exclusion_reason",
        {"screening_status": "excluded", "exclusion_reason": "boring"},
        "constraint-enum",
    ),
    "status not in the list": record(
        "screening_status", {"screening_status": "maybe"}, "constraint-enum"
    ),
    "candidate already included": cell(
        "candidates",
        "zeta-2025",
        "doi",
        "10.5555/alpha.2020",
        "candidate-already-included",
        "candidate_id",
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_check_reports_broken_copy(name: str, package_copy: Path) -> None:
    reported(CASES[name], package_copy)


def test_same_cohort_warning_goes_when_data_differ(package_copy: Path) -> None:
    where = _same_cohort(package_copy)
    the_coded(package_copy, where)
    set_cell(package_copy, "studies", "beta-2021", "age", "")
    assert not [f for f in validate_package(package_copy) if f.code == "same-cohort"]


def test_an_added_study_that_repeats_a_review_cohort_is_flagged(package_copy: Path) -> None:
    """An added study's own N (n_confirmed) is compared with the review's N: a duplicate
    cohort shows up although the added study has no review N."""
    line = added(package_copy, n_confirmed="100", age="60 (52-67)", male="80", female="20")
    hit = the_coded(package_copy, (STU, line, "n", "same-cohort"))
    assert hit.values["first_id"] == "alpha-2020"


def test_included_record_of_its_own_study_is_not_a_duplicate(package_copy: Path) -> None:
    added(package_copy, doi="10.5555/omega.2026")
    for name, value in (
        ("doi", "10.5555/omega.2026"),
        ("screening_status", "included"),
        ("included_as", "omega-2026"),
    ):
        set_cell(package_copy, "candidates", "zeta-2025", name, value)
    assert validate_package(package_copy) == []


def test_review_only_fields_are_read_from_the_schema(package_copy: Path) -> None:
    """Unmark a field in the schema and an added study may fill it: the rule lives there."""
    path = package_copy / "schemas" / "studies.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    field = next(f for f in schema["fields"] if f["name"] == "cutoff_reported")
    assert field.pop("evreg:reviewOnly") is True
    path.write_text(json.dumps(schema), encoding="utf-8")
    line = added(package_copy, cutoff_reported="500")
    assert not [f for f in validate_package(package_copy) if f.row == line and f.file == STU]
    field["evreg:reviewOnly"] = True
    path.write_text(json.dumps(schema), encoding="utf-8")
    hit = the_coded(package_copy, (STU, line, "cutoff_reported", "review-only-field-given"))
    assert "cutoff_confirmed" in hit.values["instead"]


def test_html_and_non_ascii_titles_are_valid(package_copy: Path) -> None:
    title = "<script>alert('x')</script> & Ünïcödé — 肝細胞癌, \"quoted\""
    set_cell(package_copy, "studies", "alpha-2020", "title", title)
    set_cell(package_copy, "estimates", "alpha-2020-il6-pfs", "notes", "<b>bold</b> ≥ 7.4 pg/mL")
    findings = validate_package(package_copy)
    assert not matching(findings, STU, 2, "title", "error")
    assert [f for f in findings if f.severity == "error"] == []

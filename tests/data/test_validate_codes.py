"""Every finding code is produced by a test input: the checks of the optional resources (search
history, QUIPS judgements, baseline risks, derivations) and of reviewers' judgements made on
other studies, each on a broken copy of the synthetic package; and the registry against all
the cases of the validate tests (a code no input produces is listed, with why)."""

from __future__ import annotations

from pathlib import Path

import pytest
import test_validate_numbers
import test_validate_plan
import test_validate_robust
import test_validate_schema
import test_validate_studies
from fixtures.breakage import set_cell
from fixtures.synthetic import ESTIMATES, TRIAL_BASELINE, add_resource, write_package
from fixtures.validate_cases import (
    EST,
    Case,
    Where,
    assert_templated,
    edit_json,
    judgement,
    reported,
)

from evreg.data.validate.finding import CODES
from evreg.living.judge import stale_warnings

SEARCH = {
    "search_id": "pubmed-2026-12-02",
    "date_run": "2026-12-02",
    "database": "PubMed",
    "query": "hepatocellular carcinoma AND interleukin-6",
    "since": "2026-01-01",
    "until": "2026-12-01",
    "records_returned": "7",
    "new_records": "2",
    "run_by": "evreg search",
}
QUIPS = {
    "study_id": "alpha-2020",
    "outcome": "PFS",
    "domain": "study_participation",
    "judgement": "low",
    "support": "Consecutive patients.",
    "assessed_by": "A Reviewer",
    "data_version": "1.0.0",
}
DERIVATION = {
    "estimate_id": ESTIMATES[0]["estimate_id"],
    "method": "logrank",
    "p": "0.004",
    "events": "80",
    "worse": "high",
    "source_location": "Figure 2",
}


def _rows(name: str, *rows: dict[str, str], field: str, code: str, file: str = "") -> Case:
    """The optional resource ``name`` with ``rows``; the finding on the last row (of
    ``file``, default the resource's own)."""

    def case(pkg: Path) -> Where:
        add_resource(pkg, name, rows)
        return file or f"data/{name}.csv", len(rows) + 1, field, code

    return case


def _search(field: str, code: str, **changes: str) -> Case:
    return _rows("search_history", SEARCH | changes, field=field, code=code)


def _screened_by(search_id: str, field: str, code: str, file: str, **changes: str) -> Case:
    """The search history, and the screening record zeta-2025 naming ``search_id``."""

    def case(pkg: Path) -> Where:
        add_resource(pkg, "search_history", [SEARCH | changes])
        line = set_cell(pkg, "candidates", "zeta-2025", "search_id", search_id)
        return file, line if file.endswith("candidates.csv") else 2, field, code

    return case


def _baseline(field: str, code: str, **changes: str) -> Case:
    return _rows("baseline_risks", TRIAL_BASELINE | changes, field=field, code=code)


def _derived_without_row(pkg: Path) -> Where:
    add_resource(pkg, "derivations", [])
    line = set_cell(pkg, "estimates", "alpha-2020-il6-pfs", "status", "derived")
    return EST, line, "status", "derivation-missing"


def _descriptor_is_a_link(pkg: Path) -> Where:
    real = pkg / "descriptor.json"
    (pkg / "datapackage.json").rename(real)
    (pkg / "datapackage.json").symlink_to(real)
    return "datapackage.json", None, None, "symbolic-link"


def _no_descriptor(pkg: Path) -> Where:
    (pkg / "datapackage.json").unlink()
    return str(pkg / "datapackage.json"), None, None, "descriptor-not-found"


def _unnamed_field(pkg: Path) -> Where:
    edit_json(pkg, "schemas/studies.json", lambda s: s["fields"][3].pop("name"))
    return "schemas/studies.json", None, "fields", "schema-field-unnamed"


MEDIAN = {"measure": "median", "unit": "months", "time_months": ""}
CASES: dict[str, Case] = {
    "search window ends before it starts": _search(
        "until", "search-window-reversed", until="2025-12-01"
    ),
    "more new records than returned": _search(
        "new_records", "search-new-exceeds-returned", new_records="8"
    ),
    "more records name a search than it found": _screened_by(
        "pubmed-2026-12-02",
        "new_records",
        "search-new-below-screened",
        "data/search_history.csv",
        new_records="0",
    ),
    "record names an unknown search": _screened_by(
        "pubmed-2026-01-01", "search_id", "unknown-search", "data/candidates.csv"
    ),
    "QUIPS of an unknown study": _rows(
        "risk_of_bias", QUIPS | {"study_id": "nobody-2020"}, field="study_id", code="unknown-study"
    ),
    "QUIPS of an outcome without estimate": _rows(
        "risk_of_bias",
        QUIPS | {"study_id": "gamma-2022", "outcome": "OS"},
        field="outcome",
        code="rob-outcome-unknown",
    ),
    "QUIPS judged twice": _rows(
        "risk_of_bias", QUIPS, QUIPS, field="domain", code="rob-judged-twice"
    ),
    "survival in months": _baseline("unit", "baseline-survival-unit", unit="months"),
    "survival without time point": _baseline(
        "time_months", "baseline-time-missing", time_months=""
    ),
    "horizon not the time point": _baseline(
        "horizon_months", "baseline-horizon-differs", horizon_months="24"
    ),
    "survival over 100 %": _baseline(
        "value", "baseline-not-percentage", value="140", ci_upper="150"
    ),
    "median in percent": _baseline("unit", "baseline-median-unit", **MEDIAN | {"unit": "percent"}),
    "median with a time point": _baseline(
        "time_months", "baseline-median-time", **MEDIAN | {"time_months": "12", "value": "40"}
    ),
    "value outside its CI": _baseline("value", "baseline-outside-ci", value="50.0"),
    "low-marker group without biomarker": _baseline(
        "biomarker", "baseline-biomarker-missing", group="low_marker"
    ),
    "whole arm with a biomarker": _baseline(
        "biomarker", "baseline-biomarker-unexpected", biomarker="SII"
    ),
    "baseline of an outcome no analysis has": _baseline(
        "outcome", "baseline-outcome-unused", outcome="DFS"
    ),
    "derivation without its input": _rows(
        "derivations", DERIVATION | {"events": ""}, field="events", code="derivation-input-missing"
    ),
    "log-rank p and chi-squared": _rows(
        "derivations", DERIVATION | {"chisq": "8.1"}, field="chisq", code="derivation-p-and-chisq"
    ),
    "derivation with another method's input": _rows(
        "derivations",
        DERIVATION | {"variance": "3"},
        field="variance",
        code="derivation-input-unused",
    ),
    "derivation of an unknown estimate": _rows(
        "derivations",
        DERIVATION | {"estimate_id": "nobody-2020-il6-pfs"},
        field="estimate_id",
        code="unknown-estimate",
    ),
    "derivation of an extracted estimate": _rows(
        "derivations", DERIVATION, field="estimate_id", code="derivation-of-underived"
    ),
    "derived estimate without its derivation": _derived_without_row,
    # what the reader refuses (the junk files: test_validate_robust)
    "descriptor a symbolic link": _descriptor_is_a_link,
    "no descriptor": _no_descriptor,
    "schema field without a name": _unnamed_field,
}
# Reviewers' judgements against the estimates pooled now (evreg validate, after the checks).
STALE: dict[str, Case] = {
    "judgement without its estimates": judgement(
        "estimate_ids", "certainty-estimates-unrecorded", analysis_id="il6-pfs"
    ),
    "judgement made on other estimates": judgement(
        "estimate_ids", "certainty-stale", estimate_ids="nobody-2020-il6-pfs", data_version="1.0.0"
    ),
}
# Codes no test input produces, and why.
UNREACHED = {
    "unreadable": "a PackageError raised without a code (none on validate's way of reading)",
    "path-links-outside": "a path that resolves outside without a link (refused before)",
    "frictionless-error": "a frictionless error type evreg does not expect (none known)",
    "descriptor-invalid": "frictionless raising on a descriptor instead of reporting",
    "validation-failed": "frictionless raising on a CSV the loader read",
    "constraint-unreadable": "a frictionless constraint note in an unknown form",
}
FAMILIES = (
    test_validate_numbers,
    test_validate_studies,
    test_validate_plan,
    test_validate_schema,
)


@pytest.mark.parametrize("name", list(CASES))
def test_check_reports_broken_copy(name: str, package_copy: Path) -> None:
    reported(CASES[name], package_copy)


@pytest.mark.parametrize("name", list(STALE))
def test_stale_judgement_is_a_coded_warning(name: str, package_copy: Path) -> None:
    file, line, field, code = STALE[name](package_copy)
    findings = stale_warnings(package_copy)
    assert_templated(findings)
    assert [(f.file, f.row, f.field, f.code) for f in findings] == [(file, line, field, code)]


def test_every_code_is_produced_by_a_test_input(tmp_path: Path) -> None:
    """Each case says which code its input produces (its own test checks that it does): the
    cases together produce every registered code but the UNREACHED ones."""
    groups = [CASES, STALE, *(module.CASES for module in FAMILIES)]
    cases = [case for group in groups for case in group.values()]
    junk = {code for _, _, code in test_validate_robust.JUNK.values()}  # asserted there
    produced = {
        case(write_package(tmp_path / str(i), changelog=False))[3] for i, case in enumerate(cases)
    }
    assert set(UNREACHED) <= set(CODES)
    assert sorted(set(CODES) - produced - junk - set(UNREACHED)) == []
    assert not (produced | junk) & set(UNREACHED)

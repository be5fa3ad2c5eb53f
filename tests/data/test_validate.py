"""Every domain and schema check of `evreg validate`, each on a minimal broken copy of the
synthetic package the tests build (the `package_copy` fixture, fixtures.synthetic), plus what
holds for the shipped package whatever its data."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest
from fixtures.breakage import (
    copy_row,
    get_cell,
    matching,
    read_rows,
    set_cell,
    the_finding,
    write_rows,
)
from fixtures.synthetic import added_rows

from evreg.data.validate import exit_code, validate_package

EST, STU, ANA, PUB, CAN = (
    f"data/{n}.csv" for n in ("estimates", "studies", "analyses", "published_results", "candidates")
)


def test_shipped_package_has_no_errors(root: Path) -> None:
    """Derived from the data alone: whatever it holds, the shipped package has no error, and
    --strict fails exactly when it has warnings."""
    findings = validate_package(root)
    assert [f for f in findings if f.severity == "error"] == []
    assert exit_code(findings) == 0
    assert exit_code(findings, strict=True) == int(bool(findings))


def test_synthetic_package_is_clean(package_copy: Path) -> None:
    assert validate_package(package_copy) == []


def test_warnings_alone_exit_0_and_strict_exits_1(package_copy: Path) -> None:
    """A cohort copied from another study and an on-treatment estimate in a plan of baseline
    ones (what the shipped data hold too) are warnings: exit 0, --strict exits 1."""
    for field in ("n", "age", "male", "female"):
        set_cell(
            package_copy,
            "studies",
            "beta-2021",
            field,
            get_cell(package_copy, "studies", "alpha-2020", field),
        )
    set_cell(package_copy, "estimates", "alpha-2020-il6-os", "timepoint", "on_treatment")
    findings = validate_package(package_copy)
    line = [r[0] for r in read_rows(package_copy, "studies")].index("beta-2021") + 1
    same = matching(findings, STU, line, "n", "warning")
    assert same and "alpha-2020" in same[0].message
    ana = [r[0] for r in read_rows(package_copy, "analyses")].index("il6-os") + 1
    hit = matching(findings, ANA, ana, "timepoints", "warning")
    assert hit and "on_treatment: alpha-2020-il6-os" in hit[0].message
    assert {f.severity for f in findings} == {"warning"}
    assert exit_code(findings) == 0 and exit_code(findings, strict=True) == 1


# Each case: (edit the copy -> expected (file, line, field, severity, text in message)).
Case = Callable[[Path], tuple[str, int | None, str | None, str, str]]


def _cell(
    name: str, row_id: str, field: str, value: str, severity: str, text: str, at: str = ""
) -> Case:
    """Set one cell; the finding is expected on that line, at field ``at`` (default: same)."""

    def case(pkg: Path) -> tuple:
        line = set_cell(pkg, name, row_id, field, value)
        return f"data/{name}.csv", line, at or field, severity, text

    return case


_est = partial(_cell, "estimates")


def _ci_lower_above_hr(pkg: Path) -> tuple:
    line = set_cell(pkg, "estimates", "alpha-2020-il6-pfs", "ci_lower", "2.61")
    return EST, line, "ci_lower", "error", "2.61 is not below hr 1.62"


def _incomplete_without_numbers(pkg: Path) -> tuple:
    set_cell(pkg, "estimates", "beta-2021-il6-os", "hr", "")
    line = set_cell(pkg, "estimates", "beta-2021-il6-os", "p_as_printed", "")
    return EST, line, "status", "warning", "no hr, CI or p is given (use not_found)"


def _duplicate_combination(pkg: Path) -> tuple:
    line = copy_row(pkg, "estimates", "alpha-2020-il6-pfs", estimate_id="alpha-2020-il6-pfs-2")
    return EST, line, "estimate_id", "error", "same study, biomarker, outcome, exposure"


def _same_cohort(pkg: Path) -> tuple:
    for field in ("n", "age", "male", "female"):
        line = set_cell(
            pkg, "studies", "beta-2021", field, get_cell(pkg, "studies", "alpha-2020", field)
        )
    return STU, line, "n", "warning", "identical to alpha-2020 (line 2)"


def _nos_domains(pkg: Path) -> tuple:
    for field, value in (("nos_selection", "4"), ("nos_comparability", "2"), ("nos_outcome", "3")):
        line = set_cell(pkg, "studies", "alpha-2020", field, value)
    set_cell(pkg, "studies", "alpha-2020", "quality_assessed_by", "A Reviewer")
    return STU, line, "nos_score", "error", "7 does not equal the sum of its domain scores (9)"


def _mix_exposures(pkg: Path) -> tuple:
    copy_row(
        pkg,
        "estimates",
        "gamma-2022-sii-pfs",
        estimate_id="gamma-2022-sii-pfs-change",
        exposure="SII change after one cycle",
        comparison="increase_vs_decrease",
        timepoint="change",
    )
    value = "high_vs_low;low_vs_high;unknown;increase_vs_decrease"
    set_cell(pkg, "analyses", "sii-pfs", "timepoints", "baseline;on_treatment;unknown;change")
    line = set_cell(pkg, "analyses", "sii-pfs", "comparisons", value)
    return (
        ANA,
        line,
        "comparisons",
        "warning",
        "change (increase vs decrease): gamma-2022-sii-pfs-change",
    )


def _parent_is_a_subgroup(pkg: Path) -> tuple:
    line = copy_row(
        pkg, "analyses", "sii-pfs-hbv", analysis_id="sii-pfs-hbv-2", parent_analysis="sii-pfs-hbv"
    )
    return ANA, line, "parent_analysis", "error", "sii-pfs-hbv must be an overall analysis"


def _added(pkg: Path, **changes: str) -> int:
    """Append the fictional added study (fixtures.synthetic) with ``changes``; its line."""
    row, _ = added_rows(changes)
    header = read_rows(pkg, "studies")[0]
    rows = read_rows(pkg, "studies") + [[row.get(c, "") for c in header]]
    write_rows(pkg, "studies", rows)
    return len(rows)


def _added_case(field: str, changes: dict, severity: str, text: str) -> Case:
    def case(pkg: Path) -> tuple:
        return STU, _added(pkg, **changes), field, severity, text

    return case


def _record(field: str, cells: dict, text: str, at: str = "", sev: str = "error") -> Case:
    """Change the awaiting screening record zeta-2025; the finding is at field ``at``."""

    def case(pkg: Path) -> tuple:
        if cells.get("included_as") == "omega-2026":
            _added(pkg)
        for name, value in cells.items():
            line = set_cell(pkg, "candidates", "zeta-2025", name, value)
        return CAN, line, at or field, sev, text

    return case


def _schema_without_hr(pkg: Path) -> tuple:
    path = pkg / "schemas" / "estimates.json"
    schema = json.loads(path.read_text())
    schema["fields"] = [f for f in schema["fields"] if f["name"] != "hr"]
    path.write_text(json.dumps(schema))
    rows = read_rows(pkg, "estimates")
    col = rows[0].index("hr")
    write_rows(pkg, "estimates", [r[:col] + r[col + 1 :] for r in rows])
    return "schemas/estimates.json", None, "hr", "error", "field 'hr' is missing; evreg needs it"


def _schema_hr_as_string(pkg: Path) -> tuple:
    path = pkg / "schemas" / "estimates.json"
    schema = json.loads(path.read_text())
    next(f for f in schema["fields"] if f["name"] == "hr")["type"] = "string"
    path.write_text(json.dumps(schema))
    return "schemas/estimates.json", None, "hr", "error", "has type 'string'; evreg needs 'number'"


def _schema_bad_type(pkg: Path) -> tuple:
    path = pkg / "schemas" / "studies.json"
    schema = json.loads(path.read_text())
    schema["fields"][2]["type"] = "wat"
    path.write_text(json.dumps(schema))
    return "schemas/studies.json", None, None, "error", 'field type "wat" is not supported'


def _descriptor(change: Callable[[dict], None], field: str | None, text: str, sev="error") -> Case:
    def case(pkg: Path) -> tuple:
        path = pkg / "datapackage.json"
        descriptor = json.loads(path.read_text())
        change(descriptor)
        path.write_text(json.dumps(descriptor))
        return "datapackage.json", None, field, sev, text

    return case


JUDGEMENT = {
    "analysis_id": "il6-pfs",
    "domain": "imprecision",
    "judgement": "serious",
    "reason": "One small study.",
    "assessed_by": "A Reviewer",
    "result_id": "",
    "data_version": "",
    "estimate_ids": "",
}


def _judgement(field: str, text: str, *extra: dict[str, str], **changes: str) -> Case:
    """A reviewer's certainty row (rows ``extra`` after it); the finding on the last row."""

    def case(pkg: Path) -> tuple:
        rows = [list(JUDGEMENT), list((JUDGEMENT | changes).values())]
        rows += [list((JUDGEMENT | more).values()) for more in extra]
        write_rows(pkg, "certainty", rows)
        return "data/certainty.csv", len(rows), field, "error", text

    return case


def _extra_resource(d: dict) -> None:
    d["resources"].append({"name": "notes", "path": "data/notes.csv"})


CASES: dict[str, Case] = {
    # numbers
    "hr zero": _est("alpha-2020-il6-pfs", "hr", "0", "error", "0 must be a finite number above"),
    "hr negative": _est("alpha-2020-il6-pfs", "hr", "-1.6", "error", "must be a finite number"),
    "hr infinite": _est("alpha-2020-il6-pfs", "hr", "inf", "error", "inf must be a finite"),
    "ci_lower above hr": _ci_lower_above_hr,
    "ci_upper below hr": _est(
        "alpha-2020-il6-pfs", "ci_upper", "1.5", "error", "1.5 is not above hr 1.62"
    ),
    "one CI limit": _est(
        "alpha-2020-il6-pfs", "ci_upper", "", "error", "empty, but ci_lower is given"
    ),
    "asymmetric CI": _est(
        "alpha-2020-il6-pfs", "ci_upper", "3.596", "warning", "is not symmetric around hr 1.62"
    ),
    "p inconsistent": _est(
        "alpha-2020-il6-pfs", "p_as_printed", "0.43", "warning", "the CI implies p = 0.014"
    ),
    "p unreadable": _est(
        "alpha-2020-il6-pfs", "p_as_printed", "significant", "warning", "is not a p value"
    ),
    "p above 1": _est("alpha-2020-il6-pfs", "p_as_printed", "1.5", "error", "not a probability"),
    "ci_level empty": _est("alpha-2020-il6-pfs", "ci_level", "", "warning", "read as 0.95"),
    # status
    "extracted without location": _est(
        "alpha-2020-il6-pfs", "source_location", "", "error", "status is extracted"
    ),
    "extracted without hr": _est("gamma-2022-sii-pfs", "hr", "", "error", "status is extracted"),
    "not_found with numbers": _est(
        "delta-2023-sii-os", "hr", "1.5", "error", "1.5 given, but status is not_found"
    ),
    "incomplete without source": _est(
        "beta-2021-il6-os", "source_location", "", "error", "every number needs its source"
    ),
    "incomplete without numbers": _incomplete_without_numbers,
    # keys and references
    "duplicate estimate combination": _duplicate_combination,
    "unknown study_id": _est(
        "alpha-2020-il6-pfs", "study_id", "nobody-2020", "error", "'nobody-2020' is not a study"
    ),
    "biomarker differs from study": _est(
        "alpha-2020-il6-pfs", "biomarker", "SII", "warning", "differs from the study's biomarker"
    ),
    "unknown direction with hr": _est(
        "alpha-2020-il6-pfs", "comparison", "unknown", "warning", "cannot be harmonised"
    ),
    "unknown analysis_id": _cell(
        "published_results", "il6-os", "analysis_id", "il6-dfs", "error", "is not an analysis_id"
    ),
    "unknown parent_analysis": _cell(
        "analyses", "sii-pfs-hbv", "parent_analysis", "nope", "error", "is not an analysis_id"
    ),
    "subgroup without parent": _cell(
        "analyses", "sii-pfs-hbv", "parent_analysis", "", "error", "needs both subgroup_variable"
    ),
    "parent is a subgroup": _parent_is_a_subgroup,
    "outcome differs from parent": _cell(
        "analyses", "sii-pfs-hbv", "outcome", "OS", "error", "OS differs from PFS in parent sii-pfs"
    ),
    "subgroup result without level": _cell(
        "published_results", "sii-pfs-hbv-true", "subgroup_level", "", "error", "needs a subgroup"
    ),
    "overall result with level": _cell(
        "published_results", "sii-pfs", "subgroup_level", "true", "error", "must not have"
    ),
    "two results for one level": _cell(
        "published_results", "sii-pfs-hbv-false", "subgroup_level", "true", "error", "a second"
    ),
    "published ci_upper below hr": _cell(
        "published_results",
        "il6-pfs",
        "hr",
        "2.70",
        "error",
        "2.24 is not above hr 2.70",
        "ci_upper",
    ),
    "candidate already included": _cell(
        "candidates",
        "zeta-2025",
        "doi",
        "10.5555/alpha.2020",
        "warning",
        "already included as alpha-2020",
        "candidate_id",
    ),
    # studies
    "same N, age and sex": _same_cohort,
    "NOS total vs domains": _nos_domains,
    "sex counts vs n": _cell("studies", "alpha-2020", "male", "81", "warning", "not n 100", "n"),
    "n confirmed differs": _cell(
        "studies", "alpha-2020", "n_confirmed", "99", "warning", "differs from n 100"
    ),
    "outcome used without estimate": _cell(
        "studies",
        "gamma-2022",
        "outcomes_used_by_review",
        "PFS;OS",
        "warning",
        "the review used OS from gamma-2022",
    ),
    # the review's studies and the studies added since
    "added study with a review-only field": _added_case(
        "n", {"n": "110"}, "error", "give the N printed in the study as n_confirmed"
    ),
    "added study with the review's NOS total": _added_case(
        "nos_score", {"nos_score": "7"}, "error", "give your own assessment as nos_selection"
    ),
    "added study without its version": _added_case(
        "added_in_version", {"added_in_version": ""}, "error", "names the data version"
    ),
    "added study without NOS domain": _added_case(
        "nos_outcome", {"nos_outcome": ""}, "error", "own Newcastle-Ottawa assessment"
    ),
    "added study without assessor": _added_case(
        "quality_assessed_by", {"quality_assessed_by": ""}, "error", "a name or ORCID iD"
    ),
    "ORCID with a wrong check digit": _added_case(
        "quality_assessed_by",
        {"quality_assessed_by": "0000-0002-1825-0098"},
        "error",
        "its check digit should be 7",
    ),
    "added study with n_confirmed vs sex counts": _added_case(
        "n_confirmed", {"male": "100", "female": "20"}, "warning", "not n_confirmed 110"
    ),
    "review study with a version": _cell(
        "studies", "alpha-2020", "added_in_version", "1.1.0", "error", "in_review is true"
    ),
    "review study with domains but no assessor": _cell(
        "studies",
        "alpha-2020",
        "nos_outcome",
        "3",
        "error",
        "say who assessed them",
        "quality_assessed_by",
    ),
    "in_review missing": _cell("studies", "alpha-2020", "in_review", "", "error", "required"),
    # screening records
    "included without a study": _record(
        "included_as", {"screening_status": "included"}, "name the study_id it became"
    ),
    "included as an unknown study": _record(
        "included_as",
        {"screening_status": "included", "included_as": "nobody-2020"},
        "'nobody-2020' is not a study_id",
    ),
    "included as a review study": _record(
        "included_as",
        {"screening_status": "included", "included_as": "alpha-2020"},
        "one of the source review's studies",
    ),
    "excluded without a reason": _record(
        "exclusion_reason", {"screening_status": "excluded"}, "give the reason"
    ),
    "awaiting with a reason": _record(
        "exclusion_reason", {"exclusion_reason": "not ICI"}, "given, but screening_status is"
    ),
    "awaiting with a study": _record(
        "included_as", {"included_as": "omega-2026"}, "given, but screening_status is awaiting"
    ),
    "reason not in the list": _record(
        "exclusion_reason",
        {"screening_status": "excluded", "exclusion_reason": "boring"},
        "'boring' is not one of",
    ),
    "status not in the list": _record(
        "screening_status", {"screening_status": "maybe"}, "'maybe' is not one of"
    ),
    # analyses
    "mix of exposures": _mix_exposures,
    "no qualifying estimate": _cell(
        "analyses",
        "il6-pfs",
        "models",
        "univariable",
        "warning",
        "no estimate qualifies",
        "analysis_id",
    ),
    # reviewers' certainty judgements and the plan's thresholds
    "certainty of an unknown analysis": _judgement(
        "analysis_id", "'nope' is not an analysis_id", analysis_id="nope"
    ),
    "certainty judgement the domain cannot take": _judgement(
        "judgement", "'large' is not a judgement for imprecision", judgement="large"
    ),
    "certainty upgrade judged as a downgrade": _judgement(
        "judgement", "'serious' is not a judgement for large_effect", domain="large_effect"
    ),
    "certainty without a reason": _judgement("reason", "a value is required", reason=""),
    "certainty without who judged": _judgement(
        "assessed_by", "a value is required", assessed_by=""
    ),
    "certainty of an unknown domain": _judgement("domain", "'bias' is not one of", domain="bias"),
    "certainty judged twice": _judgement(
        "domain", "judged twice (first on line 2)", {"judgement": "not serious"}
    ),
    "threshold below 1 that is not": _cell(
        "analyses", "il6-pfs", "threshold_lower", "1.2", "error", "must be below 1"
    ),
    "threshold above 1 that is not": _cell(
        "analyses", "il6-pfs", "threshold_upper", "1", "error", "must be above 1"
    ),
    # frictionless: types, enums, required, keys, patterns, ranges
    "enum": _est("alpha-2020-il6-pfs", "outcome", "DFS", "error", "'DFS' is not one of: PFS, OS"),
    "type number": _est("alpha-2020-il6-pfs", "hr", "abc", "error", "'abc' is not a valid number"),
    "type boolean": _cell(
        "studies", "alpha-2020", "hbv_all_patients", "yes", "error", "'yes' is not a valid boolean"
    ),
    "required": _est("alpha-2020-il6-pfs", "status", "", "error", "a value is required"),
    "duplicate primary key": _est(
        "alpha-2020-il6-os",
        "estimate_id",
        "alpha-2020-il6-pfs",
        "error",
        "duplicate key (first on line 2)",
    ),
    "pattern": _est(
        "alpha-2020-il6-pfs", "source_url", "ftp://x", "error", "does not have the expected form"
    ),
    "maximum": _cell("studies", "alpha-2020", "nos_score", "10", "error", "above the maximum 9"),
    # descriptor and schemas
    "schema lacks a needed field": _schema_without_hr,
    "schema mistypes a needed field": _schema_hr_as_string,
    "schema invalid": _schema_bad_type,
    "version not semver": _descriptor(
        lambda d: d.update(version="1.0"), "version", "not a semantic version"
    ),
    "created not ISO": _descriptor(
        lambda d: d.update(created="yesterday"), "created", "not an ISO 8601"
    ),
    "licenses missing": _descriptor(lambda d: d.pop("licenses"), "licenses", "is missing"),
    "remote profile": _descriptor(
        lambda d: d.update(profile="http://127.0.0.1:9/profile.json"), "profile", "offline"
    ),
    "unknown resource": _descriptor(
        _extra_resource, "resources", "'notes' is not one evreg knows", "warning"
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_check_reports_broken_copy(name: str, package_copy: Path) -> None:
    file, line, field, severity, text = CASES[name](package_copy)
    finding = the_finding(package_copy, file, line, field, severity, text)
    findings = validate_package(package_copy)
    assert exit_code(findings, strict=True) == 1
    if severity == "error":
        assert exit_code(findings) == 1
    assert str(finding).startswith(f"{file}:{line}:" if line else f"{file}")


def test_rounding_explains_small_asymmetry_and_p(package_copy: Path) -> None:
    """0.54 (0.30-0.96), p 0.03: asymmetric and p = 0.038 at face value, but consistent within
    the printed 2 decimals, so no warning; p 0.02 is outside."""
    for field, value in (("hr", "0.54"), ("ci_lower", "0.30"), ("ci_upper", "0.96")):
        line = set_cell(package_copy, "estimates", "gamma-2022-sii-pfs", field, value)
    set_cell(package_copy, "estimates", "gamma-2022-sii-pfs", "p_as_printed", "0.03")
    assert [f for f in validate_package(package_copy) if f.file == EST and f.row == line] == []
    set_cell(package_copy, "estimates", "gamma-2022-sii-pfs", "p_as_printed", "0.02")
    after = validate_package(package_copy)
    assert matching(after, EST, line, "p_as_printed", "warning")


def test_p_with_inequality_is_read(package_copy: Path) -> None:
    line = set_cell(package_copy, "estimates", "alpha-2020-il6-os", "p_as_printed", "< 0.05")
    assert not matching(validate_package(package_copy), EST, line, "p_as_printed", "warning")
    set_cell(package_copy, "estimates", "alpha-2020-il6-os", "p_as_printed", "> 0.05")
    assert matching(validate_package(package_copy), EST, line, "p_as_printed", "warning")


def test_mixed_time_points_warning_goes_when_data_agree(package_copy: Path) -> None:
    line = [r[0] for r in read_rows(package_copy, "analyses")].index("il6-pfs") + 1
    set_cell(package_copy, "estimates", "alpha-2020-il6-pfs", "timepoint", "on_treatment")
    assert matching(validate_package(package_copy), ANA, line, "timepoints", "warning")
    set_cell(package_copy, "estimates", "alpha-2020-il6-pfs", "timepoint", "baseline")
    assert not matching(validate_package(package_copy), ANA, line, "timepoints", "warning")


def test_same_cohort_warning_goes_when_data_differ(package_copy: Path) -> None:
    file, line, field, severity, _ = _same_cohort(package_copy)
    assert matching(validate_package(package_copy), file, line, field, severity)
    set_cell(package_copy, "studies", "beta-2021", "age", "")
    assert not matching(validate_package(package_copy), STU, line, "n", "warning")


def test_an_added_study_that_repeats_a_review_cohort_is_flagged(package_copy: Path) -> None:
    """An added study's own N (n_confirmed) is compared with the review's N: a duplicate
    cohort shows up although the added study has no review N."""
    line = _added(package_copy, n_confirmed="100", age="60 (52-67)", male="80", female="20")
    hit = matching(validate_package(package_copy), STU, line, "n", "warning")
    assert hit and "identical to alpha-2020" in hit[0].message


def test_included_record_of_its_own_study_is_not_a_duplicate(package_copy: Path) -> None:
    _added(package_copy, doi="10.5555/omega.2026")
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
    line = _added(package_copy, cutoff_reported="500")
    assert not [f for f in validate_package(package_copy) if f.row == line and f.file == STU]
    field["evreg:reviewOnly"] = True
    path.write_text(json.dumps(schema), encoding="utf-8")
    hit = matching(validate_package(package_copy), STU, line, "cutoff_reported", "error")
    assert hit and "cutoff_confirmed" in hit[0].message


def test_html_and_non_ascii_titles_are_valid(package_copy: Path) -> None:
    title = "<script>alert('x')</script> & Ünïcödé — 肝細胞癌, \"quoted\""
    set_cell(package_copy, "studies", "alpha-2020", "title", title)
    set_cell(package_copy, "estimates", "alpha-2020-il6-pfs", "notes", "<b>bold</b> ≥ 7.4 pg/mL")
    findings = validate_package(package_copy)
    assert [f for f in findings if f.severity == "error"] == []

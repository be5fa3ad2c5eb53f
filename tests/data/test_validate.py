"""Every domain and schema check of `evreg validate`, each on a minimal broken copy of the real
package (the `package_copy` fixture), plus the shipped package itself."""

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

from evreg.data.validate import exit_code, validate_package

EST, STU, ANA, PUB, CAN = (
    f"data/{n}.csv" for n in ("estimates", "studies", "analyses", "published_results", "candidates")
)


def test_shipped_package_has_no_errors(root: Path) -> None:
    findings = validate_package(root)
    assert [f for f in findings if f.severity == "error"] == []
    assert exit_code(findings) == 0


def test_shipped_package_warnings_are_the_known_ones(root: Path) -> None:
    """The evidence README names them: Kocheise copies Suzuki's N/age/sex; Suzuki's IL-6 is on
    treatment; the review's p for SII-OS non-HBV does not match its CI."""
    findings = validate_package(root)
    line = [r[0] for r in read_rows(root, "studies")].index("kocheise-2025") + 1
    assert matching(findings, STU, line, "n", "warning")
    assert "suzuki-2024" in matching(findings, STU, line, "n", "warning")[0].message
    ana = [r[0] for r in read_rows(root, "analyses")]
    for analysis in ("il6-pfs", "il6-os"):
        hit = matching(findings, ANA, ana.index(analysis) + 1, "timepoints", "warning")
        assert hit and "on_treatment: suzuki-2024" in hit[0].message
    assert exit_code(findings, strict=True) == 1


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
    set_cell(pkg, "estimates", "du-2024-il6-pfs", "hr", "1.62")
    line = set_cell(pkg, "estimates", "du-2024-il6-pfs", "ci_lower", "2.61")
    return EST, line, "ci_lower", "error", "2.61 is not below hr 1.62"


def _incomplete_without_numbers(pkg: Path) -> tuple:
    set_cell(pkg, "estimates", "miura-2025-il6-pfs", "hr", "")
    line = set_cell(pkg, "estimates", "miura-2025-il6-pfs", "p_as_printed", "")
    return EST, line, "status", "warning", "no hr, CI or p is given (use not_found)"


def _duplicate_combination(pkg: Path) -> tuple:
    line = copy_row(pkg, "estimates", "du-2024-il6-pfs", estimate_id="du-2024-il6-pfs-copy")
    return EST, line, "estimate_id", "error", "same study, biomarker, outcome, exposure"


def _same_cohort(pkg: Path) -> tuple:
    for field in ("n", "age", "male", "female"):
        line = set_cell(
            pkg, "studies", "jia-2023", field, get_cell(pkg, "studies", "liu-2023", field)
        )
    return STU, line, "n", "warning", "identical to liu-2023 (line 2)"


def _nos_domains(pkg: Path) -> tuple:
    for field, value in (("nos_selection", "4"), ("nos_comparability", "2"), ("nos_outcome", "3")):
        line = set_cell(pkg, "studies", "liu-2023", field, value)
    return STU, line, "nos_score", "error", "8 does not equal the sum of its domain scores (9)"


def _mix_exposures(pkg: Path) -> tuple:
    value = "high_vs_low;low_vs_high;unknown;increase_vs_decrease"
    set_cell(pkg, "analyses", "sii-pfs", "timepoints", "baseline;on_treatment;unknown;change")
    line = set_cell(pkg, "analyses", "sii-pfs", "comparisons", value)
    return (
        ANA,
        line,
        "comparisons",
        "warning",
        "change (increase vs decrease): yao-2025-sii-pfs-change",
    )


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


def _extra_resource(d: dict) -> None:
    d["resources"].append({"name": "notes", "path": "data/notes.csv"})


CASES: dict[str, Case] = {
    # numbers
    "hr zero": _est("du-2024-il6-pfs", "hr", "0", "error", "0 must be a finite number above 0"),
    "hr negative": _est("du-2024-il6-pfs", "hr", "-1.6", "error", "must be a finite number above"),
    "hr infinite": _est("du-2024-il6-pfs", "hr", "inf", "error", "inf must be a finite number"),
    "ci_lower above hr": _ci_lower_above_hr,
    "ci_upper below hr": _est(
        "du-2024-il6-pfs", "ci_upper", "1.5", "error", "1.5 is not above hr 1.624"
    ),
    "one CI limit": _est(
        "du-2024-il6-pfs", "ci_upper", "", "error", "empty, but ci_lower is given"
    ),
    "asymmetric CI": _est(
        "du-2024-il6-pfs", "ci_upper", "3.596", "warning", "is not symmetric around hr 1.624"
    ),
    "p inconsistent": _est(
        "du-2024-il6-pfs", "p_as_printed", "0.43", "warning", "the CI implies p = 0.043"
    ),
    "p unreadable": _est(
        "du-2024-il6-pfs", "p_as_printed", "significant", "warning", "is not a p value"
    ),
    "p above 1": _est("du-2024-il6-pfs", "p_as_printed", "1.5", "error", "not a probability"),
    "ci_level empty": _est("du-2024-il6-pfs", "ci_level", "", "warning", "read as 0.95"),
    # status
    "extracted without location": _est(
        "du-2024-il6-pfs", "source_location", "", "error", "status is extracted"
    ),
    "extracted without hr": _est("yao-2025-sii-pfs", "hr", "", "error", "status is extracted"),
    "not_found with numbers": _est(
        "liu-2023-sii-pfs", "hr", "1.5", "error", "1.5 given, but status is not_found"
    ),
    "incomplete without source": _est(
        "miura-2025-il6-pfs", "source_location", "", "error", "every number needs its source"
    ),
    "incomplete without numbers": _incomplete_without_numbers,
    # keys and references
    "duplicate estimate combination": _duplicate_combination,
    "unknown study_id": _est(
        "du-2024-il6-pfs", "study_id", "nobody-2020", "error", "'nobody-2020' is not a study_id"
    ),
    "biomarker differs from study": _est(
        "du-2024-il6-pfs", "biomarker", "SII", "warning", "differs from the study's biomarker IL-6"
    ),
    "unknown direction with hr": _est(
        "du-2024-il6-pfs", "comparison", "unknown", "warning", "cannot be harmonised"
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
    "parent is a subgroup": _cell(
        "analyses", "sii-os-local", "parent_analysis", "sii-os-hbv", "error", "overall analysis"
    ),
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
        "2.60 is not above hr 2.70",
        "ci_upper",
    ),
    "candidate already included": _cell(
        "candidates",
        "yang-2023",
        "doi",
        "10.3389/fimmu.2024.1329634",
        "warning",
        "du-2024",
        "candidate_id",
    ),
    # studies
    "same N, age and sex": _same_cohort,
    "NOS total vs domains": _nos_domains,
    "sex counts vs n": _cell("studies", "liu-2023", "male", "125", "warning", "not n 151", "n"),
    "n confirmed differs": _cell(
        "studies", "liu-2023", "n_confirmed", "150", "warning", "differs from n 151"
    ),
    "outcome used without estimate": _cell(
        "studies",
        "kocheise-2025",
        "outcomes_used_by_review",
        "PFS;OS",
        "warning",
        "the review used PFS from kocheise-2025",
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
    # frictionless: types, enums, required, keys, patterns, ranges
    "enum": _est("du-2024-il6-pfs", "outcome", "DFS", "error", "'DFS' is not one of: PFS, OS"),
    "type number": _est("du-2024-il6-pfs", "hr", "abc", "error", "'abc' is not a valid number"),
    "type boolean": _cell(
        "studies", "huang-2022", "hbv_all_patients", "yes", "error", "'yes' is not a valid boolean"
    ),
    "required": _est("du-2024-il6-pfs", "status", "", "error", "a value is required"),
    "duplicate primary key": _est(
        "du-2024-il6-os",
        "estimate_id",
        "du-2024-il6-pfs",
        "error",
        "duplicate key (first on line 6)",
    ),
    "pattern": _est(
        "du-2024-il6-pfs", "source_url", "ftp://x", "error", "does not have the expected form"
    ),
    "maximum": _cell("studies", "liu-2023", "nos_score", "10", "error", "above the maximum 9"),
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
    """yao-2025 PFS 0.54 (0.30-0.96), p 0.03: asymmetric and p = 0.038 at face value, but
    consistent within the printed 2 decimals, so no warning."""
    findings = validate_package(package_copy)
    line = [r[0] for r in read_rows(package_copy, "estimates")].index("yao-2025-sii-pfs") + 1
    assert [f for f in findings if f.file == EST and f.row == line] == []
    set_cell(package_copy, "estimates", "yao-2025-sii-pfs", "p_as_printed", "0.02")
    after = validate_package(package_copy)
    assert matching(after, EST, line, "p_as_printed", "warning")


def test_p_with_inequality_is_read(package_copy: Path) -> None:
    line = set_cell(package_copy, "estimates", "du-2024-il6-os", "p_as_printed", "< 0.01")
    assert not matching(validate_package(package_copy), EST, line, "p_as_printed", "warning")
    set_cell(package_copy, "estimates", "du-2024-il6-os", "p_as_printed", "> 0.05")
    assert matching(validate_package(package_copy), EST, line, "p_as_printed", "warning")


def test_mixed_time_points_warning_goes_when_data_agree(package_copy: Path) -> None:
    set_cell(package_copy, "estimates", "suzuki-2024-il6-pfs", "timepoint", "baseline")
    line = [r[0] for r in read_rows(package_copy, "analyses")].index("il6-pfs") + 1
    assert not matching(validate_package(package_copy), ANA, line, "timepoints", "warning")


def test_same_cohort_warning_goes_when_data_differ(package_copy: Path) -> None:
    line = set_cell(package_copy, "studies", "kocheise-2025", "age", "")
    assert not matching(validate_package(package_copy), STU, line, "n", "warning")


def test_html_and_non_ascii_titles_are_valid(package_copy: Path) -> None:
    title = "<script>alert('x')</script> & Ünïcödé — 肝細胞癌, \"quoted\""
    set_cell(package_copy, "studies", "du-2024", "title", title)
    set_cell(package_copy, "estimates", "du-2024-il6-pfs", "notes", "<b>bold</b> ≥ 7.4 pg/mL")
    findings = validate_package(package_copy)
    assert [f for f in findings if f.severity == "error"] == []

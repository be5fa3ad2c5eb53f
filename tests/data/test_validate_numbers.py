"""`evreg validate`'s checks of the numbers and the status they go with (hr and CI in order,
CI symmetry and p within the printed rounding, what each status needs), each on a minimal broken
copy of the synthetic package, asserted by code, file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures.breakage import matching, set_cell
from fixtures.validate_cases import EST, PUB, Case, Where, cell, cells, est, reported, the_coded

from evreg.data.validate import validate_package


def _ci_lower_above_hr(pkg: Path) -> Where:
    line = set_cell(pkg, "estimates", "alpha-2020-il6-pfs", "ci_lower", "2.61")
    return EST, line, "ci_lower", "ci-excludes-estimate"


def _incomplete_without_numbers(pkg: Path) -> Where:
    set_cell(pkg, "estimates", "beta-2021-il6-os", "hr", "")
    line = set_cell(pkg, "estimates", "beta-2021-il6-os", "p_as_printed", "")
    return EST, line, "status", "incomplete-without-numbers"


CASES: dict[str, Case] = {
    "hr zero": est("alpha-2020-il6-pfs", "hr", "0", "ratio-not-positive"),
    "hr negative": est("alpha-2020-il6-pfs", "hr", "-1.6", "ratio-not-positive"),
    "hr infinite": est("alpha-2020-il6-pfs", "hr", "inf", "ratio-not-positive"),
    "ci_lower above hr": _ci_lower_above_hr,
    "ci_upper below hr": est("alpha-2020-il6-pfs", "ci_upper", "1.5", "ci-excludes-estimate"),
    "one CI limit": est("alpha-2020-il6-pfs", "ci_upper", "", "ci-limit-missing"),
    "CI limits reversed, no hr": cells(
        "estimates",
        "beta-2021-il6-os",
        {"hr": "", "ci_lower": "2.5", "ci_upper": "1.5"},
        "ci_upper",
        "ci-limits-reversed",
    ),
    "asymmetric CI": est("alpha-2020-il6-pfs", "ci_upper", "3.596", "ci-not-symmetric"),
    "p inconsistent": est("alpha-2020-il6-pfs", "p_as_printed", "0.43", "p-contradicts-ci"),
    "p unreadable": est("alpha-2020-il6-pfs", "p_as_printed", "significant", "p-unreadable"),
    "p above 1": est("alpha-2020-il6-pfs", "p_as_printed", "1.5", "p-not-probability"),
    "ci_level empty": est("alpha-2020-il6-pfs", "ci_level", "", "ci-level-missing"),
    "published ci_upper below hr": cell(
        "published_results", "il6-pfs", "hr", "2.70", "ci-excludes-estimate", "ci_upper"
    ),
    # status
    "extracted without location": est(
        "alpha-2020-il6-pfs", "source_location", "", "extracted-value-missing"
    ),
    "extracted without hr": est("gamma-2022-sii-pfs", "hr", "", "extracted-value-missing"),
    "derived without hr": cells(
        "estimates",
        "alpha-2020-il6-pfs",
        {"status": "derived", "hr": ""},
        "hr",
        "derived-value-missing",
    ),
    "not_found with numbers": est("delta-2023-sii-os", "hr", "1.5", "not-found-has-numbers"),
    "incomplete without source": est(
        "beta-2021-il6-os", "source_location", "", "incomplete-source-missing"
    ),
    "incomplete without numbers": _incomplete_without_numbers,
    "pending without a reason": cells(
        "estimates",
        "delta-2023-sii-os",
        {"notes": "", "extraction_check": ""},
        "notes",
        "pending-reason-missing",
    ),
    "published number without its location": cell(
        "published_results",
        "il6-pfs",
        "source_location",
        "",
        "number-source-missing",
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_check_reports_broken_copy(name: str, package_copy: Path) -> None:
    reported(CASES[name], package_copy)


def test_a_ci_outside_its_estimate_names_both_values(package_copy: Path) -> None:
    """The values a script reads from the finding (the wording itself is the template's)."""
    line = set_cell(package_copy, "estimates", "alpha-2020-il6-pfs", "ci_lower", "2.61")
    finding = the_coded(package_copy, (EST, line, "ci_lower", "ci-excludes-estimate"))
    assert dict(finding.values) == {"value": "2.61", "side": "below", "hr": "1.62"}
    assert finding.message == "2.61 is not below hr 1.62"


def test_rounding_explains_small_asymmetry_and_p(package_copy: Path) -> None:
    """0.54 (0.30-0.96), p 0.03: asymmetric and p = 0.038 at face value, but consistent within
    the printed 2 decimals, so no warning; p 0.02 is outside."""
    for field, value in (("hr", "0.54"), ("ci_lower", "0.30"), ("ci_upper", "0.96")):
        line = set_cell(package_copy, "estimates", "gamma-2022-sii-pfs", field, value)
    set_cell(package_copy, "estimates", "gamma-2022-sii-pfs", "p_as_printed", "0.03")
    assert [f for f in validate_package(package_copy) if f.file == EST and f.row == line] == []
    set_cell(package_copy, "estimates", "gamma-2022-sii-pfs", "p_as_printed", "0.02")
    the_coded(package_copy, (EST, line, "p_as_printed", "p-contradicts-ci"))


def test_p_with_inequality_is_read(package_copy: Path) -> None:
    line = set_cell(package_copy, "estimates", "alpha-2020-il6-os", "p_as_printed", "< 0.05")
    assert not matching(validate_package(package_copy), EST, line, "p_as_printed", "warning")
    set_cell(package_copy, "estimates", "alpha-2020-il6-os", "p_as_printed", "> 0.05")
    the_coded(package_copy, (EST, line, "p_as_printed", "p-contradicts-ci"))


def test_published_results_are_held_to_the_same_numbers(package_copy: Path) -> None:
    line = set_cell(package_copy, "published_results", "il6-pfs", "ci_lower", "0")
    the_coded(package_copy, (PUB, line, "ci_lower", "ratio-not-positive"))

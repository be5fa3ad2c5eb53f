"""The data package: the shipped one checked against itself (Frictionless-valid, every number
with its source, the review's count of its own studies), loading and typing on the synthetic
package the tests build. Nothing here reads outside the repository."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fixtures import data_checks
from fixtures.breakage import copy_row, set_cell

from evreg.data.package import (
    KNOWN_RESOURCE_NAMES,
    PackageError,
    load_package,
    qualifying_estimates,
    split_list,
)


def test_frictionless_validates_the_package(root: Path) -> None:
    data_checks.frictionless_validates(root)


def test_descriptor_metadata(root: Path) -> None:
    d = json.loads((root / "datapackage.json").read_text())
    assert re.fullmatch(r"\d+\.\d+\.\d+", d["version"])
    assert [lic["name"] for lic in d["licenses"]] == ["CC-BY-4.0"]
    assert d["review"]["source_review"]["url"] == d["sources"][0]["path"]
    assert d["contributors"] and d["created"]
    assert [r["name"] for r in d["resources"]] == list(KNOWN_RESOURCE_NAMES)
    for r in d["resources"]:
        assert r["path"] == f"data/{r['name']}.csv" and r["schema"] == f"schemas/{r['name']}.json"


def test_schemas_use_v1_constraints_not_categories(root: Path) -> None:
    for path in (root / "schemas").glob("*.json"):
        for field in json.loads(path.read_text())["fields"]:
            assert "categories" not in field, (path.name, field["name"])
            assert field.get("description"), (path.name, field["name"])


def test_every_number_names_its_source(root: Path) -> None:
    """Checked on the data themselves (whatever they hold); validation enforces the same rule
    (evreg.data.validate.sources), so an accepted contribution keeps it."""
    data_checks.every_number_names_its_source(root)


def test_the_review_counts_its_own_studies(root: Path) -> None:
    """The studies marked as the source review's are as many as it says it included (the
    reported count is data too: an added study never changes it)."""
    if not data_checks.review_counts_its_own_studies(root):
        pytest.skip("the package records no reported study count")


def test_rows_are_typed_and_printed_text_is_kept(package_copy: Path) -> None:
    set_cell(package_copy, "studies", "gamma-2022", "hbv_all_patients", "")
    pkg = load_package(package_copy)
    by_id = {e["estimate_id"]: e for e in pkg.estimates}
    raw = {e["estimate_id"]: e for e in pkg.raw_tables["estimates"]}
    incomplete = by_id["beta-2021-il6-os"]
    assert incomplete["hr"] == 2.1 and raw["beta-2021-il6-os"]["hr"] == "2.10"
    assert incomplete["ci_lower"] is None and incomplete["status"] == "incomplete"
    assert isinstance(pkg.studies[0]["year"], int)
    hbv = {s["study_id"]: s["hbv_all_patients"] for s in pkg.studies}
    assert (hbv["alpha-2020"], hbv["beta-2021"], hbv["gamma-2022"]) == (True, False, None)
    assert all(s["in_review"] is True for s in pkg.studies)
    assert pkg.row_lines["estimates"][0] == 2
    assert pkg.version == "1.0.0" and pkg.created.startswith("20")
    assert pkg.schemas["studies"]["primaryKey"] == ["study_id"]


def test_every_pending_row_says_why(root: Path) -> None:
    data_checks.every_pending_row_says_why(root)


def test_plan_mirrors_the_review(root: Path) -> None:
    data_checks.plan_mirrors_the_review(root)


def test_qualifying_estimates_follow_the_plan_row(package_copy: Path) -> None:
    copy_row(
        package_copy,
        "estimates",
        "gamma-2022-sii-pfs",
        estimate_id="gamma-2022-sii-pfs-change",
        comparison="increase_vs_decrease",
        timepoint="change",
        exposure="SII change",
    )
    pkg = load_package(package_copy)
    row = dict(next(a for a in pkg.analyses if a["analysis_id"] == "sii-pfs"))
    ids = [e["estimate_id"] for e in qualifying_estimates(pkg, row)]
    assert ids == ["gamma-2022-sii-pfs", "delta-2023-sii-pfs"], "change never qualifies"
    row["comparisons"] = "increase_vs_decrease"
    row["timepoints"] = "change"
    assert [e["estimate_id"] for e in qualifying_estimates(pkg, row)] == [
        "gamma-2022-sii-pfs-change"
    ]
    row["models"] = "univariable"
    assert qualifying_estimates(pkg, row) == []


def test_split_list() -> None:
    assert split_list("a; b;;c ") == ("a", "b", "c")
    assert split_list(None) == () and split_list("") == ()


def test_load_package_accepts_dir_or_descriptor(root: Path) -> None:
    assert load_package(root).tables == load_package(root / "datapackage.json").tables


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("hr", "abc", "data/estimates.csv:3:hr: 'abc' is not a number"),
        ("hr", "nan", "data/estimates.csv:3:hr: 'nan' is not a number"),
        ("ci_level", "high", "data/estimates.csv:3:ci_level: 'high' is not a number"),
    ],
)
def test_load_package_names_file_line_field(
    package_copy: Path, field: str, value: str, expected: str
) -> None:
    set_cell(package_copy, "estimates", "alpha-2020-il6-os", field, value)
    with pytest.raises(PackageError) as info:
        load_package(package_copy)
    assert str(info.value) == expected
    assert (info.value.file, info.value.row, info.value.field) == ("data/estimates.csv", 3, field)


def test_load_package_missing(tmp_path: Path) -> None:
    with pytest.raises(PackageError, match="file not found"):
        load_package(tmp_path)


def test_load_package_refuses_a_schema_without_a_needed_field(package_copy: Path) -> None:
    path = package_copy / "schemas" / "studies.json"
    schema = json.loads(path.read_text())
    next(f for f in schema["fields"] if f["name"] == "year")["type"] = "string"
    path.write_text(json.dumps(schema))
    with pytest.raises(PackageError, match="schemas/studies.json:year: field 'year' has type"):
        load_package(package_copy)

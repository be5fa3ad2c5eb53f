"""The shipped data package: Frictionless-valid, faithful to the evidence, loadable and typed."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from fixtures.breakage import set_cell

from evreg.data.package import (
    RESOURCE_NAMES,
    PackageError,
    load_package,
    qualifying_estimates,
    split_list,
)

EVIDENCE = Path(__file__).resolve().parents[3] / "shared" / "evidence"
needs_evidence = pytest.mark.skipif(
    not EVIDENCE.exists(), reason="../shared/evidence not present (only in the workspace)"
)


def _evidence(name: str) -> list[dict[str, str]]:
    with open(EVIDENCE / name, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_frictionless_validates_the_package(root: Path) -> None:
    import frictionless

    report = frictionless.validate(str(root / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_descriptor_metadata(root: Path) -> None:
    d = json.loads((root / "datapackage.json").read_text())
    assert d["version"] == "1.0.0"
    assert [lic["name"] for lic in d["licenses"]] == ["CC-BY-4.0"]
    assert "Hu E, Qiu Y" in d["sources"][0]["title"]
    assert d["contributors"] and d["created"]
    assert [r["name"] for r in d["resources"]] == list(RESOURCE_NAMES)
    for r in d["resources"]:
        assert r["path"] == f"data/{r['name']}.csv" and r["schema"] == f"schemas/{r['name']}.json"


def test_schemas_use_v1_constraints_not_categories(root: Path) -> None:
    for path in (root / "schemas").glob("*.json"):
        for field in json.loads(path.read_text())["fields"]:
            assert "categories" not in field, (path.name, field["name"])
            assert field.get("description"), (path.name, field["name"])


@needs_evidence
def test_review_metadata_is_the_evidence_verbatim(root: Path) -> None:
    review = json.loads((EVIDENCE / "review.json").read_text())
    assert load_package(root).review == review
    assert review["source_review"]["url"] == load_package(root).descriptor["sources"][0]["path"]


@needs_evidence
def test_estimates_are_the_evidence_verbatim(root: Path) -> None:
    """Every estimate cell equals the double-extracted evidence text (nothing invented)."""
    pkg = load_package(root)
    ours = pkg.raw_tables["estimates"]
    theirs = _evidence("estimates.csv")
    assert len(ours) == len(theirs)
    for mine, source in zip(ours, theirs, strict=True):
        for key, value in source.items():
            assert mine[key] == value, (mine["estimate_id"], key)


@needs_evidence
def test_studies_are_the_evidence_verbatim(root: Path) -> None:
    renamed = {"n_reported_by_review": "n", "n_confirmed_in_source": "n_confirmed"}
    ours = load_package(root).raw_tables["studies"]
    theirs = _evidence("studies.csv")
    assert [r["study_id"] for r in ours] == [r["study_id"] for r in theirs]
    for mine, source in zip(ours, theirs, strict=True):
        for key in ("title", "doi", "pmid", "year", "nos_score", "hbv_all_patients", "notes"):
            assert mine[key] == source[key]
        for theirs_key, our_key in renamed.items():
            assert mine[our_key] == source[theirs_key]
        for key in ("age", "male", "female", "design", "treatment"):
            assert mine[key] == source[f"{key}_reported_by_review"]


@needs_evidence
def test_published_results_are_the_evidence_verbatim(root: Path) -> None:
    ours = load_package(root).raw_tables["published_results"]
    theirs = _evidence("published_results.csv")
    assert len(ours) == len(theirs)
    for mine, source in zip(ours, theirs, strict=True):
        assert mine["analysis_id"] == source["analysis"]
        for key in ("subgroup_level", "k", "model", "hr", "ci_lower", "ci_upper", "p_as_printed"):
            assert mine[key] == source[key], (mine["result_id"], key)


def test_rows_are_typed_and_printed_text_is_kept(root: Path) -> None:
    pkg = load_package(root)
    by_id = {e["estimate_id"]: e for e in pkg.estimates}
    raw = {e["estimate_id"]: e for e in pkg.raw_tables["estimates"]}
    miura = by_id["miura-2025-il6-pfs"]
    assert miura["hr"] == 5.8 and raw["miura-2025-il6-pfs"]["hr"] == "5.80"
    assert miura["ci_lower"] is None and miura["status"] == "incomplete"
    assert isinstance(pkg.studies[0]["year"], int)
    huang = next(s for s in pkg.studies if s["study_id"] == "huang-2022")
    assert huang["hbv_all_patients"] is True and pkg.studies[0]["hbv_all_patients"] is None
    assert pkg.row_lines["estimates"][0] == 2
    assert pkg.version == "1.0.0" and pkg.created.startswith("20")


def test_every_pending_row_says_why(root: Path) -> None:
    for e in load_package(root).estimates:
        if e["status"] != "extracted":
            assert e["notes"] or e["extraction_check"], e["estimate_id"]


def test_plan_mirrors_the_review(root: Path) -> None:
    pkg = load_package(root)
    published = {r["analysis_id"] for r in pkg.published_results}
    assert {a["analysis_id"] for a in pkg.analyses} == published
    for analysis in pkg.analyses:
        ids = [e["estimate_id"] for e in qualifying_estimates(pkg, analysis)]
        assert not any(i.endswith("-change") for i in ids), "change exposures never qualify"
        order = [e["estimate_id"] for e in pkg.estimates if e["estimate_id"] in ids]
        assert ids == order, "file order"
    il6_pfs = next(a for a in pkg.analyses if a["analysis_id"] == "il6-pfs")
    assert "suzuki-2024-il6-pfs" in [e["estimate_id"] for e in qualifying_estimates(pkg, il6_pfs)]


def test_qualifying_estimates_follow_the_plan_row(root: Path) -> None:
    pkg = load_package(root)
    row = dict(next(a for a in pkg.analyses if a["analysis_id"] == "sii-pfs"))
    row["comparisons"] = "increase_vs_decrease"
    row["timepoints"] = "change"
    assert [e["estimate_id"] for e in qualifying_estimates(pkg, row)] == ["yao-2025-sii-pfs-change"]
    row["models"] = "multivariable"
    assert qualifying_estimates(pkg, row) == []


def test_split_list() -> None:
    assert split_list("a; b;;c ") == ("a", "b", "c")
    assert split_list(None) == () and split_list("") == ()


def test_load_package_accepts_dir_or_descriptor(root: Path) -> None:
    assert load_package(root).tables == load_package(root / "datapackage.json").tables


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("hr", "abc", "data/estimates.csv:6:hr: 'abc' is not a number"),
        ("hr", "nan", "data/estimates.csv:6:hr: 'nan' is not a number"),
        ("ci_level", "high", "data/estimates.csv:6:ci_level: 'high' is not a number"),
    ],
)
def test_load_package_names_file_line_field(
    package_copy: Path, field: str, value: str, expected: str
) -> None:
    set_cell(package_copy, "estimates", "du-2024-il6-pfs", field, value)
    with pytest.raises(PackageError) as info:
        load_package(package_copy)
    assert str(info.value) == expected
    assert (info.value.file, info.value.row, info.value.field) == ("data/estimates.csv", 6, field)


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

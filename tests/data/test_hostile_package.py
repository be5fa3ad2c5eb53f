"""Hostile packages (issue 20): what a pull request could change in data/, schemas/ or
datapackage.json to trick the readers or the build. Each is refused by `evreg validate` (and so
by add-study, --from-issue and build, which validate first) with exit 1, a message under 4 KB,
no traceback; build writes nothing."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from fixtures.breakage import set_cell, tree_digest
from fixtures.living_repo import run_cli
from fixtures.synthetic import with_added_study, write_package

from evreg.data.package import inside
from evreg.errors import EvregError

MAX_MESSAGE = 4096


@pytest.fixture
def pkg(tmp_path: Path) -> Path:
    return write_package(tmp_path / "pkg")


def _set_descriptor(pkg: Path, **changes: object) -> None:
    path = pkg / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    descriptor.update(changes)
    path.write_text(json.dumps(descriptor, indent=2), encoding="utf-8")


def _refused(pkg: Path, capsys, *where: str) -> str:
    before = tree_digest(pkg)
    code, out, err = run_cli(["validate", str(pkg)], pkg, capsys)
    assert code == 1, out + err
    assert "Traceback" not in err and len((out + err).encode()) < MAX_MESSAGE, (out + err)[:600]
    for text in where:
        assert text in out + err, (out + err)[:600]
    assert tree_digest(pkg) == before
    return out + err


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", '=HYPERLINK("http://x","y")', "starts with '='"),
        ("journal", "+cmd|' /C calc'!A0", "starts with '+'"),
        ("country", "-2+3", "starts with '-'"),
        ("design", "@SUM(1+1)", "starts with '@'"),
        ("notes", "\t=1", "starts with a TAB"),
        ("title", "fine\u202etxt", "U+202E (RIGHT-TO-LEFT OVERRIDE)"),
        ("title", "zero\u200bwidth", "U+200B (ZERO WIDTH SPACE)"),
        ("title", "T" * 5000, "maxLength"),
    ],
    ids=["equals", "plus", "minus", "at", "tab", "bidi", "zero-width", "too-long"],
)
def test_hostile_cells_are_refused(pkg: Path, capsys, field: str, value: str, message) -> None:
    line = set_cell(pkg, "studies", "alpha-2020", field, value)
    _refused(pkg, capsys, f"data/studies.csv:{line}:{field}:", message)


def test_a_quoted_carriage_return_at_the_start_is_refused(pkg: Path, capsys) -> None:
    line = set_cell(pkg, "studies", "alpha-2020", "treatment", "CR-HERE")
    path = pkg / "data" / "studies.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("CR-HERE", '"\r=1"'), "utf-8")
    _refused(pkg, capsys, f"data/studies.csv:{line}:treatment:", "starts with a carriage return")


def test_numbers_in_text_fields_stay_numbers(pkg: Path, capsys) -> None:
    set_cell(pkg, "studies", "alpha-2020", "age", "-1")
    code, out, err = run_cli(["validate", str(pkg)], pkg, capsys)
    assert code == 0, out + err


def test_a_5_mb_number_cell_is_a_short_error(pkg: Path, capsys) -> None:
    set_cell(pkg, "estimates", "alpha-2020-il6-pfs", "hr", "9" * 5_000_000)
    _refused(pkg, capsys, "data/estimates.csv")


@pytest.mark.parametrize(
    "name", ["data/../../../tmp/x", "../x", "Upper", "-x", "a b"], ids=str.strip
)
def test_unsafe_package_names_are_refused(pkg: Path, capsys, name: str) -> None:
    _set_descriptor(pkg, name=name)
    _refused(pkg, capsys, "datapackage.json:name:", "lower-case letters")


def test_unsafe_resource_names_are_refused(pkg: Path, capsys) -> None:
    descriptor = json.loads((pkg / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"].append({**descriptor["resources"][0], "name": "../../evil"})
    (pkg / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    _refused(pkg, capsys, "datapackage.json:resources:", "'../../evil'")


def test_build_writes_nothing_outside_its_folder(pkg: Path, tmp_path: Path, capsys) -> None:
    _set_descriptor(pkg, name="data/../../../escaped")
    out = tmp_path / "site"
    before = sorted(p.name for p in tmp_path.iterdir())
    code, _, err = run_cli(["build", "--package", str(pkg), "--out", str(out)], pkg, capsys)
    assert code == 1 and "Traceback" not in err and len(err.encode()) < MAX_MESSAGE
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert not (tmp_path.parent / "escaped-1.0.0.zip").exists()


@pytest.mark.parametrize("rel", ["../x.zip", "/tmp/x.zip", "a/../../x", "a\\..\\x", ""])
def test_output_paths_stay_inside_their_folder(tmp_path: Path, rel: str) -> None:
    with pytest.raises(EvregError, match="not a path inside it"):
        inside(tmp_path, rel)
    assert inside(tmp_path, "data/x.zip") == tmp_path / "data" / "x.zip"


@pytest.mark.parametrize("target", ["inside", "outside"])
def test_symlinks_are_refused(pkg: Path, tmp_path: Path, capsys, target: str) -> None:
    studies = pkg / "data" / "studies.csv"
    real = (pkg / "data" if target == "inside" else tmp_path) / "real-studies.csv"
    os.replace(studies, real)
    studies.symlink_to(real)
    _refused(pkg, capsys, "data/studies.csv")


def test_a_linked_data_folder_is_refused(pkg: Path, tmp_path: Path, capsys) -> None:
    os.replace(pkg / "data", tmp_path / "elsewhere")
    (pkg / "data").symlink_to(tmp_path / "elsewhere")
    _refused(pkg, capsys, "symbolic link")


def test_an_added_study_cannot_become_one_of_the_review_s(tmp_path: Path, capsys) -> None:
    pkg = with_added_study(tmp_path / "pkg")
    from fixtures.synthetic import ADDED_STUDY

    line = set_cell(pkg, "studies", ADDED_STUDY["study_id"], "in_review", "true")
    set_cell(pkg, "studies", ADDED_STUDY["study_id"], "added_in_version", "")
    for field in ("nos_selection", "nos_comparability", "nos_outcome", "quality_assessed_by"):
        set_cell(pkg, "studies", ADDED_STUDY["study_id"], field, "")
    _refused(pkg, capsys, f"data/studies.csv:{line}:in_review:", "reports 4 included studies")


POOL_CSV = (
    "study,hr,ci_lower,ci_upper,year\na,1.5,1.1,2.0,2001\nb,1.2,0.9,1.6,{}\nc,1.3,1.0,1.7,2003\n"
)


@pytest.mark.parametrize(
    ("cell", "why"),
    [
        ("nan", "is not a finite number"),
        ("around 2002", "is text"),
        ("inf", "is not a finite number"),
    ],
)
def test_cumulative_keys_are_all_numbers_or_all_text(tmp_path: Path, capsys, cell, why) -> None:
    path = tmp_path / "effects.csv"
    path.write_text(POOL_CSV.format(cell), encoding="utf-8")
    code, out, err = run_cli(["pool", str(path), "--cumulative", "year"], tmp_path, capsys)
    assert code == 1 and "Traceback" not in err
    assert f"effects.csv:3:year: '{cell}' {why}" in err and "line 2 holds the number" in err


def test_cumulative_text_keys_sort_as_text(tmp_path: Path, capsys) -> None:
    path = tmp_path / "effects.csv"
    path.write_text(POOL_CSV.replace("year", "label").format("b-label"), encoding="utf-8")
    path.write_text(path.read_text().replace("2001", "a-label").replace("2003", "c-label"))
    code, out, err = run_cli(["pool", str(path), "--cumulative", "label"], tmp_path, capsys)
    assert code == 0, err


def test_pool_quotes_a_5_mb_number_cell_briefly(tmp_path: Path, capsys) -> None:
    path = tmp_path / "effects.csv"
    path.write_text(POOL_CSV.format("2002").replace("1.2,", "9" * 5_000_000 + "x,"), "utf-8")
    code, out, err = run_cli(["pool", str(path)], tmp_path, capsys)
    assert code == 1 and len(err.encode()) < MAX_MESSAGE and "5,000,001 characters" in err

"""`evreg add-study`: the template, appending a filled-in study, and refusing a bad one
without changing any file. Each test works in its own temporary git repository."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import yaml
from fixtures.living_repo import (
    EXAMPLE_ESTIMATES,
    EXAMPLE_STUDY,
    fill_template,
    make_repo,
    run_cli,
    snapshot,
    submission_yaml,
)
from fixtures.synthetic import CANDIDATES

from evreg.data.validate import validate_package
from evreg.errors import EvregError
from evreg.living import files, submission


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo")


def _header(path: Path) -> list[str]:
    return next(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def _template(repo: Path, capsys) -> str:
    code, out, err = run_cli(["add-study", "--template"], repo, capsys)
    assert code == 0, err
    return out


def _filled(repo: Path, capsys, study=None, estimates=None) -> Path:
    text = fill_template(
        _template(repo, capsys),
        {**EXAMPLE_STUDY, **(study or {})},
        estimates if estimates is not None else EXAMPLE_ESTIMATES,
    )
    path = repo.parent / "example-2026.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _review_only(repo: Path) -> set[str]:
    schema = json.loads((repo / "schemas/studies.json").read_text(encoding="utf-8"))
    return {f["name"] for f in schema["fields"] if f.get("evreg:reviewOnly")}


def test_template_has_every_field_with_a_comment(repo: Path, capsys) -> None:
    text = _template(repo, capsys)
    doc = yaml.safe_load(text)
    assert set(doc) == {"study", "estimates"}
    skip = _review_only(repo) | {"in_review", "added_in_version"}
    assert skip > {"n", "outcomes_used_by_review", "review_source_location", "in_review"}
    assert list(doc["study"]) == [c for c in _header(repo / "data/studies.csv") if c not in skip]
    assert {"n_confirmed", "nos_selection", "quality_assessed_by"} <= set(doc["study"])
    estimate_columns = [c for c in _header(repo / "data/estimates.csv") if c != "study_id"]
    assert list(doc["estimates"][0]) == estimate_columns
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.strip().endswith(":") and line.startswith("  ") or line.startswith("  - "):
            assert lines[i - 1].lstrip().startswith("# ("), f"no comment above {line!r}"
    assert "one of: high_vs_low | low_vs_high" in text


def test_add_study_from_filled_template_appends_rows(repo: Path, capsys) -> None:
    yaml_path = _filled(repo, capsys)
    studies, estimates = repo / "data/studies.csv", repo / "data/estimates.csv"
    before = {p: p.read_bytes() for p in (studies, estimates)}
    others = {k: v for k, v in snapshot(repo).items() if not k.startswith("data/")}

    code, out, err = run_cli(["add-study", str(yaml_path)], repo, capsys)

    assert code == 0, err
    assert "added study example-2026" in out
    for path, old in before.items():
        new = path.read_bytes()
        assert new.startswith(old), f"{path.name}: existing bytes changed (append only)"
        assert new.endswith(b"\n") and b"\r" not in new[len(old) :]
    new_studies = list(csv.DictReader(io.StringIO(studies.read_text(encoding="utf-8"))))
    new_estimates = list(csv.DictReader(io.StringIO(estimates.read_text(encoding="utf-8"))))
    added = new_studies[-1]
    assert added["study_id"] == "example-2026"
    assert added["hbv_all_patients"] == "true" and added["doi"] == ""
    assert (added["in_review"], added["added_in_version"]) == ("false", "1.1.0")
    assert added["n"] == "" and added["n_confirmed"] == "120"
    assert "in data version 1.1.0" in out
    pfs, os_ = new_estimates[-2:]
    assert (pfs["estimate_id"], os_["estimate_id"]) == (
        "example-2026-sii-pfs",
        "example-2026-sii-os",
    )
    # numbers exactly as written, trailing zeros kept
    assert (pfs["hr"], pfs["ci_lower"], pfs["ci_upper"]) == ("1.62", "1.10", "2.38")
    assert pfs["p_as_printed"] == "0.014" and pfs["study_id"] == "example-2026"
    assert pfs["exposure"] == EXAMPLE_ESTIMATES[0]["exposure"]
    assert os_["comparison"] == "low_vs_high" and os_["ci_lower"] == "0.30"
    assert [f for f in validate_package(repo / "datapackage.json") if f.severity == "error"] == []
    assert {k: v for k, v in snapshot(repo).items() if not k.startswith("data/")} == others


def _negative_hr(est: dict) -> dict:
    return {**est, "hr": "-1.62"}


@pytest.mark.parametrize(
    ("study", "estimates", "expected"),
    [
        ({}, [_negative_hr(EXAMPLE_ESTIMATES[0])], "hr"),
        ({}, [{**EXAMPLE_ESTIMATES[0], "ci_upper": "1.50"}], "ci_upper"),
        ({}, [{**EXAMPLE_ESTIMATES[0], "outcome": "DFS"}], "outcome"),
        ({}, [{**EXAMPLE_ESTIMATES[0], "source_location": ""}], "source_location"),
        ({"study_id": "alpha-2020"}, EXAMPLE_ESTIMATES, "study_id"),
        ({"year": "twenty"}, EXAMPLE_ESTIMATES, "year"),
        ({"hbv_all_patients": "maybe"}, EXAMPLE_ESTIMATES, "hbv_all_patients"),
        ({"nos_outcome": ""}, EXAMPLE_ESTIMATES, "nos_outcome"),
        ({"quality_assessed_by": "0000-0002-1825-0098"}, EXAMPLE_ESTIMATES, "quality_assessed_by"),
    ],
    ids=[
        "negative-hr",
        "ci-below-hr",
        "bad-outcome",
        "no-location",
        "duplicate-id",
        "year",
        "boolean",
        "no-nos-domain",
        "bad-orcid",
    ],
)
def test_invalid_study_changes_nothing(repo: Path, capsys, study, estimates, expected) -> None:
    yaml_path = _filled(repo, capsys, study, estimates)
    before = snapshot(repo)

    code, out, err = run_cli(["add-study", str(yaml_path)], repo, capsys)

    assert code == 1
    assert snapshot(repo) == before, "a file changed although the study was refused"
    assert "Traceback" not in err
    assert f":{expected}:" in err or f".{expected}" in err, err
    assert "no file was changed" in err


def test_error_names_csv_line_and_yaml_entry(repo: Path, capsys) -> None:
    yaml_path = _filled(repo, capsys, {}, [_negative_hr(EXAMPLE_ESTIMATES[0])])
    lines = len((repo / "data/estimates.csv").read_text(encoding="utf-8").splitlines())
    code, _, err = run_cli(["add-study", str(yaml_path)], repo, capsys)
    assert code == 1
    assert f"data/estimates.csv:{lines + 1}:hr:" in err
    assert f"(from {yaml_path} estimates[1])" in err


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("study: [unclosed\n", "not valid YAML"),
        ("- just\n- a list\n", "expected a mapping"),
        ("study:\n  study_id: example-2026\nextra: 1\n", "unknown top-level key 'extra'"),
        ("study:\n  study_id: example-2026\n  colour: red\n", "study.colour: unknown field"),
        ("study:\n  study_id: example-2026\nestimates: 3\n", "expected a list of mappings"),
        ("study:\n  first_author: X\n", "study.study_id: required"),
        ("study:\n  study_id: example-2026\n  title: [a, b]\n", "expected a single value"),
        (
            "study:\n  study_id: example-2026\nestimates:\n  - study_id: other-2020\n",
            "differs from study.study_id",
        ),
        ("\udcff", "cannot read"),
        ("study:\n  study_id: example-2026\n  study_id: other-2026\n", "given twice"),
    ],
)
def test_bad_yaml_is_a_clear_error(repo: Path, capsys, text: str, message: str) -> None:
    path = repo.parent / "bad.yaml"
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    before = snapshot(repo)
    code, _, err = run_cli(["add-study", str(path)], repo, capsys)
    assert code == 1
    assert message in err and str(path) in err and "Traceback" not in err
    assert snapshot(repo) == before


def test_missing_file_and_missing_argument(repo: Path, capsys) -> None:
    code, _, err = run_cli(["add-study", "nope.yaml"], repo, capsys)
    assert code == 1 and "nope.yaml: no such file" in err
    code, _, err = run_cli(["add-study"], repo, capsys)
    assert code == 2 and "--template" in err


def test_json_output(repo: Path, capsys) -> None:
    yaml_path = _filled(repo, capsys)
    code, out, _ = run_cli(["add-study", str(yaml_path), "--format", "json"], repo, capsys)
    result = json.loads(out)
    assert code == 0 and result["added"] is True
    assert result["estimate_ids"] == ["example-2026-sii-pfs", "example-2026-sii-os"]
    assert result["files"] == ["data/estimates.csv", "data/studies.csv"]
    assert result["added_in_version"] == "1.1.0"


def test_estimate_ids_are_generated_without_clashes() -> None:
    rows = [
        {
            "estimate_id": "",
            "study_id": "x-2026",
            "biomarker": "IL-6",
            "outcome": "OS",
            "timepoint": t,
        }
        for t in ("baseline", "baseline", "on_treatment")
    ]
    submission._fill_estimate_ids(rows)
    assert [r["estimate_id"] for r in rows] == [
        "x-2026-il-6-os",
        "x-2026-il-6-os-2",
        "x-2026-il-6-os-on-treatment",
    ]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"a,b\r\n1,2\r\n", b'x,"y,z"\r\n'),
        (b'"a","b"\n"1","2"\n', b'"x","y,z"\n'),
        (b"a,b\n1,2", b'\nx,"y,z"\n'),
    ],
    ids=["crlf", "quote-all", "no-final-newline"],
)
def test_appended_rows_follow_the_file_style(data: bytes, expected: bytes) -> None:
    style = files.csv_style(data, Path("t.csv"))
    assert style.header == ("a", "b")
    assert files.appended_bytes(style, [{"a": "x", "b": "y,z"}]) == expected


def test_replace_refuses_if_a_file_changed_meanwhile(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(b"now\n")
    with pytest.raises(EvregError, match="changed by someone else"):
        files.replace_atomically({path: b"new\n"}, {path: b"then\n"}, tmp_path)
    assert path.read_bytes() == b"now\n"
    assert [p.name for p in tmp_path.iterdir()] == ["f.csv"], "temp file left behind"


@pytest.mark.parametrize(
    ("field", "hint"),
    [
        ("n", "give the N printed in the study as n_confirmed"),
        ("outcomes_used_by_review", "the estimates say which outcomes"),
        ("review_source_location", "leave it empty"),
        ("cutoff_reported", "cutoff_confirmed"),
    ],
)
def test_review_fields_are_refused_for_a_new_study(
    repo: Path, capsys, field: str, hint: str
) -> None:
    """A field that holds what the source review printed: a clear file:line:field error,
    the hint the schema gives, and no file changed."""
    path = repo.parent / "with-review-field.yaml"
    value = "PFS" if field == "outcomes_used_by_review" else "120"
    path.write_text(
        submission_yaml({**EXAMPLE_STUDY, field: value}, EXAMPLE_ESTIMATES[:1]), encoding="utf-8"
    )
    before = snapshot(repo)
    code, _, err = run_cli(["add-study", str(path)], repo, capsys)
    lines = len((repo / "data/studies.csv").read_text(encoding="utf-8").splitlines())
    assert code == 1 and snapshot(repo) == before
    assert f"data/studies.csv:{lines + 1}:{field}: " in err
    assert "is what the source review reported" in err and hint in err
    assert f"(from {path} study)" in err


@pytest.mark.parametrize("field", ["in_review", "added_in_version"])
def test_add_study_sets_in_review_and_version_itself(repo: Path, capsys, field: str) -> None:
    path = repo.parent / "claims.yaml"
    value = "true" if field == "in_review" else "1.0.0"
    path.write_text(
        submission_yaml({**EXAMPLE_STUDY, field: value}, EXAMPLE_ESTIMATES), encoding="utf-8"
    )
    before = snapshot(repo)
    code, _, err = run_cli(["add-study", str(path)], repo, capsys)
    assert code == 1 and snapshot(repo) == before
    assert f"study.{field}: set by evreg add-study" in err


def test_from_candidate_prefills_the_template_and_marks_the_record(repo: Path, capsys) -> None:
    code, text, err = run_cli(["add-study", "--from-candidate", "zeta-2025"], repo, capsys)
    assert code == 0, err
    doc = yaml.safe_load(text)
    assert doc["candidate"] == "zeta-2025"
    record = next(r for r in CANDIDATES if r["candidate_id"] == "zeta-2025")
    study = doc["study"]
    assert (study["study_id"], study["first_author"], study["title"]) == (
        "zeta-2025",
        record["first_author"],
        record["title"],
    )
    assert str(study["n_confirmed"]) == record["n"] and study["biomarker"] == "SII"
    assert doc["estimates"][0]["biomarker"] == "SII"
    filled = fill_template(
        text,
        {k: v for k, v in EXAMPLE_STUDY.items() if k not in ("study_id", "title")},
        EXAMPLE_ESTIMATES[:1],
    )
    path = repo.parent / "zeta.yaml"
    path.write_text(filled, encoding="utf-8")
    candidates = repo / "data/candidates.csv"
    old = candidates.read_text(encoding="utf-8").splitlines()
    code, out, err = run_cli(["add-study", str(path)], repo, capsys)
    assert code == 0, err
    assert "git add -- data/candidates.csv data/estimates.csv data/studies.csv" in out
    new = candidates.read_text(encoding="utf-8").splitlines()
    changed = [(a, b) for a, b in zip(old, new, strict=True) if a != b]
    assert len(changed) == 1, "only the record's own line changes"
    row = next(csv.DictReader(io.StringIO(new[0] + "\n" + changed[0][1] + "\n")))
    assert (row["screening_status"], row["included_as"]) == ("included", "zeta-2025")
    assert [f for f in validate_package(repo / "datapackage.json") if f.severity == "error"] == []


def test_from_candidate_hostile_record_stays_one_value(repo: Path, capsys) -> None:
    """Contributor text from a screening record is written as YAML double-quoted strings."""
    hostile = 'x: y\n"quoted" # not a comment\nstudy_id: evil-2020'
    text = (repo / "data/candidates.csv").read_text(encoding="utf-8")
    record = next(r for r in CANDIDATES if r["candidate_id"] == "zeta-2025")
    (repo / "data/candidates.csv").write_text(
        text.replace(record["title"], hostile.replace("\n", " ")), encoding="utf-8"
    )
    code, out, _ = run_cli(["add-study", "--from-candidate", "zeta-2025"], repo, capsys)
    assert code == 0
    assert yaml.safe_load(out)["study"]["title"] == hostile.replace("\n", " ")


@pytest.mark.parametrize(
    ("record", "message"),
    [("nobody-2020", "no screening record 'nobody-2020'"), ("eta-2024", "is excluded")],
)
def test_from_candidate_errors(repo: Path, capsys, record: str, message: str) -> None:
    code, out, err = run_cli(["add-study", "--from-candidate", record], repo, capsys)
    assert code == 1 and out == "" and message in err and "data/candidates.csv" in err


def test_candidate_key_names_an_unknown_record(repo: Path, capsys) -> None:
    path = repo.parent / "x.yaml"
    path.write_text(
        "candidate: nobody-2020\n" + submission_yaml(EXAMPLE_STUDY, EXAMPLE_ESTIMATES),
        encoding="utf-8",
    )
    before = snapshot(repo)
    code, _, err = run_cli(["add-study", str(path)], repo, capsys)
    assert code == 1 and "'nobody-2020' is not a candidate_id" in err
    assert snapshot(repo) == before

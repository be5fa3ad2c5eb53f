"""An added study's QUIPS judgements, optional in the add-study file (``risk_of_bias:``): rows
of the risk_of_bias resource with the study id and the added data version filled in by evreg,
used by the rating; wrong entries change nothing. On the synthetic package (fixtures)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures.living_repo import (
    EXAMPLE_ESTIMATES,
    EXAMPLE_STUDY,
    make_repo,
    run_cli,
    snapshot,
    submission_yaml,
)
from fixtures.synthetic import add_resource

from evreg.data.package import load_package
from evreg.review.certainty.quips import QUIPS_DOMAINS

ENTRY = (
    "  - domain: {domain}\n"
    "    judgement: low\n"
    "    support: 'Full text: consecutive patients, complete follow-up (Table 1)'\n"
    "    assessed_by: A Contributor\n"
)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = make_repo(tmp_path / "repo")
    add_resource(repo, "risk_of_bias", [])
    return repo


def _file(repo: Path, rob: str) -> Path:
    path = repo.parent / "example.yaml"
    text = submission_yaml(dict(EXAMPLE_STUDY), list(EXAMPLE_ESTIMATES)) + rob
    path.write_text(text, encoding="utf-8")
    return path


def test_the_template_offers_the_optional_block(repo: Path, capsys) -> None:
    code, out, _ = run_cli(["add-study", "--template"], repo, capsys)
    assert code == 0 and "\nrisk_of_bias: []\n" in out
    assert "#     domain:" in out and "data_version" not in out.split("risk_of_bias: []")[1]


def test_an_added_studys_judgements_become_rows_of_its_version(repo: Path, capsys) -> None:
    rob = "risk_of_bias:\n" + "".join(ENTRY.format(domain=d) for d in QUIPS_DOMAINS)
    code, out, err = run_cli(["add-study", str(_file(repo, rob))], repo, capsys)
    assert code == 0, err
    package = load_package(repo)
    rows = package.risk_of_bias
    study = next(s for s in package.studies if s["study_id"] == EXAMPLE_STUDY["study_id"])
    assert [r["domain"] for r in rows] == list(QUIPS_DOMAINS)
    assert {(r["study_id"], r["data_version"]) for r in rows} == {
        (study["study_id"], study["added_in_version"])
    }


@pytest.mark.parametrize(
    ("rob", "message"),
    [
        ("risk_of_bias:\n" + ENTRY.format(domain="tone"), "domain"),
        (
            "risk_of_bias:\n" + ENTRY.format(domain="study_attrition") + "    colour: red\n",
            "colour",
        ),
        (
            "risk_of_bias:\n"
            + ENTRY.format(domain="study_attrition")
            + "    data_version: 0.1.0\n",
            "set by evreg add-study",
        ),
        ("risk_of_bias: low\n", "expected a list of mappings"),
    ],
)
def test_wrong_entries_change_nothing(repo: Path, capsys, rob: str, message: str) -> None:
    before = snapshot(repo)
    code, out, err = run_cli(["add-study", str(_file(repo, rob))], repo, capsys)
    assert code != 0 and message in out + err and "Traceback" not in err
    assert snapshot(repo) == before


def test_a_package_without_the_resource_refuses_the_block(tmp_path: Path, capsys) -> None:
    repo = make_repo(tmp_path / "plain")
    before = snapshot(repo)
    rob = "risk_of_bias:\n" + ENTRY.format(domain="study_attrition")
    code, out, err = run_cli(["add-study", str(_file(repo, rob))], repo, capsys)
    assert code != 0 and "risk_of_bias" in out + err
    assert snapshot(repo) == before

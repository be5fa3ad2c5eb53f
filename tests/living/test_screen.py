"""`evreg screen`: a decision on a record awaiting assessment is recorded in place (the rest of
candidates.csv byte for byte), only with a reason of the fixed list or an added study, and
nothing is written otherwise; the "Screen a record" form offers the schema's reasons."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from fixtures.living_repo import run_cli, snapshot
from fixtures.synthetic import with_added_study, write_package

from evreg.data.validate import validate_package
from evreg.errors import EvregError
from evreg.living.screen import exclusion_reasons, screen

ROOT = Path(__file__).resolve().parents[2]


def _lines(package: Path) -> list[str]:
    return (package.parent / "data/candidates.csv").read_text(encoding="utf-8").splitlines()


def test_an_exclusion_is_recorded_in_place(tmp_path: Path, capsys) -> None:
    pkg = write_package(tmp_path / "pkg")
    before = _lines(pkg / "datapackage.json")
    code, out, err = run_cli(["screen", "zeta-2025", "--exclude", "not ICI"], pkg, capsys)
    assert code == 0, err
    assert out == "zeta-2025: excluded (not ICI); wrote data/candidates.csv\n"
    after = _lines(pkg / "datapackage.json")
    changed = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    assert [after[i].split(",")[0] for i in changed] == ["zeta-2025"]
    assert ",excluded,,not ICI," in after[changed[0]]
    assert not [f for f in validate_package(pkg) if f.severity == "error"]


def test_an_inclusion_names_the_added_study(tmp_path: Path) -> None:
    pkg = with_added_study(tmp_path / "pkg") / "datapackage.json"
    result = screen(pkg, "zeta-2025", include_as="omega-2026")
    assert (result.screening_status, result.included_as) == ("included", "omega-2026")
    assert ",included,omega-2026,," in next(x for x in _lines(pkg) if x.startswith("zeta-2025"))


@pytest.mark.parametrize(
    ("candidate", "decision", "message"),
    [
        ("zeta-2025", {"exclude": "too small"}, "not a reason of the fixed list"),
        ("zeta-2025", {"include_as": "nobody-2026"}, "would make the package invalid"),
        ("eta-2024", {"exclude": "not HCC"}, "data/candidates.csv:3:screening_status"),
        ("nobody-2020", {"exclude": "not HCC"}, "no screening record 'nobody-2020'"),
        ("zeta-2025", {}, "give --include-as STUDY_ID or --exclude REASON"),
    ],
)
def test_a_bad_decision_changes_nothing(
    tmp_path: Path, candidate: str, decision: dict, message: str
) -> None:
    pkg = write_package(tmp_path / "pkg")
    before = snapshot(pkg)
    with pytest.raises(EvregError, match=message):
        screen(pkg / "datapackage.json", candidate, **decision)
    assert snapshot(pkg) == before


def test_the_form_offers_the_schema_s_reasons() -> None:
    form = yaml.safe_load((ROOT / ".github/ISSUE_TEMPLATE/screen-a-record.yml").read_text())
    field = next(i for i in form["body"] if i.get("id") == "exclusion_reason")
    schema = json.loads((ROOT / "schemas/candidates.json").read_text(encoding="utf-8"))
    assert tuple(field["attributes"]["options"]) == exclusion_reasons(schema)
    ids = {i.get("id") for i in form["body"]}
    assert {"candidate_id", "decision", "study_id"} <= ids

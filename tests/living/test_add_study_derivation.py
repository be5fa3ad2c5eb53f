"""An estimate given as a derivation (inputs as printed) instead of an HR: `evreg add-study`
derives it with the code `evreg derive` uses, stores it as derived with its inputs, and the
plan pools it, marked derived, with the extracted estimates alone as a sensitivity analysis."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from fixtures.derived import LOGRANK, package_with_derivations, rows, submission
from fixtures.km_sim import write_inputs
from fixtures.living_repo import snapshot
from fixtures.r_survival import trial

from evreg.data.package import load_package
from evreg.errors import EvregError
from evreg.living.add_study import add_study
from evreg.review.plan import run_plan
from evreg.stats.derive import from_logrank


def test_logrank_derivation_is_stored_derived_and_pooled(tmp_path: Path) -> None:
    pkg = package_with_derivations(tmp_path / "pkg")
    result = add_study(pkg, submission(tmp_path / "s.yaml", LOGRANK))
    assert result.added, result.errors
    est = rows(pkg.parent / "data/estimates.csv")[-1]
    expected = from_logrank(p="0.004", events=80, worse="high")
    assert est["status"] == "derived" and float(est["hr"]) == round(expected.hr, 4)
    assert float(est["ci_lower"]) == round(expected.ci_lower, 4)
    der = rows(pkg.parent / "data/derivations.csv")
    assert der == [{**{k: "" for k in der[0]}, "estimate_id": est["estimate_id"], **LOGRANK}]
    results = run_plan(load_package(pkg))
    sii_pfs = [
        a for a in results.analyses if any(u.estimate_id == est["estimate_id"] for u in a.used)
    ]
    assert sii_pfs
    used = next(u for u in sii_pfs[0].used if u.estimate_id == est["estimate_id"])
    assert used.derivation_method == "logrank" and used.derived
    assert sii_pfs[0].extracted_only is not None
    assert est["estimate_id"] not in sii_pfs[0].extracted_only.estimate_ids
    assert sii_pfs[0].extracted_only.k == sii_pfs[0].k_with_data - 1
    from evreg.review.results import results_rows
    from evreg.stats.derive import METHOD_LABELS

    # certainty: a derived ratio is a QUIPS statistical-analysis prompt (risk of bias)
    reason = sii_pfs[0].certainty.domains["risk_of_bias"].reason
    assert f"ratio computed by the registry, {METHOD_LABELS['logrank']}" in reason
    extracted = [r for r in results_rows(results) if r["studies"] == "extracted"]
    assert {r["analysis_id"] for r in extracted} == {a.analysis_id for a in sii_pfs}


@pytest.mark.parametrize(
    ("derivation", "estimate", "message"),
    [
        ({**LOGRANK, "p": "1.4"}, None, "estimates[1].derivation: p 1.4: a p-value must be"),
        ({**LOGRANK, "events": "0"}, None, "estimates[1].derivation: events 0"),
        (LOGRANK, {"hr": "1.5"}, "give a derivation or hr, not both"),
        ({**LOGRANK, "colour": "red"}, None, "estimates[1].derivation.colour: unknown field"),
    ],
)
def test_bad_derivation_changes_nothing(tmp_path: Path, derivation, estimate, message) -> None:
    pkg = package_with_derivations(tmp_path / "pkg")
    before = snapshot(pkg.parent)
    with pytest.raises(EvregError, match=message.replace("[", r"\[").replace("]", r"\]")):
        add_study(pkg, submission(tmp_path / "s.yaml", derivation, estimate))
    assert snapshot(pkg.parent) == before


def test_missing_source_location_is_a_validation_error_naming_the_yaml(tmp_path: Path) -> None:
    pkg = package_with_derivations(tmp_path / "pkg")
    before = snapshot(pkg.parent)
    bad = {k: v for k, v in LOGRANK.items() if k != "source_location"}
    result = add_study(pkg, submission(tmp_path / "s.yaml", bad))
    assert not result.added
    assert any(
        "derivations.csv:2" in e and "source_location" in e and "estimates[1].derivation" in e
        for e in result.errors
    ), result.errors
    assert snapshot(pkg.parent) == before


def test_km_derivation_keeps_its_files_and_the_build_rederives(tmp_path: Path) -> None:
    pkg = package_with_derivations(tmp_path / "pkg")
    files = tmp_path / "figure2"
    files.mkdir()
    inputs = write_inputs(trial("hr1.6-n90x140"), files)
    block = {
        "method": "km",
        "reference": "low",
        "source_location": "Figure 2",
        "curves": {"low": "figure2/curve-low.csv", "high": "figure2/curve-high.csv"},
        "at_risk": "figure2/at-risk.csv",
    }
    result = add_study(pkg, submission(tmp_path / "s.yaml", block))
    assert result.added, result.errors
    eid = result.estimate_ids[0]
    kept = pkg.parent / "data/derivations" / eid
    assert sorted(p.name for p in kept.iterdir()) == [
        "at-risk.csv",
        "curve-high.csv",
        "curve-low.csv",
    ]
    assert (kept / "at-risk.csv").read_bytes() == Path(inputs["at_risk"]).read_bytes()
    run_plan(load_package(pkg))  # re-derives from the kept files: no error
    # a stored number that differs from what the inputs give is an error naming the cell
    path = pkg.parent / "data/estimates.csv"
    table = rows(path)
    table[-1]["hr"] = "9.9"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(table[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(table)
    path.write_text(out.getvalue())
    text = out.getvalue().splitlines()
    with pytest.raises(
        EvregError,
        match=rf"data/estimates.csv:{len(text)}: hr: 9.9, but its "
        r"derivation in data/derivations.csv gives",
    ):
        run_plan(load_package(pkg))


def test_contributing_worked_example_adds_a_derived_estimate(tmp_path: Path) -> None:
    """CONTRIBUTING's derivation example, as printed there, goes through add-study."""
    import json

    from fixtures.living_repo import EXAMPLE_STUDY

    guide = (Path(__file__).resolve().parents[2] / ".github" / "CONTRIBUTING.md").read_text()
    section = guide[guide.index("### When the paper prints no hazard ratio") :]
    block = section.split("```")[3].removeprefix("\n")  # the second fenced block
    assert "derivation:" in block and "method: logrank" in block
    study = "\n".join(f"  {k}: {json.dumps(v)}" for k, v in EXAMPLE_STUDY.items())
    yaml_path = tmp_path / "example.yaml"
    yaml_path.write_text(f"study:\n{study}\nestimates:\n{block}")
    pkg = package_with_derivations(tmp_path / "pkg")
    result = add_study(pkg, yaml_path)
    assert result.added, result.errors
    est = rows(pkg.parent / "data/estimates.csv")[-1]
    expected = from_logrank(chisq="25.42", events=74, ratio="45/75", worse="high")
    assert est["status"] == "derived" and float(est["hr"]) == round(expected.hr, 4)


def test_km_files_must_sit_beside_the_yaml_and_an_issue_form_has_none(tmp_path: Path) -> None:
    from evreg.living.add_study import add_submission
    from evreg.living.submission import load_submission

    pkg = package_with_derivations(tmp_path / "pkg")
    before = snapshot(pkg.parent)
    write_inputs(trial("hr1.6-n90x140"), tmp_path)
    outside = {"low": "../secret.csv", "high": "curve-high.csv"}
    block = {
        "method": "km",
        "reference": "low",
        "source_location": "Figure 2",
        "curves": outside,
        "at_risk": "at-risk.csv",
    }
    (tmp_path / "sub").mkdir()
    yaml_path = submission(tmp_path / "sub" / "s.yaml", block)
    with pytest.raises(EvregError, match=r"curves\.low: '\.\./secret\.csv': a \.csv file beside"):
        add_study(pkg, yaml_path)
    fine = {**block, "curves": {"low": "curve-low.csv", "high": "curve-high.csv"}}
    yaml_path = submission(tmp_path / "s.yaml", fine)
    with pytest.raises(EvregError, match="needs its files: send it in a pull request"):
        add_submission(pkg, load_submission(yaml_path), "issue body")  # as --from-issue does
    assert snapshot(pkg.parent) == before

"""Guyot 2012 reconstruction (evreg.stats.derive, through evreg.review.derived as the CLI and
the build call it) against R survival's coxph and survdiff on the original simulated data.

Simulated trials (tests/fixtures/km_sim.py): two groups, Kaplan-Meier curves digitised with
noise and fewer points, numbers at risk every 3 months. R's fits are stored with its version
(tests/stats/reference/r_survival.json); with R present they are recomputed and compared.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from conftest import needs_r
from fixtures.km_sim import LABELS, simulate, write_inputs
from fixtures.r_survival import CASES, data_hash, run_survival, stored, trial

from evreg.review.derived import derive_km
from evreg.stats.derive import DerivationError, cox_two_groups

REFERENCE = stored()


@pytest.mark.parametrize("name", list(CASES))
def test_cox_on_original_data_matches_r(name: str) -> None:
    """statsmodels PHReg (Efron) and survdiff on the original data = R coxph / survdiff."""
    t, ref = trial(name), REFERENCE["cases"][name]
    assert data_hash(t) == ref["data_sha256"], "the simulation changed: refresh the reference"
    fit = cox_two_groups(t.time, t.event, t.group)
    assert fit.log_hr == pytest.approx(ref["log_hr"], rel=1e-6)
    assert fit.se == pytest.approx(ref["se"], rel=1e-6)
    assert fit.logrank_chisq == pytest.approx(ref["logrank_chisq"], rel=1e-6)


@pytest.mark.parametrize("name", list(CASES))
def test_reconstructed_hr_is_close_to_r_coxph_on_the_original_data(name: str, tmp_path) -> None:
    """|delta ln HR| <= 0.06 and CI width within 20% of R's coxph on the original data."""
    t, ref = trial(name), REFERENCE["cases"][name]
    est, groups = derive_km(write_inputs(t, tmp_path))
    assert abs(est.log_hr - ref["log_hr"]) <= 0.06, (est.log_hr, ref["log_hr"])
    assert est.se / ref["se"] == pytest.approx(1.0, abs=0.20)
    assert est.details["logrank_chisq"] == pytest.approx(ref["logrank_chisq"], rel=0.25, abs=1.0)
    for g, label in enumerate(LABELS):
        original_events = int(t.event[t.group == g].sum())
        assert abs(groups[label].events - original_events) <= max(3, 0.08 * original_events)
        assert groups[label].time.size == t.at_risk[label][0]


@needs_r
@pytest.mark.r
def test_stored_reference_is_what_r_says_now() -> None:
    """Run R survival for real and compare with the stored reference."""
    now = run_survival()
    for name, ref in REFERENCE["cases"].items():
        for key in ("log_hr", "se", "logrank_chisq", "logrank_p"):
            assert now["cases"][name][key] == pytest.approx(ref[key], rel=1e-9), (name, key)
        assert now["cases"][name]["data_sha256"] == ref["data_sha256"]


def test_exact_curve_gives_back_the_original_data(tmp_path) -> None:
    """Every corner of the curve, no noise, printed totals: events and at-risk numbers back."""
    t = simulate(7, n=(80, 80), hr=0.6, n_points=10_000, noise=0.0)
    inputs = write_inputs(t, tmp_path)
    inputs["events"] = {lab: int(t.event[t.group == g].sum()) for g, lab in enumerate(LABELS)}
    est, groups = derive_km(inputs)
    for label in LABELS:
        assert groups[label].events == inputs["events"][label]
        assert (groups[label].risk_reconstructed == t.at_risk[label]).sum() >= len(t.risk_time) - 1
    fit = cox_two_groups(t.time, t.event, t.group)
    assert abs(est.log_hr - fit.log_hr) < 0.03


def test_percentages_are_detected_and_stated(tmp_path) -> None:
    t = trial("hr0.55-n150")
    fractions = derive_km(write_inputs(t, tmp_path))[0]
    percent = derive_km(write_inputs(t, tmp_path, scale=100.0))[0]
    assert percent.log_hr == pytest.approx(fractions.log_hr, abs=1e-9)
    assert any("percentages" in n for n in percent.notes)
    assert any("fractions" in n for n in fractions.notes)


def _break(path: Path, line: int, text: str) -> None:
    lines = path.read_text().splitlines()
    lines[line - 1] = text
    path.write_text("\n".join(lines) + "\n")


def test_bad_curves_and_tables_are_refused_naming_file_and_line(tmp_path) -> None:
    t = trial("hr1.6-n90x140")
    cases = [
        ("curve-high.csv", 3, "9.0,1.25", r"curve-high.csv:3: survival 1.25 is outside 0-1"),
        ("curve-low.csv", 5, "40,0.99", r"curve-low.csv:5: survival rises to 0.99"),
        (
            "at-risk.csv",
            3,
            f"3,90,{t.at_risk['high'][1]}",
            r"at-risk.csv:3: column 'low': 90 at "
            r"risk at time 3, but the curve .* contradicts",
        ),
        ("at-risk.csv", 2, "0,90,-1", r"at-risk.csv:2: column 'high': -1 is not a positive"),
        ("at-risk.csv", 1, "time,low,other", r"at-risk.csv:1: column 'other' matches no curve"),
        ("curve-low.csv", 3, "2,abc", r"curve-low.csv:3: column 'survival': 'abc' is not a number"),
    ]
    for i, (name, line, text, message) in enumerate(cases):
        folder = tmp_path / str(i)
        folder.mkdir()
        inputs = write_inputs(t, folder)
        _break(folder / name, line, text)
        with pytest.raises(Exception, match=message):
            derive_km(inputs)
    inputs = write_inputs(t, tmp_path)
    with pytest.raises(DerivationError, match="reference 'ref' is not a curve label"):
        derive_km({**inputs, "reference": "ref"})
    with pytest.raises(DerivationError, match="events: label 'mid' is not a curve label"):
        derive_km({**inputs, "events": {"mid": 3}})


def test_noisy_unsorted_points_are_cleaned_with_notes(tmp_path) -> None:
    t = trial("hr0.55-n150")
    inputs = write_inputs(t, tmp_path)
    path = Path(inputs["curves"]["low"])
    lines = path.read_text().splitlines()
    lines.append("0.5,1.01")  # a click a little above 1, out of order
    path.write_text("\n".join(lines) + "\n")
    est = derive_km(inputs)[0]
    assert any("sorted" in n for n in est.notes)
    assert any("clipped" in n for n in est.notes)
    assert math.isfinite(est.log_hr) and np.isfinite(est.se)

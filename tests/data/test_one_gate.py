"""One gate: whatever `evreg add-study` (that is, validation) accepts keeps the data tests green.

The property test fills the add-study template with generated contributions (hypothesis: any
mix of optional fields left empty, statuses, numbers, sources), adds each to a fresh copy of the
synthetic package, and runs the data tests' checks (fixtures.data_checks) on every package
that was accepted. The unit tests show each moved rule refusing its row in validation."""

from __future__ import annotations

import math
import shutil
import tempfile
from pathlib import Path

import pytest
from fixtures import data_checks
from fixtures.breakage import set_cell
from fixtures.living_repo import EXAMPLE_STUDY, fill_template
from fixtures.synthetic import with_added_study, write_package
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evreg.data.template import render_template
from evreg.data.validate import validate_package
from evreg.living.add_study import add_study

WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ", min_size=1, max_size=30).map(
    lambda s: "A" + s.strip()
)
MAYBE_URL = st.sampled_from(["", "https://example.org/fictional-study"])
MAYBE_TEXT = st.one_of(st.just(""), WORDS)


@st.composite
def ratio(draw: st.DrawFn) -> tuple[str, str, str]:
    """hr and its 95% CI as printed (two decimals), lower < hr < upper."""
    log_hr = draw(st.floats(-1.5, 1.5))
    se = draw(st.floats(0.08, 0.6))
    hr, lo, up = (f"{math.exp(log_hr + z * se):.2f}" for z in (0, -1.96, 1.96))
    if not float(lo) < float(hr) < float(up) or float(lo) <= 0:
        return "1.50", "1.10", "2.05"
    return hr, lo, up


@st.composite
def estimate(draw: st.DrawFn, outcome: str) -> dict[str, str]:
    status = draw(st.sampled_from(["extracted", "incomplete", "not_found"]))
    hr, lo, up = draw(ratio())
    row = {
        "biomarker": "SII",
        "outcome": outcome,
        "exposure": "SII above 500 before the first ICI dose",
        "comparison": draw(st.sampled_from(["high_vs_low", "low_vs_high"])),
        "timepoint": "baseline",
        "model": draw(st.sampled_from(["multivariable", "univariable"])),
        "cohort": "whole",
        "status": status,
        "source_url": draw(MAYBE_URL),
        "source_location": draw(st.sampled_from(["", "Table 3"])),
        "extraction_check": draw(st.sampled_from(["", "two extractors agree"])),
        "notes": draw(MAYBE_TEXT),
    }
    if status == "extracted":
        row.update(hr=hr, ci_lower=lo, ci_upper=up)
    elif status == "incomplete":
        row.update(hr=hr)
    return row


@st.composite
def contribution(draw: st.DrawFn) -> tuple[dict[str, str], list[dict[str, str]]]:
    """A study and one or two estimates, as a contributor might fill in the template."""
    year = draw(st.integers(2015, 2026))
    study = {
        **EXAMPLE_STUDY,
        "study_id": f"{draw(st.sampled_from(['kappa', 'lambda', 'omega']))}-{year}",
        "year": str(year),
        "title": draw(WORDS),
        "country": draw(MAYBE_TEXT),
        "n_confirmed": draw(st.sampled_from(["", "45", "120", "830"])),
        "hbv_all_patients": draw(st.sampled_from(["", "true", "false"])),
        "local_treatment": draw(st.sampled_from(["", "true", "false"])),
        "nos_selection": str(draw(st.integers(0, 4))),
        "nos_comparability": str(draw(st.integers(0, 2))),
        "nos_outcome": str(draw(st.integers(0, 3))),
        "source_url": draw(MAYBE_URL),
        "notes": draw(MAYBE_TEXT),
    }
    outcomes = draw(st.sampled_from([["PFS"], ["OS"], ["PFS", "OS"]]))
    return study, [draw(estimate(outcome)) for outcome in outcomes]


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_package(tmp_path_factory.mktemp("gate") / "base")


def test_an_accepted_contribution_never_turns_the_data_tests_red(base: Path) -> None:
    template = render_template(base / "datapackage.json")
    accepted: list[bool] = []

    @settings(
        max_examples=25,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(contribution())
    def check(item: tuple[dict[str, str], list[dict[str, str]]]) -> None:
        study, estimates = item
        with tempfile.TemporaryDirectory(prefix="evreg-gate-") as tmp:
            pkg = Path(shutil.copytree(base, Path(tmp) / "pkg"))
            submission = Path(tmp) / "study.yaml"
            submission.write_text(fill_template(template, study, estimates), encoding="utf-8")
            result = add_study(pkg / "datapackage.json", submission)
            accepted.append(result.added)
            if result.added:
                for run in data_checks.ROW_CHECKS:
                    run(pkg)

    check()
    assert any(accepted), "no generated contribution was accepted: the strategy is broken"
    assert not all(accepted), "every contribution accepted: the strategy tests nothing"


def test_usable_statuses_are_the_review_s() -> None:
    from evreg.data.validate.sources import USABLE
    from evreg.review.selection import USABLE_STATUSES

    assert USABLE == USABLE_STATUSES  # one rule: the data stage cannot import it


@pytest.mark.parametrize(
    ("table", "key", "field", "value", "expected"),
    [
        ("studies", "omega-2026", "source_url", "", "an added study names where its own paper"),
        ("studies", "alpha-2020", "review_source_location", "", "say where"),
        ("estimates", "beta-2021-il6-os", "notes", "", "say why"),
        ("published_results", "il6-pfs", "source_location", "", "every number names where"),
    ],
)
def test_each_data_rule_is_a_validation_error(
    tmp_path: Path, table: str, key: str, field: str, value: str, expected: str
) -> None:
    pkg = with_added_study(tmp_path / "pkg")
    if table == "estimates":
        set_cell(pkg, table, key, "extraction_check", "")
        set_cell(pkg, table, key, "status", "not_found")
        for number in ("hr", "ci_lower", "ci_upper", "p_as_printed"):
            set_cell(pkg, table, key, number, "")
    set_cell(pkg, table, key, field, value)
    errors = [str(f) for f in validate_package(pkg) if f.severity == "error"]
    assert any(f":{field}: " in e and expected in e for e in errors), errors

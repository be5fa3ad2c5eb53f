"""Indirectness compares what "high" means: cut-off values and units parsed from the study table,
specimens, how cut-offs were set, populations and regimens; a mix of specimens or units is
serious, the rest is support; studies no table names count under risk of bias only."""

from __future__ import annotations

import pytest

from evreg.review.certainty import Evidence, StudyEvidence, indirectness
from evreg.review.certainty.definition import factor_definition, parse_cutoff


@pytest.mark.parametrize(
    ("text", "outcome", "expected"),
    [
        ("19.82 pg/ml", "PFS", (19.82, "pg/ml")),
        ("7.4 pg/mL", "OS", (7.4, "pg/ml")),
        ("377.03", "OS", (377.03, None)),
        ("539.47 (PFS); 303.66 (OS)", "OS", (303.66, None)),
        ("539.47 (PFS); 303.66 (OS)", "PFS", (539.47, None)),
        ("539.47 or 303.66", "PFS", (None, None)),  # two values, neither tagged
        ("", "PFS", (None, None)),
    ],
)
def test_the_cut_off_for_the_outcome_is_read_from_the_recorded_text(text, outcome, expected):
    assert parse_cutoff(text, outcome) == expected


def test_the_confirmed_cut_off_wins_over_the_reviews() -> None:
    study = {"cutoff_reported": "539.47 or 303.66", "cutoff_confirmed": "539.47 (PFS); 303.66 (OS)"}
    assert factor_definition(study, "OS").cutoff == 303.66
    assert factor_definition({"cutoff_reported": "9.2 pg/mL"}, "PFS").unit == "pg/ml"


def _study(i: int, **cells) -> StudyEvidence:
    row = {"cutoff_confirmed": "10 pg/mL", "specimen": "serum", "treatment": "A + B"} | cells
    return StudyEvidence(
        f"s{i}", f"Study {i}", 1.0, 100, 8, definition=factor_definition(row, "OS")
    )


def _ev(*studies: StudyEvidence, unidentified: int = 0) -> Evidence:
    k = len(studies) + unidentified
    return Evidence(k, 1.5, 1.2, 1.9, studies=studies, unidentified=unidentified)


def test_same_measurement_different_cut_offs_is_not_serious_but_shown() -> None:
    judged = indirectness.judge(_ev(_study(0), _study(1, cutoff_confirmed="18.2 pg/mL")))
    assert judged.judgement == "not serious"
    assert "cut-off 10 pg/ml (Study 0); 18.2 pg/ml (Study 1)" in judged.reason


def test_different_specimens_or_units_are_serious() -> None:
    specimens = indirectness.judge(_ev(_study(0), _study(1, specimen="plasma")))
    assert specimens.judgement == "serious"
    assert "different specimens: plasma (Study 1); serum (Study 0)" in specimens.reason
    units = indirectness.judge(_ev(_study(0), _study(1, cutoff_confirmed="2 ng/mL")))
    assert units.judgement == "serious" and "different units" in units.reason
    # an unrecorded specimen or unit is not a difference
    unknown = indirectness.judge(_ev(_study(0), _study(1, specimen="", cutoff_confirmed="12")))
    assert unknown.judgement == "not serious"


def test_population_regimen_and_cut_off_method_are_support_only() -> None:
    judged = indirectness.judge(
        _ev(
            _study(0, hbv_all_patients=True, cutoff_method="data_roc"),
            _study(1, local_treatment=True, treatment="TACE + A"),
        )
    )
    assert judged.judgement == "not serious"
    for text in ("HBV-related: Study 0", "local treatment: Study 1", "set by data_roc"):
        assert text in judged.reason
    assert "regimens A + B (Study 0); TACE + A (Study 1)" in judged.reason


def test_studies_no_table_names_are_not_counted_again_here() -> None:
    judged = indirectness.judge(_ev(_study(0), unidentified=3))
    assert judged.judgement == "not serious" and "counted under risk of bias" in judged.reason

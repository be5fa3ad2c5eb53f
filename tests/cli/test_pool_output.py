"""`evreg pool`'s printed report (evreg.cli.pool_output): the RevMan-style text layout line for
line, and the JSON study rows' number format (12 significant digits, floats as floats), on a
three-study table the test writes."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from fixtures.pool_files import write

from evreg import stats
from evreg.cli import main

ROWS = [
    ["Alpha 2019", 1.5, 1.1, 2.05, "x"],
    ["Beta 2020", 2, 1, 4, "x"],
    ["Gamma 2021", 1.2, 0.8, 1.8, "y"],
]
# RevMan 5's forest-plot text: ratios to 2 decimals, weights to 1, P as the Cochrane style;
# the statistics lines are the site's (evreg.data.formats).
TEXT = """\
Study                     HR [95% CI]               Weight
Alpha 2019                1.50 [1.10, 2.05]          55.8%
Beta 2020                 2.00 [1.00, 4.00]          11.3%
Gamma 2021                1.20 [0.80, 1.80]          32.9%
Total (95% CI), k = 3     1.44 [1.14, 1.82]         100.0%
Prediction interval       [0.32, 6.50]{PAD}
Heterogeneity: Tau² = 0.00; Chi² = 1.71, df = 2 (P = 0.43); I² = 0%
Test for overall effect: Z = 3.07 (P = 0.002)

Subgroup: x
Study                     HR [95% CI]               Weight
Alpha 2019                1.50 [1.10, 2.05]          83.2%
Beta 2020                 2.00 [1.00, 4.00]          16.8%
Subtotal (95% CI), k = 2  1.57 [1.19, 2.09]         100.0%
Heterogeneity: Tau² = 0.00; Chi² = 0.55, df = 1 (P = 0.46); I² = 0%
Test for overall effect: Z = 3.13 (P = 0.002)

Subgroup: y
Study                     HR [95% CI]               Weight
Gamma 2021                1.20 [0.80, 1.80]         100.0%
Subtotal (95% CI), k = 1  1.20 [0.80, 1.80]         100.0%
Heterogeneity: not applicable (fewer than two studies)
Test for overall effect: Z = 0.88 (P = 0.38)

Test for subgroup differences: Chi² = 1.15, df = 1 (P = 0.28), I² = 13%

Leave-one-out (omitted):
  Alpha 2019                1.43 [0.89, 2.30]       P = 0.14       I² = 36%
  Beta 2020                 1.38 [1.08, 1.77]       P = 0.01       I² = 0%
  Gamma 2021                1.57 [1.19, 2.09]       P = 0.002      I² = 0%

Notes:
""".replace("{PAD}", " " * 12)  # the interval column is padded to its width, as every row


def test_text_report_layout(capsys, tmp_path: Path) -> None:
    """Header line, then the tables exactly as laid out (the notes follow, one per line)."""
    f = write(tmp_path / "g.csv", ["study", "hr", "ci_lower", "ci_upper", "group"], ROWS)
    assert main(["pool", str(f), "--subgroup", "group", "--leave-one-out"]) == 0
    out = capsys.readouterr().out
    head, _, rest = out.partition("\n\n")
    assert head == f"evreg pool {f}: Random effects, method DL, 95% CI"
    assert rest[: len(TEXT)] == TEXT
    notes = rest[len(TEXT) :].splitlines()
    assert notes and all(n.startswith("  - ") for n in notes)


def _number(v: float) -> str:
    """A JSON number as the report writes a study's: a float to 12 significant digits."""
    return repr(float(v)) if float(v).is_integer() else f"{v:.12g}"


@pytest.mark.parametrize(
    "rows",
    [ROWS, [ROWS[0], ROWS[2], ["Delta 2022", 1.35, 0.95, 1.92, "y"]]],
    ids=["some integral (per-value path)", "none integral (one-format path)"],
)
def test_json_study_rows_carry_12_significant_digits(capsys, tmp_path: Path, rows) -> None:
    """One line per study; numbers as %.12g of the engine's values, integral ones as 1.0."""
    f = write(tmp_path / "g.csv", ["study", "hr", "ci_lower", "ci_upper"], [r[:4] for r in rows])
    assert main(["pool", str(f), "--format", "json"]) == 0
    raw = capsys.readouterr().out
    y, se = stats.ci_to_se([r[1] for r in rows], [r[2] for r in rows], [r[3] for r in rows])
    weights = stats.pool(y, se, "DL").weights
    lo, up = stats.ci_from_se(y, se, 0.95)
    for row, w, a, b, est in zip(rows, weights, lo, up, np.exp(y), strict=True):
        line = (
            f'    {{"study": "{row[0]}", "estimate": {_number(est)}, "ci_lower": {_number(a)}, '
            f'"ci_upper": {_number(b)}, "weight": {_number(w)}, "flipped": false}}'
        )
        assert line in [r.rstrip(",") for r in raw.splitlines()], line
    report = json.loads(raw)
    assert math.isclose(sum(s["weight"] for s in report["studies"]), 100.0, rel_tol=1e-9)

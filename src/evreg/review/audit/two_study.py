"""For a k = 2 result with one estimate held: which model and direction of that estimate admit
any second study that reproduces the printed HR, CI and I2 within rounding (grid search)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from evreg.data.effects import printed_level
from evreg.data.formats import fmt_sig as fmt
from evreg.review.audit.findings import AuditFinding
from evreg.review.audit.printed import q_interval_from_i2
from evreg.review.audit.reproduction import Reproduction
from evreg.review.audit.rows import Row, finding, hr_text, parsed
from evreg.stats import FLIPPED, harmonise
from evreg.stats import dist as stats_dist


def _two_study_hits(y1: float, v1: float, row: Row, method: str) -> np.ndarray:
    """Second studies (HR, SE) that, pooled with (y1, v1), give the printed result within rounding.

    Grid over Q (from the printed I2, Higgins & Thompson 2002), v2 and the side of y2; y2 follows
    from Q = (y1 - y2)^2 / (v1 + v2). Pooling: inverse variance, DL tau2 = (Q - 1)(v1 + v2) / 2
    for k = 2 (DerSimonian & Laird 1986). Returns rows (HR2, SE2); empty if none.
    """
    hr, lo, hi, i2 = parsed(row, "hr", "ci_lower", "ci_upper", "i2_percent")
    q_lo, q_hi = q_interval_from_i2(i2, 1)
    q_hi = min(q_hi, 1e6)
    q = np.linspace(q_lo, q_hi, 61)[:, None, None]
    v2 = (v1 * np.geomspace(1e-4, 1e4, 6001))[None, :, None]
    y2 = y1 + np.array([1.0, -1.0])[None, None, :] * np.sqrt(q * (v1 + v2))
    tau2 = np.maximum(0.0, (q - 1) * (v1 + v2) / 2) if method != "FE" else 0.0 * q
    w1, w2 = 1 / (v1 + tau2), 1 / (v2 + tau2)
    mu, se = (w1 * y1 + w2 * y2) / (w1 + w2), 1 / np.sqrt(w1 + w2)
    crit = float(stats_dist.norm_ppf(0.975))
    ok = np.ones(np.broadcast_shapes(mu.shape, y2.shape), dtype=bool)
    for printed, value in ((hr, mu), (lo, mu - crit * se), (hi, mu + crit * se)):
        ev = np.exp(value)
        ok &= (ev >= printed.lower) & (ev < printed.upper)
    if not ok.any():
        return np.empty((0, 2))
    y2b, v2b = np.broadcast_to(y2, ok.shape)[ok], np.broadcast_to(v2, ok.shape)[ok]
    return np.column_stack([np.exp(y2b), np.sqrt(v2b)])


def check_two_study_direction(
    published: Sequence[Row], reproduction: Sequence[Reproduction]
) -> list[AuditFinding]:
    """For k = 2 results with one estimate held, which (model, direction) can reproduce them."""
    by_result = {str(r.get("result_id") or r.get("analysis_id")): r for r in published}
    out = []
    for rep in reproduction:
        row = by_result.get(rep.result_id)
        if row is None or rep.k_published != 2 or rep.k_available != 1:
            continue
        if None in parsed(row, "hr", "ci_lower", "ci_upper", "i2_percent"):
            continue
        est = rep.inputs[0]
        h, lo, hi = float(est["hr"]), float(est["ci_lower"]), float(est["ci_upper"])
        level = printed_level(est)
        directions = {"as printed": (h, lo, hi)}
        if str(est.get("comparison")) in FLIPPED:
            flipped = harmonise(h, lo, hi, str(est["comparison"]))
            directions["harmonised"] = tuple(float(v[0]) for v in flipped)
        crit = float(stats_dist.norm_ppf(0.5 + level / 2))
        verdicts, feasible = [], []
        for dname, (rh, rl, ru) in directions.items():
            y1, se1 = math.log(rh), (math.log(ru) - math.log(rl)) / (2 * crit)
            for method in ("FE", "DL"):
                hits = _two_study_hits(y1, se1**2, row, method)
                combo = f"{'fixed effect' if method == 'FE' else 'DL random effects'}, {dname}"
                if len(hits):
                    feasible.append(combo)
                    verdicts.append(
                        f"{combo}: possible (second study HR about {fmt(hits[:, 0].min(), 3)} to "
                        f"{fmt(hits[:, 0].max(), 3)}, SE {fmt(hits[:, 1].min(), 3)} to "
                        f"{fmt(hits[:, 1].max(), 3)}; implied, not data)"
                    )
                else:
                    verdicts.append(f"{combo}: none")
        out.append(
            finding(
                "two_study_direction",
                "note",
                row,
                f"{hr_text(row)}, I2 {row.get('i2_percent')}%",
                "; ".join(feasible) or "none found",
                f"k = 2 with one estimate held ({est['estimate_id']}: {est['hr']} "
                f"[{est['ci_lower']}, {est['ci_upper']}], "
                f"{est.get('comparison')}); a second study reproducing the printed HR, CI and I2 "
                f"within rounding (grid search over its HR and SE) exists for: "
                + "; ".join(verdicts),
            )
        )
    return out

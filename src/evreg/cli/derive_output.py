"""What `evreg derive` prints: a derived estimate as JSON or as text (numbers written by
:mod:`evreg.data.formats`, as on every other output)."""

from __future__ import annotations

import json
from typing import Any

from evreg.data.formats import ci_label, fmt_ci, fmt_p, fmt_sig
from evreg.stats.derive import DerivedEstimate


def render_json(est: DerivedEstimate) -> str:
    """The estimate's ``to_dict`` as indented JSON (no NaN)."""
    return json.dumps(est.to_dict(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def render_text(est: DerivedEstimate) -> str:
    """HR [CI], ln HR and SE, the method, the inputs, the notes; for km the groups."""
    lines = [
        f"HR {fmt_ci(est.hr, est.ci_lower, est.ci_upper)} ({ci_label(est.level)}); "
        f"ln HR {fmt_sig(est.log_hr)}, SE {fmt_sig(est.se)}",
        f"method: {est.method_label}",
        "inputs: " + "; ".join(f"{k} = {_plain(v)}" for k, v in est.inputs.items()),
    ]
    if est.details.get("groups"):
        lines += _groups(est.details)
    lines += [f"note: {n}" for n in est.notes]
    return "\n".join(lines) + "\n"


def _groups(details: dict[str, Any]) -> list[str]:
    """The Kaplan-Meier reconstruction: the log-rank test, then each group's numbers at risk."""
    lines = [
        f"compared: {details['compared']}; log-rank chi2 "
        f"{fmt_sig(details['logrank_chisq'])}, {fmt_p(details['logrank_p'])}"
    ]
    for label, g in details["groups"].items():
        lines.append(f"  {label}: n {g['n']}, events {g['events']}, censored {g['censored']}")
        lines.append("    at risk  time  printed  reconstructed")
        lines += [
            f"    {r['time']:>13g}  {r['printed']:>7d}  {r['reconstructed']:>13d}"
            for r in g["at_risk"]
        ]
    return lines


def _plain(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    return f"{value:g}" if isinstance(value, float) else str(value)

"""Checks of the two optional resources the certainty rating reads: reviewers' QUIPS judgements
(risk_of_bias.csv; Hayden et al., Ann Intern Med 2013;158:280-6) and the baseline survival
figures for absolute effects (baseline_risks.csv; Skoetz et al., GRADE guidelines 27, J Clin
Epidemiol 2020;118:124-31)."""

from __future__ import annotations

from collections.abc import Iterator

from evreg.data.validate.finding import Finding, Rows, quote


def check_risk_of_bias(
    rob: tuple[str, Rows], studies: tuple[str, Rows], estimates: tuple[str, Rows]
) -> Iterator[Finding]:
    """study_id is a study; an outcome, when given, is one the study has an estimate for; one
    row per study, outcome and domain (an empty outcome means every outcome)."""
    file, rows = rob
    known = {row.get("study_id") for _, row in studies[1]}
    outcomes: dict[str, set[str]] = {}
    for _, e in estimates[1]:
        outcomes.setdefault(e.get("study_id", ""), set()).add(e.get("outcome", ""))
    seen: dict[tuple[str, str, str], int] = {}
    for line, row in rows:
        sid, outcome = row.get("study_id", ""), row.get("outcome", "")
        domain = row.get("domain", "")
        if sid and sid not in known:
            yield Finding(file, line, "study_id", f"{quote(sid)} is not a study_id in {studies[0]}")
        elif sid and outcome and outcome not in outcomes.get(sid, set()):
            yield Finding(
                file, line, "outcome", f"{sid} has no {quote(outcome)} estimate in {estimates[0]}"
            )
        key = (sid, outcome, domain)
        if key in seen:
            yield Finding(
                file,
                line,
                "domain",
                f"{sid} {outcome or '(every outcome)'} {domain} is judged twice "
                f"(first on line {seen[key]}): one row per study, outcome and domain",
            )
        seen.setdefault(key, line)


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text else None
    except ValueError:
        return None


def _baseline_problems(row: dict[str, str]) -> Iterator[tuple[str, str]]:
    """(field, message) for a baseline row whose measure, unit, time and group disagree."""
    measure, unit = row.get("measure"), row.get("unit")
    time, horizon = _number(row.get("time_months")), _number(row.get("horizon_months"))
    value = _number(row.get("value"))
    if measure == "survival_at":
        if unit != "percent":
            yield "unit", "a survival at a time point is in percent"
        if time is None:
            yield "time_months", "a survival at a time point needs its time point"
        elif horizon is not None and horizon != time:
            yield "horizon_months", f"must be the printed time point ({row.get('time_months')})"
        if value is not None and value > 100:
            yield "value", f"{row.get('value')} is not a percentage"
    elif measure == "median":
        if unit != "months":
            yield "unit", "a median survival is in months"
        if time is not None:
            yield "time_months", "leave it empty for a median (the horizon says where it is used)"
    lo, up = _number(row.get("ci_lower")), _number(row.get("ci_upper"))
    if value is not None and lo is not None and up is not None and not lo <= value <= up:
        yield "value", f"{row.get('value')} lies outside its CI {row.get('ci_lower')} to {up:g}"
    group, marker = row.get("group"), row.get("biomarker")
    if group == "low_marker" and not marker:
        yield "biomarker", "a low-marker group needs its biomarker"
    if group == "whole_arm" and marker:
        yield "biomarker", "a whole arm has no biomarker group; leave it empty"


def check_baselines(baselines: tuple[str, Rows], analyses: tuple[str, Rows]) -> Iterator[Finding]:
    """Measure, unit, time point, horizon and group agree; a baseline whose outcome no analysis
    has is never used (warning)."""
    file, rows = baselines
    outcomes = {row.get("outcome") for _, row in analyses[1]}
    for line, row in rows:
        for field, message in _baseline_problems(row):
            yield Finding(file, line, field, message)
        if row.get("outcome") and row.get("outcome") not in outcomes:
            message = f"no analysis has outcome {quote(row.get('outcome'))}: never used"
            yield Finding(file, line, "outcome", message, "warning")

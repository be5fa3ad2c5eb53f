"""Checks of the two optional resources the certainty rating reads: reviewers' QUIPS judgements
(risk_of_bias.csv; Hayden et al., Ann Intern Med 2013;158:280-6) and the baseline survival
figures for absolute effects (baseline_risks.csv; Skoetz et al., GRADE guidelines 27, J Clin
Epidemiol 2020;118:124-31)."""

from __future__ import annotations

from collections.abc import Iterator

from evreg.data.validate.finding import Finding, Rows, quote, register, warning

TEMPLATES = register(
    {
        "rob-outcome-unknown": "{study} has no {value} estimate in {estimates}",
        "rob-judged-twice": (
            "{study} {outcome} {domain} is judged twice (first on line {first_line}): one row "
            "per study, outcome and domain"
        ),
        "baseline-survival-unit": "a survival at a time point is in percent",
        "baseline-time-missing": "a survival at a time point needs its time point",
        "baseline-horizon-differs": "must be the printed time point ({time})",
        "baseline-not-percentage": "{value} is not a percentage",
        "baseline-median-unit": "a median survival is in months",
        "baseline-median-time": ("leave it empty for a median (the horizon says where it is used)"),
        "baseline-outside-ci": "{value} lies outside its CI [{lower}, {upper:g}]",
        "baseline-biomarker-missing": "a low-marker group needs its biomarker",
        "baseline-biomarker-unexpected": "a whole arm has no biomarker group; leave it empty",
        "baseline-outcome-unused": warning("no analysis has outcome {value}: never used"),
    }
)


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
            value = quote(sid)
            yield Finding.coded(
                "unknown-study", file, line, "study_id", value=value, studies=studies[0]
            )
        elif sid and outcome and outcome not in outcomes.get(sid, set()):
            yield Finding.coded(
                "rob-outcome-unknown",
                file,
                line,
                "outcome",
                study=sid,
                value=quote(outcome),
                estimates=estimates[0],
            )
        key = (sid, outcome, domain)
        if key in seen:
            said = {"study": sid, "outcome": outcome or "(every outcome)", "domain": domain}
            yield Finding.coded(
                "rob-judged-twice", file, line, "domain", first_line=seen[key], **said
            )
        seen.setdefault(key, line)


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text else None
    except ValueError:
        return None


def _baseline_problems(row: dict[str, str]) -> Iterator[tuple[str, str, dict[str, object]]]:
    """(field, code, values) for a baseline row whose measure, unit, time and group disagree."""
    measure, unit = row.get("measure"), row.get("unit")
    time, horizon = _number(row.get("time_months")), _number(row.get("horizon_months"))
    value = _number(row.get("value"))
    if measure == "survival_at":
        if unit != "percent":
            yield "unit", "baseline-survival-unit", {}
        if time is None:
            yield "time_months", "baseline-time-missing", {}
        elif horizon is not None and horizon != time:
            yield "horizon_months", "baseline-horizon-differs", {"time": row.get("time_months")}
        if value is not None and value > 100:
            yield "value", "baseline-not-percentage", {"value": row.get("value")}
    elif measure == "median":
        if unit != "months":
            yield "unit", "baseline-median-unit", {}
        if time is not None:
            yield "time_months", "baseline-median-time", {}
    lo, up = _number(row.get("ci_lower")), _number(row.get("ci_upper"))
    if value is not None and lo is not None and up is not None and not lo <= value <= up:
        said = {"value": row.get("value"), "lower": row.get("ci_lower"), "upper": up}
        yield "value", "baseline-outside-ci", said
    group, marker = row.get("group"), row.get("biomarker")
    if group == "low_marker" and not marker:
        yield "biomarker", "baseline-biomarker-missing", {}
    if group == "whole_arm" and marker:
        yield "biomarker", "baseline-biomarker-unexpected", {}


def check_baselines(baselines: tuple[str, Rows], analyses: tuple[str, Rows]) -> Iterator[Finding]:
    """Measure, unit, time point, horizon and group agree; a baseline whose outcome no analysis
    has is never used (warning)."""
    file, rows = baselines
    outcomes = {row.get("outcome") for _, row in analyses[1]}
    for line, row in rows:
        for field, code, values in _baseline_problems(row):
            yield Finding.coded(code, file, line, field, **values)
        if row.get("outcome") and row.get("outcome") not in outcomes:
            value = quote(row.get("outcome"))
            yield Finding.coded("baseline-outcome-unused", file, line, "outcome", value=value)

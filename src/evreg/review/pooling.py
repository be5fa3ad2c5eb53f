"""`evreg pool`'s analysis: pool a table of study effects into a report (printed by
:mod:`evreg.cli.pool_output` as JSON or RevMan-style text).

The table comes from :func:`evreg.data.effects.read_effects`. Rows whose ``comparison`` is
``low_vs_high`` or ``decrease_vs_increase`` (the data package's values,
:data:`evreg.stats.FLIPPED`) are harmonised to high vs low exactly as the build does:
reciprocal ratio with swapped CI bounds (:func:`evreg.stats.harmonise`, Cochrane Handbook
6.3.2), then log ratio and SE from the CI (:func:`evreg.stats.ci_to_se`); on the log scale
the sign flips. ``high_vs_low`` and ``increase_vs_decrease`` rows are pooled as printed;
``unknown`` (and anything else) is an error naming the row, since a study of unknown
direction cannot be pooled honestly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from evreg import stats
from evreg.data.effects import DELIMITER_NAMES, EffectTable, sort_keys
from evreg.data.formats import fmt_level, fmt_pct
from evreg.data.text import clip
from evreg.errors import EvregError
from evreg.stats import AS_PRINTED, FLIPPED
from evreg.stats.core import input_problem

COMPARISONS = AS_PRINTED + FLIPPED
MEASURES = {"HR": "hazard ratio", "OR": "odds ratio", "RR": "risk ratio", "RATIO": "ratio"}
LABELS = {"HR": "HR", "OR": "OR", "RR": "RR", "RATIO": "Ratio"}
SUMMARY = (
    "k",
    "method",
    "measure",
    "hksj",
    "test",
    "estimate",
    "ci_lower",
    "ci_upper",
    "log_estimate",
    "se",
    "p",
    "tau2",
    "tau2_algorithm",
    "I2",
    "H2",
    "Q",
    "Q_df",
    "Q_p",
    "pi_lower",
    "pi_upper",
)


@dataclass(frozen=True)
class PoolOptions:
    """What to compute: the command's options, without argparse."""

    method: str = "DL"
    hksj: bool = False
    hksj_adhoc: bool = False
    level: float = 0.95
    measure: str | None = None  # HR, OR, RR or RATIO; default: implied by the column name
    subgroup: str | None = None
    common_tau2: bool = False
    leave_one_out: bool = False
    cumulative: str | None = None


@dataclass(frozen=True)
class Effects:
    """Log ratios and SEs on the high-vs-low scale, which rows were flipped, the measure."""

    log_ratio: np.ndarray
    se: np.ndarray
    flipped: np.ndarray
    measure: str


def measure_of(table: EffectTable, requested: str | None) -> str:
    """The measure label: --measure, else the one the column name implies, else RATIO."""
    implied = table.measure
    if requested is None:
        return implied or "RATIO"
    wanted = requested.upper()
    if wanted not in MEASURES:
        raise EvregError(f"--measure {requested}: choose one of HR, OR, RR, ratio")
    if implied and implied != wanted:
        raise EvregError(
            f"{table.path}: column {table.effect_column!r} holds {MEASURES[implied]}s but "
            f"--measure {requested} was given; rename the column "
            f"({'log_ratio' if table.log_ratio is not None else 'ratio'}) or drop --measure"
        )
    return wanted


def _flipped(table: EffectTable) -> np.ndarray:
    """Which rows are low vs high (checked against the package's comparison values)."""
    if "comparison" not in table.columns:
        return np.zeros(len(table.studies), dtype=bool)
    values = np.asarray(table.columns["comparison"], dtype=object)
    for i in np.flatnonzero(~np.isin(values, COMPARISONS)):
        value = values[i]
        if value == "":
            why = "empty; a value is required"
        elif value == "unknown":
            why = "'unknown': a study of unknown direction cannot be harmonised"
        else:
            why = f"{clip(value)} is not a comparison"
        raise table.fail(int(i), "comparison", f"{why} (use one of {', '.join(COMPARISONS)})")
    return np.isin(values, FLIPPED)


def harmonised(table: EffectTable, measure: str | None = None) -> Effects:
    """Log ratios and SEs, low-vs-high rows flipped as the build does (module docstring)."""
    label = measure_of(table, measure)
    flip = _flipped(table)
    if table.log_ratio is not None:
        y = np.where(flip, -table.log_ratio, table.log_ratio)
        _check(table, y, table.se)
        return Effects(y, table.se, flip, label)
    ratio, lower, upper = table.ratio, table.ci_lower, table.ci_upper
    if flip.any():
        ratio, lower, upper = stats.harmonise(ratio, lower, upper, table.columns["comparison"])
    y, se = stats.ci_to_se(ratio, lower, upper, table.ci_level)
    _check(table, y, se)
    return Effects(y, se, flip, label)


def _check(table: EffectTable, y: np.ndarray, se: np.ndarray) -> None:
    """The engine's limits (stats.core.input_problem), as file:line:field errors."""
    problem = input_problem(y, se)
    if problem is None:
        return
    row, message = problem
    if row is None:
        raise EvregError(f"{table.path}: {message}")
    log_form = table.log_ratio is not None
    column = "se" if log_form else "ci_lower"
    if "log effect" in message:
        column = table.effect_column
    elif not log_form:
        message = f"the CI gives {message}"
    raise table.fail(row, column, message)


@dataclass(frozen=True)
class StudyRows:
    """Per-study rows of one analysis, kept as columns so 100,000 rows print quickly. In
    JSON (evreg.cli.pool_output) their numbers carry 12 significant digits (the pooled
    results carry all 17)."""

    study: list[str]
    estimate: np.ndarray
    ci_lower: np.ndarray
    ci_upper: np.ndarray
    weight: np.ndarray
    flipped: np.ndarray

    NUMBERS = ("estimate", "ci_lower", "ci_upper", "weight")


def study_rows(
    effects: Effects, idx: np.ndarray, res: Any, level: float, names: list[str]
) -> StudyRows:
    """Ratio and CI recomputed from log ratio and SE at the analysis level, weight in %."""
    y, se = effects.log_ratio[idx], effects.se[idx]
    lo, up = stats.ci_from_se(y, se, level)
    with np.errstate(over="ignore"):
        est = np.exp(y)
    weight = np.asarray(res.weights, dtype=float)
    return StudyRows(names, est, lo, up, weight, effects.flipped[idx])


def summary(res: stats.PoolResult, measure: str) -> dict[str, Any]:
    """The result's headline fields (ratio scale, I2 in %), the test actually used."""
    out: dict[str, Any] = {}
    for key in SUMMARY:
        if key == "measure":
            out[key] = LABELS[measure]
        elif key == "test":
            out[key] = "t" if res.hksj else "z"
        else:
            out[key] = getattr(res, key)
    out["hksj"] = bool(res.hksj)
    return out


def analyse(table: EffectTable, options: PoolOptions) -> tuple[dict[str, Any], list[str]]:
    """Every requested analysis: the JSON-shaped report (ratio scale, I2 in %) and the notes
    stating every choice. Numeric extremes give unavailable values (null), never warnings."""
    effects = harmonised(table, options.measure)
    with np.errstate(all="ignore"):
        try:
            return _analyse(table, effects, options)
        except ValueError as exc:  # the engine's own checks (e.g. SEs beyond double range)
            raise EvregError(f"{table.path}: {exc}") from None


def _opts(options: PoolOptions) -> dict[str, Any]:
    return {"hksj": options.hksj, "hksj_adhoc": options.hksj_adhoc, "level": options.level}


def _analyse(
    table: EffectTable, effects: Effects, options: PoolOptions
) -> tuple[dict[str, Any], list[str]]:
    y, se, names = effects.log_ratio, effects.se, list(table.studies)
    res = stats.pool(y, se, options.method, **_opts(options))
    out = summary(res, effects.measure)
    out["studies"] = study_rows(effects, np.arange(y.size), res, options.level, names)
    out["flipped"] = [names[i] for i in np.flatnonzero(effects.flipped)]
    notes = list(res.notes) + _input_notes(table, effects, res, options.level)
    if options.leave_one_out:
        loo = stats.leave_one_out(y, se, options.method, labels=names, **_opts(options))
        out["leave_one_out"] = [_row(r, "omitted") for r in loo.rows]
        notes += list(loo.notes)
    if options.cumulative:
        order = sort_keys(table, options.cumulative)
        cum = stats.cumulative(y, se, options.method, names, order=order, **_opts(options))
        out["cumulative"] = [_row(r, "added") for r in cum.rows]
        notes += list(cum.notes)
    if options.subgroup:
        out["subgroups"] = _subgroups(table, effects, options)
    eg = stats.egger(y, se)
    out["egger"] = {"bias": eg.bias, "t": eg.t, "p": eg.p} if eg.available else None
    if not eg.available:
        notes.append(f"Egger's test: {eg.reason}")
    out["notes"] = notes
    return out, notes


def _input_notes(table: EffectTable, effects: Effects, res: Any, level: float) -> list[str]:
    """How the file was read and harmonised, and the tau2 CI."""
    notes = []
    if res.tau2_ci_lower is not None and res.tau2_ci_upper is not None:
        i2 = fmt_pct(res.I2_tau, 1)
        notes.append(
            f"tau2 = {res.tau2:.4g}, {fmt_level(level)} Q-profile CI "
            f"{res.tau2_ci_lower:.4g} to {res.tau2_ci_upper:.4g}; tau2-based I2 = {i2}"
        )
    notes.append(
        "study CIs: recomputed from log ratio and SE at the analysis level "
        "(as RevMan's generic inverse variance)"
    )
    if table.delimiter != ",":
        notes.append(f"fields separated by {DELIMITER_NAMES[table.delimiter]}s (detected)")
    flipped = np.flatnonzero(effects.flipped)
    if flipped.size:
        shown = ", ".join(table.studies[i] for i in flipped[:10])
        more = f" and {flipped.size - 10} more" if flipped.size > 10 else ""
        notes.append(
            f"direction: {flipped.size} of {effects.flipped.size} studies harmonised to high "
            f"vs low (comparison {' or '.join(FLIPPED)}: reciprocal ratio, CI bounds "
            f"swapped, as the registry's build): {shown}{more}"
        )
    return notes


def _row(r: Any, label: str) -> dict[str, Any]:
    out = {label: getattr(r, label)}
    if label == "added":
        out["k"] = r.k
    out.update({f: getattr(r, f) for f in ("estimate", "ci_lower", "ci_upper", "p", "I2")})
    return out


def _subgroups(table: EffectTable, effects: Effects, options: PoolOptions) -> dict[str, Any]:
    labels = table.columns[options.subgroup]
    if options.common_tau2 and (options.hksj or options.hksj_adhoc):
        raise EvregError("--common-tau2 cannot be combined with --hksj")
    sg = stats.subgroups(
        effects.log_ratio,
        effects.se,
        labels,
        options.method,
        common_tau2=options.common_tau2,
        **_opts(options),
    )
    groups = {}
    for level, res in sg.groups.items():
        idx = np.array([i for i, lab in enumerate(labels) if lab == level], dtype=int)
        entry = summary(res, effects.measure)
        names = [table.studies[i] for i in idx]
        entry["studies"] = study_rows(effects, idx, res, options.level, names)
        groups[level] = entry
    return {
        "groups": groups,
        "Q_between": sg.Q_between,
        "Q_between_df": sg.Q_between_df,
        "Q_between_p": sg.Q_between_p,
    }

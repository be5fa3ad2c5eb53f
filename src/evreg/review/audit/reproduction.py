"""Reproduction of the published results from the registry's usable estimates.

Each published result is recomputed with the review's model (as printed, else the overall
analysis' model, else the review's rule on the recomputed fixed-effect result) and compared
with the printed values within their rounding: reproduced, differs (by how much), or cannot be
reproduced yet (which estimates are missing and why).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

import numpy as np

from evreg.data.effects import printed_level
from evreg.data.formats import MISSING, fmt_ci, printed_ci
from evreg.data.formats import fmt_sig as fmt
from evreg.review.audit.findings import AuditFinding
from evreg.review.audit.printed import clean, parse_printed
from evreg.review.audit.rows import (
    Row,
    finding,
    k_of,
    norm_level,
    parent_rows,
    review_studies,
    study_ids,
)
from evreg.review.selection import model_order, select


@dataclass(frozen=True)
class Reproduction:
    """One published result beside its recomputation from the registry's usable estimates."""

    result_id: str
    analysis: str
    subgroup_level: str | None
    k_published: int | None
    k_available: int
    model: str
    model_basis: str
    used: tuple[str, ...]
    inputs: tuple[dict[str, Any], ...]
    missing: tuple[str, ...]
    published: dict[str, Any]
    recomputed: dict[str, Any] | None
    verdict: str
    differences: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


PUBLISHED_FIELDS = ("hr", "ci_lower", "ci_upper", "p_as_printed", "i2_percent", "q_p_as_printed")
RECOMPUTED_FIELDS = ("hr", "ci_lower", "ci_upper", "p", "i2_percent", "q_p")
INPUT_FIELDS = ("estimate_id", "study_id", "hr", "ci_lower", "ci_upper", "ci_level", "comparison")


def _missing_reason(study: Row, ests: Sequence[Row]) -> str:
    if not ests:
        return f"{study.get('study_id')}: no qualifying estimate row"
    return "; ".join(
        f"{e.get('estimate_id')}: {e.get('status')}"
        + ("" if e.get("status") != "incomplete" else " (no CI)")
        for e in ests
    )


def _missing(
    studies: Sequence[Row], ests: Sequence[Row], used: set, var: str | None, level: str | None
) -> tuple[str, ...]:
    """Why each study the review lists for this result has no usable estimate here."""
    known = [s for s in studies if not var or norm_level(s.get(var)) == level]
    unknown = [s for s in studies if var and norm_level(s.get(var)) is None]
    out = [
        _missing_reason(s, [e for e in ests if e.get("study_id") == s.get("study_id")])
        for s in known
        if s.get("study_id") not in used
    ]
    if unknown:
        out.append(f"{var} unknown for {study_ids(unknown)}")
    return tuple(out)


def _pool_inputs(inputs: Sequence[Row]) -> tuple[np.ndarray, np.ndarray]:
    from evreg import stats

    hr, lo, hi = (np.array([float(e[f]) for e in inputs]) for f in ("hr", "ci_lower", "ci_upper"))
    ratio, lower, upper = stats.harmonise(hr, lo, hi, [str(e["comparison"]) for e in inputs])
    levels = np.array([printed_level(e) for e in inputs])
    return stats.ci_to_se(ratio, lower, upper, levels)


def _choose_model(row: Row, parent: Row | None) -> tuple[str, str]:
    model = (row.get("model") or "").strip().lower()
    if model in ("fixed", "random"):
        return model, "as printed by the review"
    pmodel = "" if parent is None else (parent.get("model") or "").strip().lower()
    if pmodel in ("fixed", "random"):
        return pmodel, f"not printed; the overall analysis' model ({parent.get('analysis_id')})"
    return "", "not printed; the review's rule on the recomputed fixed-effect result"


def _recompute(inputs: Sequence[Row], model: str, random_method: str) -> tuple[dict, str]:
    from evreg import stats

    yi, sei = _pool_inputs(inputs)
    fixed = stats.pool(yi, sei, method="FE")
    basis = ""
    if not model:
        rule = stats.review_rule(fixed)
        model, basis = rule.model, f" ({rule.reason})"
    res = fixed if model == "fixed" else stats.pool(yi, sei, method=random_method or "DL")
    values: dict[str, Any] = {
        name: None if v is None else float(v)
        for name, v in zip(
            RECOMPUTED_FIELDS,
            (res.estimate, res.ci_lower, res.ci_upper, res.p, res.I2, res.Q_p),
            strict=True,
        )
    }
    return values | {"model": model, "method": res.method}, basis


def _differences(published: Row, recomputed: Mapping[str, Any]) -> tuple[str, ...]:
    """Each recomputed value outside the rounding interval of its printed value, and by how much
    (for "< x" forms, against x)."""
    diffs = []
    for pf, rf in zip(PUBLISHED_FIELDS, RECOMPUTED_FIELDS, strict=True):
        printed, value = parse_printed(published.get(pf)), recomputed.get(rf)
        if printed is None or value is None or printed.contains(value):
            continue
        shown = float(Decimal(clean(str(published.get(pf))).lstrip("<>=")))
        ratio = f", ratio {fmt(value / shown)}" if pf in ("hr", "ci_lower", "ci_upper") else ""
        diffs.append(
            f"{pf} printed {published.get(pf)}, recomputed {fmt(value)} "
            f"(difference {value - shown:+.4g}{ratio})"
        )
    return tuple(diffs)


def _verdict(k_pub: int | None, k_avail: int, diffs: Sequence[str]) -> str:
    if k_pub is not None and k_avail < k_pub:
        return "cannot be reproduced yet"
    if k_pub is not None and k_avail > k_pub:
        return "differs"
    return "differs" if diffs else "reproduced"


def _at_level(
    ests: Sequence[Row], by_study: Mapping[Any, Row], var: str | None, level: str | None
) -> list[Row]:
    """The estimates of the studies the study table puts at a subgroup ``level`` of ``var``
    (all of them for an overall result, ``var`` None)."""
    return [
        e
        for e in ests
        if not var or norm_level(by_study.get(e.get("study_id"), {}).get(var)) == level
    ]


def _pool_or_refuse(
    row: Row, inputs: list[dict[str, Any]], model: str, basis: str, random_method: str
) -> tuple[dict[str, Any] | None, str, str, tuple[str, ...], str]:
    """Pool ``inputs`` with ``model``: (recomputed, model, basis, differences, refusal), where
    a refusal says why numbers `evreg validate` rejects were not pooled (then nothing is)."""
    recomputed: dict[str, Any] | None = None
    diffs: tuple[str, ...] = ()
    try:
        if inputs:
            recomputed, extra = _recompute(inputs, model, random_method)
            model, basis = recomputed["model"], basis + extra
            diffs = _differences(row, recomputed)
    except ValueError as exc:
        ids = ", ".join(str(i["estimate_id"]) for i in inputs)
        refusal = f"{ids}: numbers cannot be pooled ({exc}); run evreg validate"
        return recomputed, model, basis, diffs, refusal
    return recomputed, model, basis, diffs, ""


def _reproduce_row(
    row: Row,
    a: Row,
    parent: Row | None,
    studies: Sequence[Row],
    by_study: Mapping[Any, Row],
    qualifying: Mapping[str, Sequence[Row]],
) -> Reproduction:
    """One published result recomputed (see :func:`reproduce_rows`)."""
    aid = row.get("analysis_id")
    level = norm_level(row.get("subgroup_level"))
    var = a.get("subgroup_variable") or None if level else None
    ests = _at_level(qualifying.get(aid, ()), by_study, var, level)
    inputs = [{f: e.get(f) for f in INPUT_FIELDS} for e in select(ests, model_order(a))]
    listed = review_studies(studies, a.get("biomarker"), a.get("outcome"))
    missing = _missing(listed, ests, {e["study_id"] for e in inputs}, var, level)
    model, basis = _choose_model(row, parent)
    recomputed, model, basis, diffs, refused = _pool_or_refuse(
        row, inputs, model, basis, str(a.get("random_method") or "DL")
    )
    if refused:
        missing, inputs = (*missing, refused), []
    k_pub = k_of(row)
    return Reproduction(
        result_id=str(row.get("result_id") or aid),
        analysis=str(aid),
        subgroup_level=level,
        k_published=k_pub,
        k_available=len(inputs),
        model=model,
        model_basis=basis,
        used=tuple(str(i["estimate_id"]) for i in inputs),
        inputs=tuple(inputs),
        missing=missing,
        published={f: row.get(f) for f in ("k", "model", *PUBLISHED_FIELDS)},
        recomputed=recomputed,
        verdict=_verdict(k_pub, len(inputs), diffs),
        differences=diffs,
    )


def reproduce_rows(
    published: Sequence[Row],
    analyses: Sequence[Row],
    studies: Sequence[Row],
    qualifying: Mapping[str, Sequence[Row]],
) -> tuple[Reproduction, ...]:
    """Recompute every published result from the usable qualifying estimates (pure function).

    ``qualifying`` maps analysis_id -> the estimates the plan admits (all statuses). A subgroup
    level uses the studies the study table assigns to it; studies with the level unknown are listed
    as missing. Model: as printed, else the parent analysis' printed model (RevMan pools subgroups
    with the overall model), else the review's rule. Each study contributes the estimate the
    plan pools (:func:`evreg.review.selection.select`).
    """
    by_id = {a.get("analysis_id"): a for a in analyses}
    parents = parent_rows(published, analyses)
    by_study = {s.get("study_id"): s for s in studies}
    return tuple(
        _reproduce_row(
            row,
            by_id.get(row.get("analysis_id"), {}),
            parents.get(row.get("analysis_id")),
            studies,
            by_study,
            qualifying,
        )
        for row in published
    )


def reproduce(package: Any) -> tuple[Reproduction, ...]:
    """Reproduction rows for every published result of a loaded package (see reproduce_rows),
    from the source review's studies only: studies added since never enter a reproduction."""
    from evreg.data.package import qualifies
    from evreg.data.scope import review_subset

    package = review_subset(package)
    analyses = package.analyses
    estimates = printed_rows(package, "estimates", ("hr", "ci_lower", "ci_upper"))
    qualifying = {a["analysis_id"]: [e for e in estimates if qualifies(e, a)] for a in analyses}
    return reproduce_rows(printed_published(package), analyses, package.studies, qualifying)


def pooled_text(rec: Mapping[str, Any]) -> str:
    """A recomputed result for a message: "HR 1.28 [1.05, 1.56]" (:func:`fmt_ci`)."""
    return "HR " + fmt_ci(rec.get("hr"), rec.get("ci_lower"), rec.get("ci_upper"))


def reproduction_findings(reproduction: Sequence[Reproduction]) -> list[AuditFinding]:
    """One finding per published result: reproduced (note), cannot yet (note), differs (error)."""
    out = []
    for r in reproduction:
        pub, rec = r.published, r.recomputed
        printed = (
            f"HR {printed_ci(pub.get('hr'), pub.get('ci_lower'), pub.get('ci_upper'))}, "
            f"k = {r.k_published}"
        )
        what = f"{r.k_available} of {r.k_published} studies with a usable estimate"
        model = f"{r.model} effect, model {r.model_basis}"
        if r.verdict == "cannot be reproduced yet":
            expected = f"k = {r.k_published} usable estimates (registry: {r.k_available})"
            partial = "" if rec is None else f"; pooled from those held: {pooled_text(rec)}"
            msg = f"cannot be reproduced yet: {what}{partial}; missing: " + "; ".join(r.missing)
        else:
            expected = f"{pooled_text(rec or {})}, k = {r.k_available}" if rec else MISSING
            detail = "; ".join(r.differences) or f"k {r.k_available} vs {r.k_published}"
            msg = (
                f"reproduced within rounding ({model}); {what}"
                if r.verdict == "reproduced"
                else f"differs ({model}); {what}; {detail}"
            )
        row = {"analysis_id": r.analysis, "subgroup_level": r.subgroup_level}
        severity = "error" if r.verdict == "differs" else "note"
        out.append(finding("reproduction", severity, row, printed, expected, msg))
    return out


def printed_rows(package: Any, name: str, fields: Sequence[str]) -> list[dict[str, Any]]:
    """A table's typed rows with ``fields`` as printed (text keeping trailing zeros).

    Typed rows turn "1.50" into 1.5, which would widen its rounding interval; the package's raw
    tables keep the text. Falls back to the typed rows when no raw table is held.
    """
    typed = [dict(r) for r in package.tables[name]]
    raw = getattr(package, "raw_tables", {}).get(name) or ()
    if len(raw) != len(typed):
        return typed
    return [t | {f: r.get(f) or None for f in fields} for t, r in zip(typed, raw, strict=True)]


def printed_published(package: Any) -> list[dict[str, Any]]:
    """published_results rows with their numbers as printed."""
    return printed_rows(package, "published_results", PUBLISHED_FIELDS)

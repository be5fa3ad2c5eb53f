"""Indirectness: does the pooled evidence answer the question's prognostic factor as asked?
Serious when the pooled estimates mix time points or exposures (the plan checks ``evreg
validate`` runs, evreg.data.validate.plan) or when "high" is not the same measurement across
studies (different specimens or cut-off units); what "high" means otherwise — each study's
cut-off, how it was set, its population and regimen — is shown as support (GRADE guidelines 8,
Guyatt et al., J Clin Epidemiol 2011;64:1303-10; Huguet et al., Syst Rev 2013;2:71;
definitions from :mod:`.definition`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from evreg.review.certainty.definition import FactorDefinition
from evreg.review.certainty.evidence import Evidence, StudyEvidence, labels_text
from evreg.review.certainty.model import Judgement, Rule

RULE = Rule(
    "indirectness",
    "Serious when the pooled estimates mix time points (baseline, on treatment, unknown) or "
    "exposures (marker level high vs low, change, unknown) — the warnings evreg validate gives "
    "for the plan, applied to the estimates actually pooled (for a published result: every "
    "estimate of the review's studies that qualifies) — or when 'high' is not the same "
    "measurement: the studies measured the marker in different specimens (serum, plasma, "
    "blood) or state their cut-offs in different units. These concern one element of the "
    "question (the prognostic factor), so together they stay serious. What 'high' means in "
    "each study — its cut-off, how the cut-off was set, its population (all HBV-related, "
    "combined local treatment, country) and regimen — is listed as support: the question "
    "admits every eligible cut-off and population, so differences there are not rated down by "
    "the computation (a reviewer's row can); a data-derived cut-off counts under risk of bias, "
    "not here. Studies a published result counts but the study table does not name are "
    "counted under risk of bias only.",
    "GRADE guidelines 8 (Guyatt et al., J Clin Epidemiol 2011;64:1303-10); Huguet et al., "
    "Syst Rev 2013;2:71; evreg validate (plan checks)",
)


def _groups(
    studies: Sequence[StudyEvidence], key: Callable[[FactorDefinition], object]
) -> dict[str, list[str]]:
    """Study labels by the value ``key`` reads from each definition (unrecorded left out)."""
    out: dict[str, list[str]] = {}
    for s in studies:
        value = key(s.definition) if s.definition is not None else None
        if value is not None and value != "":
            out.setdefault(str(value), []).append(s.label)
    return out


def _listed(groups: dict[str, list[str]]) -> str:
    return "; ".join(f"{v} ({labels_text(labels)})" for v, labels in sorted(groups.items()))


def measurement_differs(studies: Sequence[StudyEvidence]) -> list[str]:
    """Why "high" is not the same measurement: specimens or cut-off units that differ."""
    out = []
    specimens = _groups(studies, lambda d: d.specimen)
    if len(specimens) > 1:
        out.append(f"measured in different specimens: {_listed(specimens)}")
    units = _groups(studies, lambda d: d.unit)
    if len(units) > 1:
        out.append(f"cut-offs in different units: {_listed(units)}")
    return out


def _cutoff_words(d: FactorDefinition) -> str | None:
    """ "19.82 pg/ml" (the outcome's value when parsed), else the cut-off as recorded."""
    if d.cutoff is None:
        return d.cutoff_text
    return f"{d.cutoff:g} {d.unit}" if d.unit else f"{d.cutoff:g}"


def what_high_means(studies: Sequence[StudyEvidence]) -> str:
    """ "what 'high' means: cut-off 19.82 pg/ml (Du 2024), ...; set by ...; ..." """
    parts = []
    cutoffs = _groups(studies, _cutoff_words)
    if cutoffs:
        parts.append(f"cut-off {_listed(cutoffs)}")
    methods = _groups(studies, lambda d: d.cutoff_method)
    if methods:
        parts.append(f"set by {_listed(methods)}")
    hbv = [s.label for s in studies if s.definition and s.definition.hbv_only]
    if hbv:
        parts.append(f"all patients HBV-related: {labels_text(hbv)}")
    local = [s.label for s in studies if s.definition and s.definition.local_treatment]
    if local:
        parts.append(f"with local treatment: {labels_text(local)}")
    regimens = _groups(studies, lambda d: d.treatment)
    if len(regimens) > 1:
        parts.append(f"regimens {_listed(regimens)}")
    return f"; what 'high' means: {'; '.join(parts)}" if parts else ""


def judge(ev: Evidence) -> Judgement:
    """Serious for a mix of time points or exposures, or of specimens or cut-off units."""
    unnamed = (
        f"; {ev.unidentified} of {ev.k} studies not named in the study table (counted under "
        "risk of bias)"
        if ev.unidentified
        else ""
    )
    serious = [f"pools estimates that mix {m.what} ({m.detail_in_words})" for m in ev.mixes]
    serious += measurement_differs(ev.studies)
    support = what_high_means(ev.studies)
    if serious:
        return Judgement("serious", "; ".join(serious) + support + unnamed)
    what = "one estimate" if ev.k == 1 else "the pooled estimates"
    return Judgement(
        "not serious",
        f"{what}: no mix of time points, exposures, specimens or cut-off units{support}{unnamed}",
    )

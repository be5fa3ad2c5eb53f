"""What "high" means in one study: its cut-off (value and unit), the specimen, how the cut-off
was set, and whom and what it studied (population, regimen), read from the study table as
recorded (cutoff_confirmed, else the review's cutoff_reported; specimen; cutoff_method;
hbv_all_patients; local_treatment; country; treatment). Indirectness compares them across the
pooled studies (GRADE guidelines 8, Guyatt et al., J Clin Epidemiol 2011;64:1303-10: the
prognostic factor's definition and measurement against the question; Huguet et al., Syst Rev
2013;2:71)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

# "19.82 pg/ml", "7.4 pg/mL", "539.47 (PFS); 303.66 (OS)", "377.03"
_CUTOFF = re.compile(
    r"(?P<value>\d+(?:\.\d+)?)\s*(?P<unit>[a-zA-Zµμ]+/[a-zA-Z]+)?\s*(?:\((?P<outcome>[A-Za-z]+)\))?"
)


@dataclass(frozen=True)
class FactorDefinition:
    """One study's definition of a high marker level and its setting, as recorded."""

    cutoff: float | None
    unit: str | None
    cutoff_text: str | None
    specimen: str | None
    cutoff_method: str | None
    hbv_only: bool | None
    local_treatment: bool | None
    country: str | None
    treatment: str | None


def parse_cutoff(text: str, outcome: str) -> tuple[float | None, str | None]:
    """(value, unit in lower case) of the cut-off for ``outcome`` in a recorded cut-off text:
    the value tagged with the outcome when several are, else the only one; (None, None) when
    there is none or several untagged."""
    found = [m for m in _CUTOFF.finditer(text or "") if m.group("value")]
    tagged = [m for m in found if (m.group("outcome") or "").upper() == outcome.upper()]
    chosen = tagged or (found if len(found) == 1 else [])
    if len(chosen) != 1:
        return None, None
    m = chosen[0]
    unit = m.group("unit")
    return float(m.group("value")), unit.lower().replace("μ", "µ") if unit else None


def factor_definition(study: Mapping[str, object], outcome: str) -> FactorDefinition:
    """The study's definition of "high" for ``outcome`` (module docstring)."""
    text = str(study.get("cutoff_confirmed") or study.get("cutoff_reported") or "") or None
    value, unit = parse_cutoff(text or "", outcome)
    hbv, local = study.get("hbv_all_patients"), study.get("local_treatment")
    return FactorDefinition(
        cutoff=value,
        unit=unit,
        cutoff_text=text,
        specimen=str(study.get("specimen") or "") or None,
        cutoff_method=str(study.get("cutoff_method") or "") or None,
        hbv_only=hbv if isinstance(hbv, bool) else None,
        local_treatment=local if isinstance(local, bool) else None,
        country=str(study.get("country") or "") or None,
        treatment=str(study.get("treatment") or "") or None,
    )

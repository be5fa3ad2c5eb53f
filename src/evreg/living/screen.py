"""``evreg screen``: record a screening decision on a record awaiting assessment.

Include: the record becomes the added study ``STUDY_ID`` of studies.csv (add it first with
``evreg add-study``); exclude: with a reason from the fixed list of the candidates schema
(PRISMA 2020 reports exclusions by reason). The record's line is rewritten in the file's own
style, the package copy validated, and candidates.csv replaced only if no new error appears.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from evreg.data.template import load_descriptor, resource, schema_fields
from evreg.errors import EvregError
from evreg.living.checked import write_checked
from evreg.living.files import csv_style, read_bytes, records, replace_record


@dataclass(frozen=True)
class ScreenResult:
    """The decision recorded: the record, its new status, the study or the reason."""

    candidate_id: str
    screening_status: str
    included_as: str
    exclusion_reason: str
    file: str

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


def exclusion_reasons(schema: dict) -> tuple[str, ...]:
    """The fixed list of exclusion reasons, as the candidates schema gives it."""
    for f in schema.get("fields", ()):
        if f.get("name") == "exclusion_reason":
            return tuple(str(r) for r in (f.get("constraints") or {}).get("enum", ()))
    return ()


def screen(
    package: Path, candidate_id: str, include_as: str | None = None, exclude: str | None = None
) -> ScreenResult:
    """Record the decision on ``candidate_id`` (awaiting assessment); see the module docstring."""
    if bool(include_as) == bool(exclude):
        raise EvregError("give --include-as STUDY_ID or --exclude REASON (one of them)", 2)
    descriptor = load_descriptor(package)
    res = resource(descriptor, "candidates", package)
    rel = str(res.get("path"))
    reasons = exclusion_reasons({"fields": schema_fields(package.parent, res)})
    if exclude and exclude not in reasons:
        listed = "; ".join(reasons)
        raise EvregError(f"--exclude {exclude!r}: not a reason of the fixed list ({listed})", 2)
    path = package.parent / rel
    data = read_bytes(path)
    for first, end, row in records(data):
        if row.get("candidate_id") != candidate_id:
            continue
        if row.get("screening_status") != "awaiting":
            raise EvregError(
                f"{rel}:{first}:screening_status: {candidate_id} is "
                f"{row.get('screening_status')!r}, not awaiting: already screened"
            )
        decided = {
            **row,
            "screening_status": "included" if include_as else "excluded",
            "included_as": include_as or "",
            "exclusion_reason": exclude or "",
        }
        new = replace_record(data, csv_style(data, path), first, end, decided)
        write_checked(package, {path: new}, {path: data}, f"screening {candidate_id}")
        return ScreenResult(
            candidate_id, decided["screening_status"], include_as or "", exclude or "", rel
        )
    raise EvregError(f"{rel}: no screening record {candidate_id!r}")

"""Record a reviewer's GRADE judgement (``evreg certainty judge``): one row of the package's
certainty resource that knows what it judged — the analysis, domain and (optionally) published
result, the data version and the estimates pooled at the time (:mod:`evreg.review.certainty.
reviewer` stops applying it when they change). The row replaces an earlier one for the same
analysis, domain and result; the file is written only when the package then validates, through
a temp file and ``os.replace`` (all or nothing)."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

from evreg.data.package import descriptor_path, load_package
from evreg.data.validate import Finding, validate_package
from evreg.data.validate.certainty import JUDGEMENTS
from evreg.errors import EvregError
from evreg.living.files import copy_package, read_bytes, replace_atomically
from evreg.review.certainty.reviewer import pooled_ids, stale_findings
from evreg.review.plan import run_plan

MAX_TEXT = 2000  # characters of a reason or a name


def _text(value: str, what: str) -> str:
    text = " ".join((value or "").split())
    if not text:
        raise EvregError(f"{what} is empty: say it in words")
    if len(text) > MAX_TEXT:
        raise EvregError(f"{what} is longer than {MAX_TEXT} characters")
    if any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in text):
        raise EvregError(f"{what} contains control characters")
    return text


def judgement_row(
    package_path: str | Path,
    analysis_id: str,
    domain: str,
    judgement: str,
    reason: str,
    by: str,
    result_id: str = "",
) -> dict[str, str]:
    """The certainty row for a judgement on the package as it is now (EvregError if the
    package has errors or the analysis, result, domain or judgement is not one it has)."""
    errors = [f for f in validate_package(package_path) if f.severity == "error"]
    if errors:
        raise EvregError(f"the package has {len(errors)} validation error(s), first: {errors[0]}")
    allowed = JUDGEMENTS.get(domain)
    if allowed is None:
        raise EvregError(f"{domain!r} is not a GRADE domain (one of: {', '.join(JUDGEMENTS)})")
    if judgement not in allowed:
        raise EvregError(f"{judgement!r} is not a judgement for {domain} ({', '.join(allowed)})")
    package = load_package(package_path)
    results = run_plan(package)
    try:
        a = results.get(analysis_id)
    except KeyError:
        raise EvregError(f"{analysis_id!r} is not an analysis of the plan") from None
    if result_id and result_id not in {str(p.get("result_id")) for p in a.published}:
        raise EvregError(f"{result_id!r} is not a published result of {analysis_id}")
    ids = pooled_ids(a, result_id)
    if not result_id and not ids:
        raise EvregError(f"{analysis_id} pools no estimate yet: there is nothing to judge")
    return {
        "analysis_id": analysis_id,
        "domain": domain,
        "judgement": judgement,
        "reason": _text(reason, "--reason"),
        "assessed_by": _text(by, "--by"),
        "result_id": result_id,
        "data_version": package.version,
        "estimate_ids": ";".join(ids),
    }


def _with_row(data: bytes, row: dict[str, str]) -> bytes:
    """The certainty CSV with ``row`` in place of any row for the same analysis, domain and
    result (else appended), in the file's column order."""
    text = data.decode("utf-8")
    reader = csv.DictReader(io.StringIO(text))
    header = list(reader.fieldnames or row)
    key = ("analysis_id", "domain", "result_id")
    kept = [r for r in reader if tuple(r.get(k) or "" for k in key) != tuple(row[k] for k in key)]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows([*kept, row])
    return out.getvalue().encode("utf-8")


def record_judgement(package_path: str | Path, row: dict[str, str]) -> Path:
    """Write ``row`` to the package's certainty CSV if the package still validates with it;
    returns the CSV's path."""
    descriptor = descriptor_path(package_path)
    package = load_package(descriptor)
    target = package.root / package.resource_path("certainty")
    original = read_bytes(target)
    new = _with_row(original, row)
    with tempfile.TemporaryDirectory() as tmp:
        copy = copy_package(descriptor, Path(tmp) / "pkg")
        (copy.parent / package.resource_path("certainty")).write_bytes(new)
        errors = [f for f in validate_package(copy) if f.severity == "error"]
    if errors:
        raise EvregError(f"the judgement would not validate: {errors[0]}")
    replace_atomically({target: new}, {target: original})
    return target


def stale_warnings(package_path: str | Path) -> list[Finding]:
    """``evreg validate``'s warnings on reviewers' judgements made on other studies than those
    pooled now (for a package without validation errors; none when no one has judged)."""
    package = load_package(package_path)
    if not package.tables.get("certainty"):
        return []
    return stale_findings(package, run_plan(package).analyses)

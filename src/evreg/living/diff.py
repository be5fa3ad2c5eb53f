"""Results diff: the data package at a git REF against the working tree.

Both packages are loaded, validated and run through the same analysis plan code
(``evreg.review.plan.run_plan``), so every difference comes from the data. The comparison works on
``RegistryResults.to_dict()``: per analysis, k with data, the estimates used, the primary model
chosen by the review's rule (:data:`evreg.stats.rule.RULE_TEXT`; Hu & Qiu 2026), the pooled
HR with its CI and p, subgroup levels, and the certainty of the evidence (GRADE level).
:mod:`evreg.living.report` renders a :class:`ResultsDiff` as JSON or as markdown for a
pull-request comment.
"""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evreg.data.formats import MISSING, per_100
from evreg.data.validate.certainty import DOMAIN_LABELS
from evreg.errors import EvregError
from evreg.living.add_study import finding_key as warning_key
from evreg.living.git import extract_package_at, resolve_release
from evreg.living.structure import structure_changes

_SIG_DIGITS = 12

# --------------------------------------------------------------------------- package state


@dataclass(frozen=True)
class PackageState:
    """A package as the diff sees it: version, rows by key, results, findings."""

    version: str | None
    tables: Mapping[str, Mapping[str, Mapping[str, Any]]]
    results: Mapping[str, Any] | None
    errors: tuple[str, ...]
    warnings: tuple[str, ...]


def _primary_key(root: Path, res: Mapping[str, Any]) -> list[str]:
    schema = res.get("schema")
    if isinstance(schema, str):
        try:
            schema = json.loads((root / schema).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            schema = {}
    key = schema.get("primaryKey") if isinstance(schema, Mapping) else None
    return [key] if isinstance(key, str) else list(key or [])


def _keyed_rows(root: Path, descriptor: Mapping[str, Any], raw: Mapping[str, Any]) -> dict:
    """{resource: {primary key: row as printed}}; ``raw`` gives each resource's rows."""
    tables: dict[str, dict[str, Mapping[str, Any]]] = {}
    for res in descriptor.get("resources") or ():
        name = res.get("name")
        rows = raw.get(name, ())
        key = _primary_key(root, res)
        tables[name] = {
            "|".join(str(row.get(k)) for k in key) if key else str(i + 2): row
            for i, row in enumerate(rows)
        }
    return tables


def _rows_as_printed(package: Path) -> tuple[str | None, dict]:
    """(version, keyed rows) of a package the loader refuses (an older structure): each
    resource's CSV read as text, so the diff still lists rows added, removed and changed."""
    import csv

    try:
        descriptor = json.loads(package.read_text(encoding="utf-8"))
        raw = {}
        for res in descriptor.get("resources") or ():
            path = package.parent / str(res.get("path"))
            if isinstance(res.get("path"), str) and path.is_file():
                with path.open(encoding="utf-8-sig", newline="") as handle:
                    raw[res.get("name")] = [r for r in csv.DictReader(handle) if any(r.values())]
        return descriptor.get("version"), _keyed_rows(package.parent, descriptor, raw)
    except (OSError, ValueError, AttributeError, csv.Error):
        return None, {}


def package_state(package: Path) -> PackageState:
    """Validate, load and (if there is no validation error) run the plan on a package."""
    from evreg.data.package import load_package
    from evreg.data.validate import validate_package
    from evreg.review.plan import run_plan

    prefix = str(package.parent.resolve()) + os.sep
    findings = validate_package(package)
    errors = tuple(str(f).replace(prefix, "") for f in findings if f.severity == "error")
    warnings = tuple(str(f).replace(prefix, "") for f in findings if f.severity != "error")
    try:
        loaded = load_package(package)
    except EvregError as exc:
        version, tables = _rows_as_printed(package)
        errors = errors or (str(exc).replace(prefix, ""),)
        return PackageState(version, tables, None, errors, warnings)
    results = None if errors else run_plan(loaded).to_dict()
    tables = _keyed_rows(Path(loaded.root), loaded.descriptor, loaded.raw_tables)
    return PackageState(loaded.version, tables, results, errors, warnings)


# --------------------------------------------------------------------------- comparison


@dataclass(frozen=True)
class TableChange:
    """Rows added, removed and changed (with the changed columns) in one resource."""

    resource: str
    rows_before: int
    rows_after: int
    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[tuple[str, tuple[str, ...]], ...]
    labels: tuple[tuple[str, str], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "resource": self.resource,
            "labels": dict(self.labels),
            "rows_before": self.rows_before,
            "rows_after": self.rows_after,
            "added": list(self.added),
            "removed": list(self.removed),
            "changed": {key: list(cols) for key, cols in self.changed},
        }


@dataclass(frozen=True)
class AnalysisChange:
    """One analysis before and after: status added/removed/changed/unchanged and why."""

    analysis_id: str
    title: str
    status: str
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None
    changes: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "analysis_id": self.analysis_id,
            "title": self.title,
            "status": self.status,
            "changes": list(self.changes),
            "before": self.before,
            "after": self.after,
        }


@dataclass(frozen=True)
class ResultsDiff:
    """Everything ``evreg diff`` reports; ``to_dict()`` is the JSON format."""

    ref: str
    commit: str
    version_before: str | None
    version_after: str | None
    package_at_ref: bool
    tables: tuple[TableChange, ...]
    analyses: tuple[AnalysisChange, ...]
    new_warnings: tuple[str, ...]
    resolved_warnings: tuple[str, ...]
    errors: tuple[str, ...]
    notes: tuple[str, ...] = field(default=())
    structure: tuple[str, ...] = field(default=())  # evreg.living.structure

    @property
    def results_changed(self) -> bool:
        return any(a.status != "unchanged" for a in self.analyses)

    @property
    def rows_added_or_removed(self) -> bool:
        return any(t.added or t.removed for t in self.tables)

    @property
    def data_changed(self) -> bool:
        return bool(self.structure) or any(t.added or t.removed or t.changed for t in self.tables)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "commit": self.commit,
            "version_before": self.version_before,
            "version_after": self.version_after,
            "package_at_ref": self.package_at_ref,
            "results_changed": self.results_changed,
            "data_changed": self.data_changed,
            "tables": [t.to_dict() for t in self.tables],
            "analyses": [a.to_dict() for a in self.analyses],
            "new_warnings": list(self.new_warnings),
            "resolved_warnings": list(self.resolved_warnings),
            "errors": list(self.errors),
            "notes": list(self.notes),
            "structure": list(self.structure),
        }


def _round(value: Any) -> Any:
    if isinstance(value, float):
        return float(f"{value:.{_SIG_DIGITS}g}")
    return value


def _pooled(result: Any) -> dict[str, Any] | None:
    """The reviewer-facing numbers of one pooled result dict (PoolResult.to_dict())."""
    if not isinstance(result, Mapping):
        return None
    out = {key: _round(result.get(key)) for key in ("k", "estimate", "ci_lower", "ci_upper", "p")}
    out["I2"] = _round(result.get("I2"))
    lower, upper = out["ci_lower"], out["ci_upper"]
    out["significant"] = (
        bool(result["significant"])
        if "significant" in result
        else isinstance(lower, float) and isinstance(upper, float) and (lower > 1 or upper < 1)
    )
    return out


def _ids(items: Any) -> list[str]:
    ids = []
    for item in items or ():
        if isinstance(item, Mapping):
            item = item.get("estimate_id", item.get("id"))
        ids.append(str(item))
    return sorted(ids)


def _subgroup_result(result: Mapping[str, Any]) -> Mapping[str, Any]:
    """The subgroup result of the primary model: ``{"groups": {level: pooled}, "Q_between_p"}``."""
    sub = result.get("subgroups")
    if not isinstance(sub, Mapping):
        return {}
    if "groups" not in sub:  # SubgroupAnalysis: one SubgroupResult per model
        sub = sub.get(sub.get("primary") or result.get("primary") or "")
    return sub if isinstance(sub, Mapping) else {}


def analysis_summary(result: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of an analysis result that the diff compares and shows."""
    primary = result.get("primary")
    rule = result.get("rule") if isinstance(result.get("rule"), Mapping) else {}
    subgroups = _subgroup_result(result)
    groups = subgroups.get("groups") if isinstance(subgroups.get("groups"), Mapping) else {}
    return {
        "k": result.get("k_with_data"),
        "k_in_review": result.get("k_in_review"),
        "k_review_with_data": result.get("k_review_with_data"),
        "k_added_with_data": result.get("k_added_with_data"),
        "used": _ids(result.get("used")),
        "pending": _ids(result.get("pending")),
        "model": primary,
        "rule_model": rule.get("model"),
        "pooled": _pooled(result.get(primary)) if primary else None,
        "subgroups": {str(level): _pooled(groups[level]) for level in sorted(groups, key=str)},
        "subgroup_test_p": _round(subgroups.get("Q_between_p")),
        "certainty": _level(result.get("certainty")),
        "certainty_domains": _judgements(result.get("certainty")),
        "absolute": _absolute(result),
    }


def _absolute(result: Mapping[str, Any]) -> list[str]:
    """Each absolute effect as shown ("12-month OS: 67 vs 43 per 100 (imbrave150-os-12m)");
    empty for results from before absolute effects."""
    out = []
    for row in result.get("absolute") or ():
        if not isinstance(row, Mapping):
            continue
        low, high = row.get("survival_low"), row.get("survival_high")
        if not all(isinstance(v, int | float) for v in (low, high, row.get("horizon_months"))):
            continue
        out.append(
            f"{row['horizon_months']:g}-month {result.get('outcome')}: {per_100(low)} vs "
            f"{per_100(high)} per 100 ({row.get('baseline_id')})"
        )
    return out


def _level(certainty: Any) -> str | None:
    """The GRADE level of a certainty dict (None for results from before certainty)."""
    return certainty.get("level") if isinstance(certainty, Mapping) else None


def _judgements(certainty: Any) -> dict[str, str]:
    """Each GRADE domain's and reason to rate up's judgement ({} before certainty)."""
    if not isinstance(certainty, Mapping):
        return {}
    out = {}
    for part in ("domains", "upgrades"):
        judged = certainty.get(part)
        if isinstance(judged, Mapping):
            out.update(
                {
                    str(d): str(j.get("judgement"))
                    for d, j in judged.items()
                    if isinstance(j, Mapping)
                }
            )
    return out


def certainty_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """ "imprecision: very serious → serious" for each domain whose judgement changed."""
    b, a = before.get("certainty_domains") or {}, after.get("certainty_domains") or {}
    return [
        f"{DOMAIN_LABELS.get(d, d)}: {b.get(d, MISSING)} → {a.get(d, MISSING)}"
        for d in sorted(set(b) | set(a))
        if b.get(d) != a.get(d)
    ]


def _what_changed(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    changes = []
    if before["k"] != after["k"]:
        changes.append("k")
    if before["used"] != after["used"]:
        changes.append("estimates used")
    if before["pending"] != after["pending"]:
        changes.append("pending estimates")
    b, a = before["pooled"] or {}, after["pooled"] or {}
    both = b.get("estimate") is not None and a.get("estimate") is not None
    if (before["model"], before["rule_model"]) != (after["model"], after["rule_model"]):
        changes.append("model" if both else "pooled result")
    if [b.get(x) for x in ("estimate", "ci_lower", "ci_upper")] != [
        a.get(x) for x in ("estimate", "ci_lower", "ci_upper")
    ]:
        changes.append("HR and CI")
    if both and b.get("significant") != a.get("significant"):
        changes.append("significance")
    if both and (b["estimate"] > 1) != (a["estimate"] > 1):
        changes.append("direction")
    if before["subgroups"] != after["subgroups"] or (
        before["subgroup_test_p"] != after["subgroup_test_p"]
    ):
        changes.append("subgroups")
    if before.get("certainty") != after.get("certainty") or certainty_changes(before, after):
        changes.append("certainty")
    if before.get("absolute") != after.get("absolute"):
        changes.append("absolute effects")
    return changes


def _analysis_changes(
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
) -> tuple[AnalysisChange, ...]:
    old = {a["analysis_id"]: a for a in (before or {}).get("analyses", ())}
    new = {a["analysis_id"]: a for a in (after or {}).get("analyses", ())}
    out = []
    for aid in list(new) + [a for a in old if a not in new]:
        b, a = old.get(aid), new.get(aid)
        sb = analysis_summary(b) if b is not None else None
        sa = analysis_summary(a) if a is not None else None
        title = str((a or b or {}).get("title") or "")
        if sb is None or sa is None:
            status = "added" if sb is None else "removed"
            changes: list[str] = []
        else:
            changes = _what_changed(sb, sa)
            if not changes and a != b:
                changes = ["other results (sensitivity analyses, tests)"]
            status = "changed" if changes else "unchanged"
        out.append(AnalysisChange(aid, title, status, sb, sa, tuple(changes)))
    return tuple(out)


def _table_changes(
    before: Mapping[str, Mapping[str, Mapping[str, Any]]],
    after: Mapping[str, Mapping[str, Mapping[str, Any]]],
) -> tuple[TableChange, ...]:
    out = []
    for name in list(after) + [n for n in before if n not in after]:
        b, a = before.get(name, {}), after.get(name, {})
        changed = tuple(
            (
                key,
                tuple(
                    c for c in sorted(set(a[key]) | set(b[key])) if a[key].get(c) != b[key].get(c)
                ),
            )
            for key in a
            if key in b and a[key] != b[key]
        )
        out.append(
            TableChange(
                name,
                len(b),
                len(a),
                tuple(k for k in a if k not in b),
                tuple(k for k in b if k not in a),
                changed,
                tuple((k, _row_label(a[k])) for k in a if k not in b and _row_label(a[k])),
            )
        )
    return tuple(out)


def _row_label(row: Mapping[str, Any]) -> str:
    """A reader's label for an added study: "Smith J 2026: title" (empty for other rows)."""
    if not row.get("title"):
        return ""
    who = " ".join(str(row[c]) for c in ("first_author", "year") if row.get(c) is not None)
    return f"{who}: {row['title']}" if who else str(row["title"])


def compare(ref: str, commit: str, before: PackageState | None, after: PackageState) -> ResultsDiff:
    """Compare two package states (``before`` None: no package at the ref)."""
    notes = []
    if before is None:
        notes.append("There is no data package at this ref: every analysis is new.")
    elif before.results is None:
        notes.append("The package at this ref has validation errors: its results are not shown.")
    old_warnings = set(before.warnings) if before else set()
    old_keys = {warning_key(w) for w in old_warnings}
    new_keys = {warning_key(w) for w in after.warnings}
    return ResultsDiff(
        ref=ref,
        commit=commit,
        version_before=before.version if before else None,
        version_after=after.version,
        package_at_ref=before is not None,
        tables=_table_changes(before.tables if before else {}, after.tables),
        analyses=_analysis_changes(before.results if before else None, after.results),
        new_warnings=tuple(w for w in after.warnings if warning_key(w) not in old_keys),
        resolved_warnings=tuple(sorted(w for w in old_warnings if warning_key(w) not in new_keys)),
        errors=after.errors,
        notes=tuple(notes),
    )


def diff_against_ref(ref: str, package: Path) -> ResultsDiff:
    """Results at ``ref`` (a data version, found in the package's history, or a git ref)
    against the working tree's package at ``package``."""
    package = package.resolve()
    if not package.is_file():
        raise EvregError(f"{package}: no such file (pass --package PATH)")
    commit = resolve_release(ref, package)
    after = package_state(package)
    with tempfile.TemporaryDirectory(prefix="evreg-diff-") as tmp:
        old = extract_package_at(commit, package, Path(tmp))
        before = package_state(old) if old is not None else None
        structure = structure_changes(old, package)
    return dataclasses.replace(compare(ref, commit, before, after), structure=structure)

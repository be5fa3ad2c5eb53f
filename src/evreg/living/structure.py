"""How a package's structure changed between two versions: resources added or removed, fields
added or removed, fields that became required or stopped being so (read from the descriptors
and Table Schemas). A release records them in its CHANGELOG entry."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def _schemas(package: Path | None) -> dict[str, dict[str, Any]]:
    """{resource name: {field name: field}} of the package at ``package`` (a datapackage.json)."""
    if package is None or not package.is_file():
        return {}
    try:
        descriptor = json.loads(package.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    out: dict[str, dict[str, Any]] = {}
    for res in descriptor.get("resources") or ():
        if not isinstance(res, dict) or not isinstance(res.get("name"), str):
            continue
        schema = res.get("schema")
        if isinstance(schema, str):
            try:
                schema = json.loads((package.parent / schema).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                schema = {}
        fields = schema.get("fields") if isinstance(schema, dict) else None
        out[res["name"]] = {
            f["name"]: f
            for f in fields or ()
            if isinstance(f, dict) and isinstance(f.get("name"), str)
        }
    return out


def _required(field: dict[str, Any]) -> bool:
    constraints = field.get("constraints")
    return isinstance(constraints, dict) and constraints.get("required") is True


def structure_changes(before: Path | None, after: Path) -> tuple[str, ...]:
    """One line per structural change from the package ``before`` to ``after`` (both
    datapackage.json paths; ``before`` None: no package then), in the newer package's order."""
    old, new = _schemas(before), _schemas(after)
    if not old:
        return ()
    lines = []
    for name, fields in new.items():
        if name not in old:
            lines.append(f"new resource {name}: {', '.join(fields) or 'no fields'}")
            continue
        was = old[name]
        parts = []
        added = [f for f in fields if f not in was]
        removed = [f for f in was if f not in fields]
        now_required = [f for f in fields if f in was and _required(fields[f]) > _required(was[f])]
        optional = [f for f in fields if f in was and _required(fields[f]) < _required(was[f])]
        for label, names in (
            ("new fields", added),
            ("fields removed", removed),
            ("now required", now_required),
            ("no longer required", optional),
        ):
            if names:
                parts.append(f"{label} {', '.join(names)}")
        if parts:
            lines.append(f"{name}: " + "; ".join(parts))
    lines += [f"resource removed: {name}" for name in old if name not in new]
    return tuple(lines)

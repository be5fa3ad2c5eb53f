"""The add-study YAML template, written from the package's own Table Schemas.

``render_template(package)`` gives one commented entry per field of ``studies`` and
``estimates`` (type, required, allowed values, ranges, the field's description), so the form a
contributor fills in always follows the schemas. ``STUDY_KEY`` and ``ESTIMATES_KEY`` are the
template's two top-level keys, which ``evreg add-study`` reads back
(:mod:`evreg.living.submission`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from evreg.errors import EvregError

STUDY_KEY = "study"
ESTIMATES_KEY = "estimates"
DEFAULT_CI_LEVEL = "0.95"


# --------------------------------------------------------------------------- descriptor access


def load_descriptor(package: Path) -> dict[str, Any]:
    """Read datapackage.json as a dict; a clear error naming the file if it cannot be read.

    Unlike :func:`evreg.data.package.read_descriptor` (the loader's, which also checks the
    resources list), the error points to ``--package``: it is for the living commands."""
    try:
        descriptor = json.loads(package.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise EvregError(f"{package}: no such file (pass --package PATH)") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EvregError(f"{package}: cannot read the package descriptor: {exc}") from exc
    if not isinstance(descriptor, dict):
        raise EvregError(f"{package}: the descriptor is not a JSON object")
    return descriptor


def resource(descriptor: Mapping[str, Any], name: str, package: Path) -> Mapping[str, Any]:
    """The resource called ``name`` in the descriptor."""
    for res in descriptor.get("resources") or ():
        if isinstance(res, Mapping) and res.get("name") == name:
            return res
    raise EvregError(f"{package}: no resource named {name!r}")


def schema_fields(root: Path, res: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The Table Schema fields of a resource (schema given inline or as a path)."""
    schema = res.get("schema")
    if isinstance(schema, str):
        path = root / schema
        try:
            schema = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise EvregError(f"{path}: cannot read the schema: {exc}") from exc
    fields = schema.get("fields") if isinstance(schema, Mapping) else None
    if not isinstance(fields, list):
        raise EvregError(f"{root}: resource {res.get('name')!r} has no schema fields")
    return [f for f in fields if isinstance(f, dict) and isinstance(f.get("name"), str)]


# --------------------------------------------------------------------------- the YAML template


def _field_comment(field: Mapping[str, Any]) -> list[str]:
    """One or two comment lines describing a Table Schema field for the template."""
    constraints = field.get("constraints") or {}
    facts = [str(field.get("type", "string"))]
    if constraints.get("required"):
        facts.append("required")
    if "enum" in constraints:
        facts.append("one of: " + " | ".join(str(v) for v in constraints["enum"]))
    for key, label in (("minimum", "min"), ("maximum", "max"), ("pattern", "pattern")):
        if key in constraints:
            facts.append(f"{label} {constraints[key]}")
    if field.get("type") == "boolean":
        facts.append("true | false | empty = unknown")
    description = " ".join(str(field.get("description") or field.get("title") or "").split())
    lines = [f"# {description}"] if description else []
    lines.append(f"# ({'; '.join(facts)})")
    return lines


def _template_block(fields: Sequence[Mapping[str, Any]], indent: str, first: str) -> list[str]:
    lines: list[str] = []
    for i, field in enumerate(fields):
        prefix = first if i == 0 else indent
        comment_indent = first.replace("- ", "") if i == 0 else indent
        lines.extend(f"{comment_indent}{c}" for c in _field_comment(field))
        value = f" {DEFAULT_CI_LEVEL}" if field["name"] == "ci_level" else ""
        lines.append(f"{prefix}{field['name']}:{value}")
    return lines


def render_template(package: Path) -> str:
    """A commented YAML template for one study and its estimates, from the package's schemas."""
    descriptor = load_descriptor(package)
    root = package.parent
    study_fields = schema_fields(root, resource(descriptor, "studies", package))
    estimate_fields = [
        f
        for f in schema_fields(root, resource(descriptor, "estimates", package))
        if f["name"] != "study_id"
    ]
    head = [
        "# evreg add-study template: fill it in, then run `evreg add-study FILE.yaml`.",
        "# Copy every number exactly as printed in the source, and say where it is printed",
        "# (source_url, source_location). Leave a value empty when the source does not give it:",
        "# never estimate or back-calculate a number. Quote text that contains ': ' or '#'.",
        f"# Generated from the schemas of data package version {descriptor.get('version', '?')}.",
        "",
        f"{STUDY_KEY}:",
    ]
    body = _template_block(study_fields, "  ", "  ")
    middle = [
        "",
        "# One entry per biomarker x outcome x exposure x time point x model x cohort.",
        "# Repeat the block (from '- ') for each estimate. estimate_id may stay empty: it is then",
        "# made from study_id, biomarker, outcome (and time point unless baseline).",
        f"{ESTIMATES_KEY}:",
    ]
    tail = _template_block(estimate_fields, "    ", "  - ")
    return "\n".join(head + body + middle + tail) + "\n"

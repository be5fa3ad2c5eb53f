"""Words, not codes: field titles and value labels from the package's Table Schemas.

A field's ``title`` (Table Schema) names its column; a field's ``enumLabels`` (an evreg
property beside the ``enum`` constraint; Table Schema allows extra properties, and the
schemas stay v1: ``{"high_vs_low": "high vs low", ...}``) labels its codes; a boolean field
reads "yes" / "no" (its ``trueValues`` / ``falseValues`` honoured). A value without a label is
shown as it is. Pages print labels; the downloadable data keep the codes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TRUE_VALUES = ("true", "True", "TRUE", "1")
FALSE_VALUES = ("false", "False", "FALSE", "0")


def _schema(root: Path, resource: dict) -> dict:
    schema = resource.get("schema")
    if isinstance(schema, dict):
        return schema
    try:
        return json.loads((root / str(schema)).read_text(encoding="utf-8"))
    except (OSError, ValueError, TypeError):
        return {}


def _enum_labels(field_descriptor: dict) -> dict[str, str]:
    """A field's ``enumLabels`` as text (empty when absent or not a mapping)."""
    labels = field_descriptor.get("enumLabels")
    if not isinstance(labels, dict):
        return {}
    return {str(k): str(v) for k, v in labels.items() if v is not None}


@dataclass(frozen=True)
class Labels:
    """Field descriptors by (resource, field name), for titles and value labels."""

    fields: dict[tuple[str, str], dict] = field(default_factory=dict)

    @classmethod
    def from_package(cls, root: Path, descriptor: dict) -> Labels:
        """Read every resource's Table Schema (a missing or broken one gives no labels)."""
        out: dict[tuple[str, str], dict] = {}
        for res in descriptor.get("resources", []):
            for f in _schema(root, res).get("fields", []):
                if isinstance(f, dict) and isinstance(f.get("name"), str):
                    out[(str(res.get("name")), f["name"])] = f
        return cls(out)

    def title(self, resource: str, name: str) -> str:
        """The field's title, or its name made readable ("first_author" -> "First author")."""
        title = self.fields.get((resource, name), {}).get("title")
        return str(title) if title else name.replace("_", " ").capitalize()

    def value(self, resource: str, name: str, value: Any) -> str:
        """The label of one value of a field ("" stays "")."""
        text = "" if value is None else str(value)
        f = self.fields.get((resource, name), {})
        if f.get("type") == "boolean" or isinstance(value, bool):
            if text in tuple(f.get("trueValues", ())) + TRUE_VALUES:
                return "yes"
            if text in tuple(f.get("falseValues", ())) + FALSE_VALUES:
                return "no"
        label = _enum_labels(f).get(text)
        return label if label else text

    def values(self, resource: str, name: str, text: str, sep: str = ";") -> str:
        """A list of codes in one cell ("baseline;on_treatment") as labels, comma-separated."""
        parts = [p.strip() for p in (text or "").split(sep) if p.strip()]
        return ", ".join(self.value(resource, name, p) for p in parts)

    def codes(self) -> dict[str, str]:
        """Every labelled code and field name with its label (for checks of the pages)."""
        out: dict[str, str] = {}
        for (_, name), f in sorted(self.fields.items()):
            if f.get("title"):
                out[name] = str(f["title"])
            out.update((k, v) for k, v in _enum_labels(f).items() if v)
        return out

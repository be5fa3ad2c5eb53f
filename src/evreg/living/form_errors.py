"""Problems with a submitted "Submit a study" form, in the form's own language.

A submitter never saw ``data/studies.csv``, its line numbers, field names or regular
expressions: each problem is said with the form's question ("Number of patients: '150
patients' is not a whole number — give digits only, e.g. 150") and, for the hazard ratios
block, the entry and the field's title from the schema. What a value must look like comes from
the schema field itself (its type, its constraints, its ``evreg:formHint``); a problem no field
rule explains (a check across rows) keeps the validator's sentence, without its location.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from evreg.data.validate.finding import quote

# What a value that does not parse as its field's type is, and what to give instead (a
# field's own evreg:formHint, when it has one, says what to give).
TYPE_HINTS = {
    "integer": ("is not a whole number", "give digits only, e.g. 150"),
    "number": ("is not a number", "give digits with a decimal point, e.g. 1.85"),
    "date": ("is not a date", "give it as YYYY-MM-DD, e.g. 2025-03-31"),
    "boolean": ("is not an answer this question takes", "choose yes, no or not reported"),
}
HINT = "evreg:formHint"
_ENTRY = re.compile(r"^[a-z_]+\[(\d+)\]$")


@dataclass(frozen=True)
class Problem:
    """One error in a submitted row: where (file, CSV line, field), what the validator said,
    which part of the submission the row came from (``study``, ``estimates[2]``) and the
    value given."""

    file: str
    row: int | None
    field: str | None
    message: str
    entry: str
    value: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "row": self.row,
            "field": self.field,
            "message": self.message,
            "entry": self.entry,
        }


def _value_problem(field: Mapping[str, Any], value: str) -> str:
    """What is wrong with ``value`` against its field's type and constraints ("" if nothing
    the field alone explains)."""
    constraints = field.get("constraints") or {}
    if not value:
        return "is required — please answer it" if constraints.get("required") else ""
    kind = str(field.get("type") or "string")
    if kind in TYPE_HINTS and not _parses(kind, value):
        what, give = TYPE_HINTS[kind]
        return f"{what} — {field.get(HINT) or give}"
    enum = constraints.get("enum")
    if enum and value not in enum:
        labels = field.get("enumLabels") or {}
        choices = ", ".join(str(labels.get(e, e)) for e in enum)
        return f"is not one of the choices ({choices})"
    limit = constraints.get("maxLength")
    if isinstance(limit, int) and len(value) > limit:
        return f"is too long — at most {limit} characters"
    pattern = constraints.get("pattern")
    if pattern and not re.fullmatch(str(pattern), value):
        hint = field.get(HINT) or field.get("description") or "is not in the expected form"
        return f"is not in the expected form — {hint}" if field.get(HINT) else str(hint)
    return ""


def _parses(kind: str, value: str) -> bool:
    text = value.strip()
    if kind == "integer":
        return re.fullmatch(r"[+-]?\d+", text) is not None
    if kind == "number":
        return re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", text) is not None
    if kind == "date":
        return re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) is not None
    if kind == "boolean":
        return text.lower() in ("true", "false")
    return True


def question(problem: Problem, labels: Mapping[str, str], field: Mapping[str, Any]) -> str:
    """The form's words for where the problem is: the question, or for an entry of the hazard
    ratios block "Hazard ratios, entry 2, Lower CI bound"."""
    entry = _ENTRY.match(problem.entry)
    name = problem.field or ""
    if entry:
        block = labels.get(problem.entry.split("[")[0], problem.entry.split("[")[0])
        title = field.get("title") or name.replace("_", " ")
        return f"{block}, entry {entry.group(1)}" + (f", {title}" if name else "")
    if name in labels:
        return labels[name]
    return str(field.get("title") or name.replace("_", " ") or "The submission")


def form_message(
    problem: Problem, labels: Mapping[str, str], fields: Mapping[str, Mapping[str, Any]]
) -> str:
    """One problem in the form's language: the question, then what is wrong with the answer
    and what to give instead; no file, line, field name or regular expression."""
    field = fields.get(problem.field or "", {})
    where = question(problem, labels, field)
    wrong = _value_problem(field, problem.value) if field else ""
    if wrong:
        shown = f"{quote(problem.value)} " if problem.value else ""
        return f"{where}: {shown}{wrong}"
    message = problem.message
    for name, f in fields.items():  # field names the validator's sentence may use
        if f.get("title"):
            message = re.sub(rf"(?<![\w-]){re.escape(name)}(?![\w-])", str(f["title"]), message)
    return f"{where}: {message}"


@dataclass(frozen=True)
class FormWords:
    """What a form submission's problems are said with: the form's question for each field id
    (``labels``) and the schema fields of each file rows were added to (``fields``)."""

    labels: Mapping[str, str]
    fields: Mapping[str, Mapping[str, Mapping[str, Any]]]

    def messages(self, result: Any) -> list[str]:
        """One line per problem of an add-study result; errors outside the submitted rows (in
        the package already) keep the validator's sentence."""
        problems = tuple(getattr(result, "problems", ()))
        out = [form_message(p, self.labels, self.fields.get(p.file, {})) for p in problems]
        located = {f"{p.file}:{p.row}:{p.field}" for p in problems}
        located |= {f"{p.file}:{p.row}" for p in problems if not p.field}
        for error in getattr(result, "errors", ()):
            if not any(error.startswith(place + ":") for place in located):
                out.append(error)
        return out


def form_words(package: Any, form: Mapping[str, Any]) -> FormWords:
    """The form's questions by field id (``form``: label -> field, as ``load_form`` reads it)
    and the schema fields of the studies and estimates files of ``package``
    (datapackage.json)."""
    from evreg.data.template import load_descriptor, resource, schema_fields

    descriptor = load_descriptor(package)
    fields = {}
    for name in ("studies", "estimates"):
        res = resource(descriptor, name, package)
        by_name = {str(f["name"]): f for f in schema_fields(package.parent, res)}
        fields[str(res.get("path"))] = by_name
    labels = {str(f.id): str(label) for label, f in form.items()}
    return FormWords(labels, fields)

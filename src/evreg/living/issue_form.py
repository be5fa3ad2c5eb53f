"""A submitted "Submit a study" issue form, read into an add-study submission.

GitHub renders a submitted issue form as one section per field: ``### <label>``, a blank line,
the value (``_No response_`` when empty; a ``render``-ed textarea inside a code fence;
checkboxes as ``- [X] option``). The form itself (``.github/ISSUE_TEMPLATE/submit-a-study.yml``)
maps each label to its id, which is the add-study template's field name; the ``estimates``
field holds the template's estimates list as YAML. The body is untrusted text: every section
must be a field of the form, given once; values stay plain strings (one line each) and go
through exactly the checks of ``evreg add-study FILE.yaml``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evreg.data.template import CANDIDATE_KEY, ESTIMATES_KEY, RISK_OF_BIAS_KEY, STUDY_KEY
from evreg.data.text import clip
from evreg.errors import EvregError
from evreg.living.submission import parse_yaml, read_text, submission_from

FORM_PATH = Path(".github") / "ISSUE_TEMPLATE" / "submit-a-study.yml"
NO_RESPONSE = "_No response_"
# Dropdown answers of the yes/no questions, as the data writes them.
BOOLEAN_ANSWERS = {"yes": "true", "no": "false", "not reported": ""}
_HEADING = re.compile(r"^### (.*?)\s*$")
_FENCE = re.compile(r"^(`{3,}|~{3,})[^\n]*\n(.*?)\n?\1\s*$", re.DOTALL)
_CHECKBOX = re.compile(r"^\s*[-*] \[([ xX])\] (.*?)\s*$")


def form_file(package: Path, given: str | None = None) -> Path:
    """The issue form to read: ``given`` (a path), else the package's own (:data:`FORM_PATH`
    beside its datapackage.json)."""
    return Path(given) if given else package.parent / FORM_PATH


@dataclass(frozen=True)
class FormField:
    """One field of the issue form: its id, label, type and whether it renders as code."""

    id: str
    label: str
    type: str
    rendered: bool
    required_options: tuple[str, ...]
    options: tuple[str, ...] = ()


def load_form(path: Path) -> dict[str, FormField]:
    """The form's fields by label; a clear error if the form cannot be read."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise EvregError(f"{path}: cannot read the issue form ({exc.strerror or exc})") from exc
    doc = parse_yaml(text, str(path))
    body = doc.get("body") if isinstance(doc, Mapping) else None
    if not isinstance(body, list):
        raise EvregError(f"{path}: an issue form needs a 'body' list")
    fields: dict[str, FormField] = {}
    for item in body:
        if not isinstance(item, Mapping) or item.get("type") == "markdown" or "id" not in item:
            continue
        attrs = item.get("attributes") or {}
        options = attrs.get("options") or ()
        required = tuple(
            str(o.get("label"))
            for o in options
            if isinstance(o, Mapping) and o.get("required") in (True, "true")
        )
        label = str(attrs.get("label") or item["id"])
        choices = tuple(str(o) for o in options if not isinstance(o, Mapping))
        fields[label] = FormField(
            str(item["id"]),
            label,
            str(item.get("type")),
            bool(attrs.get("render")),
            required,
            choices,
        )
    return fields


def _sections(text: str, where: str) -> list[tuple[int, str, str]]:
    """(line of the heading, label, raw value) of each ``### label`` section, in order."""
    out: list[tuple[int, str, list[str]]] = []
    for n, line in enumerate(text.splitlines(), start=1):
        match = _HEADING.match(line)
        if match:
            out.append((n, match.group(1), []))
        elif out:
            out[-1][2].append(line)
        elif line.strip():
            raise EvregError(
                f"{where}:{n}: text before the first '### ' section: expected the body of a "
                "submitted 'Submit a study' form"
            )
    return [(n, label, "\n".join(lines).strip()) for n, label, lines in out]


def _value(field: FormField, raw: str, where: str) -> Any:
    if raw == NO_RESPONSE or raw == "":
        return ""
    if field.type == "dropdown" and raw == "None" and "None" not in field.options:
        return ""  # GitHub's own "None" choice of an optional dropdown: no answer
    if field.type == "checkboxes":
        return {m.group(2): m.group(1) != " " for m in map(_CHECKBOX.match, raw.splitlines()) if m}
    if field.rendered:
        fenced = _FENCE.match(raw)
        return fenced.group(2) if fenced else raw
    if field.type == "textarea":
        return " ".join(raw.split())  # one line: a CSV cell
    if "\n" in raw:
        raise EvregError(f"{where}: write the value on one line")
    return raw


def _study_id(first_author: str, year: str) -> str:
    """smith-2026 from "Smith J" and 2026 (accents dropped; "" if no letters remain)."""
    family = first_author.split()[0] if first_author.split() else ""
    if not re.fullmatch(r"[0-9]{4}", year):
        return ""
    ascii_name = unicodedata.normalize("NFKD", family).encode("ascii", "ignore").decode()
    name = re.sub(r"[^a-z]+", "-", ascii_name.lower()).strip("-")
    return f"{name}-{year}" if name and year else ""


def _estimates(text: str, where: str, line: int, key: str = ESTIMATES_KEY) -> list:
    """A YAML list field of the form (the hazard ratios, the QUIPS judgements)."""
    if not text.strip():
        return []
    doc = parse_yaml(text, where, line, key)
    if not isinstance(doc, list):
        what = "hazard ratios" if key == ESTIMATES_KEY else "judgements"
        raise EvregError(f"{where}:{line}:{key}: expected a list of {what}")
    return doc


def _unfilled(entry: object) -> bool:
    """The form's example QUIPS block left as it is (no judgement given)."""
    return isinstance(entry, dict) and not entry.get("judgement") and not entry.get("support")


def parse_issue(text: str, form: Mapping[str, FormField], where: str) -> dict[str, Any]:
    """The submission an issue body gives (see :func:`evreg.living.submission.submission_from`):
    ``where`` names the body in errors as ``where:line:field``."""
    study: dict[str, Any] = {}
    given: dict[str, int] = {}
    estimates: list = []
    rob: list = []
    candidate = ""
    confirmed: dict[str, bool] = {}
    for line, label, raw in _sections(text.replace("\r\n", "\n"), where):
        field = form.get(label)
        if field is None:
            raise EvregError(f"{where}:{line}: unknown section {clip(label)} (not a form field)")
        if field.id in given:
            raise EvregError(
                f"{where}:{line}:{field.id}: given twice (first on line {given[field.id]})"
            )
        given[field.id] = line
        value = _value(field, raw, f"{where}:{line}:{field.id}")
        if field.id == ESTIMATES_KEY:
            estimates = _estimates(value, where, line + 2)
        elif field.id == RISK_OF_BIAS_KEY:
            rob = [e for e in _estimates(value, where, line + 2, field.id) if not _unfilled(e)]
        elif field.id == CANDIDATE_KEY:
            candidate = value
        elif field.type == "checkboxes":
            confirmed.update(value or {})
        elif field.type == "dropdown" and value.lower() in BOOLEAN_ANSWERS:
            study[field.id] = BOOLEAN_ANSWERS[value.lower()]
        else:
            study[field.id] = value
    _check_confirmed(form, confirmed, where, given)
    if not estimates:
        at = given.get(ESTIMATES_KEY, 1)
        raise EvregError(
            f"{where}:{at}:{ESTIMATES_KEY}: give at least one hazard ratio block (status "
            "not_found when the study prints none)"
        )
    if not study.get("study_id"):
        study["study_id"] = _study_id(str(study.get("first_author", "")), str(study.get("year")))
    if not study["study_id"]:
        at = given.get("first_author", 1)
        raise EvregError(
            f"{where}:{at}:first_author: required with the year: the study id is made from "
            "them (or give the Study id)"
        )
    doc = {
        STUDY_KEY: study,
        ESTIMATES_KEY: estimates,
        CANDIDATE_KEY: candidate or None,
        RISK_OF_BIAS_KEY: rob,
    }
    return submission_from(doc, where)


def _check_confirmed(
    form: Mapping[str, FormField], confirmed: Mapping[str, bool], where: str, lines: dict
) -> None:
    for field in form.values():
        for option in field.required_options:
            if not confirmed.get(option):
                at = lines.get(field.id, 1)
                raise EvregError(f"{where}:{at}:{field.id}: not ticked: {option}")


def read_issue(body: Path, form_path: Path) -> dict[str, Any]:
    """Read a submitted issue body (a file) with the form at ``form_path``."""
    return parse_issue(read_text(body), load_form(form_path), str(body))

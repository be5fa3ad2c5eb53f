"""Living updates: add a study from YAML, bump the data version, write the changelog.

Data flow: a contributor's YAML -> rows in the package's column order -> appended to a copy of
the package -> ``evreg.data.validate.validate_package`` on the copy -> only if it has no error, the
same bytes replace the real CSVs (temp file + ``os.replace``). The results diff used by
``evreg diff`` and ``evreg release`` lives in ``evreg.living.diff``.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evreg.errors import EvregError

STUDY_KEY = "study"
ESTIMATES_KEY = "estimates"
DEFAULT_CI_LEVEL = "0.95"


# --------------------------------------------------------------------------- descriptor access


def read_descriptor(package: Path) -> dict[str, Any]:
    """Read datapackage.json as a dict; a clear error naming the file if it cannot be read."""
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
    descriptor = read_descriptor(package)
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


# --------------------------------------------------------------------------- reading the YAML


def _yaml_loader() -> type:
    """A safe YAML loader that keeps every scalar as written ("1.50" stays "1.50") and refuses
    a key given twice in one mapping (PyYAML would silently keep the last)."""
    import yaml

    class RawLoader(yaml.SafeLoader):
        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            seen: set[Any] = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=deep)
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"key {key!r} given twice", key_node.start_mark
                    )
                seen.add(key)
            return super().construct_mapping(node, deep=deep)

    for tag in ("bool", "int", "float", "timestamp"):
        RawLoader.add_constructor(
            f"tag:yaml.org,2002:{tag}", lambda loader, node: loader.construct_scalar(node)
        )
    return RawLoader


def descriptor_file(path: str | Path) -> Path:
    """The datapackage.json for ``path`` (the file itself or the directory holding it)."""
    path = Path(path)
    return path / "datapackage.json" if path.is_dir() else path


def load_submission(path: Path) -> dict[str, Any]:
    """Parse a submission YAML into ``{"study": {...}, "estimates": [{...}, ...]}``.

    Scalars stay strings exactly as written; empty values become None.
    """
    import yaml

    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise EvregError(f"{path}: no such file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise EvregError(f"{path}: cannot read: {exc}") from exc
    try:
        doc = yaml.load(text, Loader=_yaml_loader())  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise EvregError(f"{path}{where}: not valid YAML: {problem}") from exc
    if not isinstance(doc, dict):
        raise EvregError(f"{path}: expected a mapping with keys {STUDY_KEY!r}, {ESTIMATES_KEY!r}")
    extra = sorted(set(map(str, doc)) - {STUDY_KEY, ESTIMATES_KEY})
    if extra:
        raise EvregError(f"{path}: unknown top-level key {extra[0]!r} (expected study, estimates)")
    study = doc.get(STUDY_KEY)
    if not isinstance(study, dict):
        raise EvregError(f"{path}: {STUDY_KEY}: expected a mapping of studies fields")
    estimates = doc.get(ESTIMATES_KEY) or []
    if not isinstance(estimates, list) or not all(isinstance(e, dict) for e in estimates):
        raise EvregError(f"{path}: {ESTIMATES_KEY}: expected a list of mappings")
    return {STUDY_KEY: study, ESTIMATES_KEY: estimates}


def _cell(value: Any, where: str) -> str:
    """A YAML scalar as a CSV cell: None -> "", strings stripped, one line only."""
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        raise EvregError(f"{where}: expected a single value, not a {type(value).__name__}")
    text = str(value).strip()
    if "\n" in text or "\r" in text:
        raise EvregError(f"{where}: write the value on one line")
    return text


def submission_rows(
    submission: Mapping[str, Any],
    study_columns: Sequence[str],
    estimate_columns: Sequence[str],
    source: str,
) -> tuple[dict[str, str], list[dict[str, str]]]:
    """Turn a parsed submission into one studies row and its estimates rows (all strings)."""
    study = _row(submission[STUDY_KEY], study_columns, f"{source}: {STUDY_KEY}")
    study_id = study.get("study_id", "")
    if not study_id:
        raise EvregError(f"{source}: {STUDY_KEY}.study_id: required (e.g. smith-2026)")
    estimates = []
    for i, entry in enumerate(submission[ESTIMATES_KEY]):
        where = f"{source}: {ESTIMATES_KEY}[{i + 1}]"
        given = entry.get("study_id")
        if given not in (None, "", study_id):
            raise EvregError(
                f"{where}.study_id: {given!r} differs from study.study_id {study_id!r}"
            )
        row = _row({**entry, "study_id": study_id}, estimate_columns, where)
        estimates.append(row)
    _fill_estimate_ids(estimates)
    return study, estimates


def _row(entry: Mapping[Any, Any], columns: Sequence[str], where: str) -> dict[str, str]:
    unknown = [str(k) for k in entry if str(k) not in columns]
    if unknown:
        raise EvregError(f"{where}.{unknown[0]}: unknown field (see `evreg add-study --template`)")
    return {c: _cell(entry.get(c), f"{where}.{c}") for c in columns}


def _fill_estimate_ids(rows: list[dict[str, str]]) -> None:
    """Give rows without estimate_id one like ``yao-2025-sii-pfs`` (+ time point, + -2...)."""
    if not rows or "estimate_id" not in rows[0]:
        return
    taken = {r["estimate_id"] for r in rows if r["estimate_id"]}
    for row in rows:
        if row["estimate_id"]:
            continue
        parts = [row.get("study_id", ""), row.get("biomarker", ""), row.get("outcome", "")]
        if row.get("timepoint") not in ("", "baseline", None):
            parts.append(row["timepoint"])
        base = re.sub(r"[^a-z0-9]+", "-", "-".join(p for p in parts if p).lower()).strip("-")
        candidate, n = base, 1
        while candidate in taken:
            n += 1
            candidate = f"{base}-{n}"
        row["estimate_id"] = candidate
        taken.add(candidate)


# --------------------------------------------------------------------------- CSV appending


@dataclass(frozen=True)
class CsvStyle:
    """How an existing CSV is written, so appended rows look the same."""

    lineterminator: str
    quoting: int
    ends_with_newline: bool
    header: tuple[str, ...]


def csv_style(data: bytes, path: Path) -> CsvStyle:
    """Detect line endings, quoting and columns of an existing CSV file."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise EvregError(f"{path}: not UTF-8 text ({exc})") from exc
    first_line = text.split("\n", 1)[0]
    if not first_line.strip():
        raise EvregError(f"{path}: no header row")
    crlf = first_line.endswith("\r")
    header = next(csv.reader([first_line.rstrip("\r")]))
    quote_all = re.fullmatch(r'"[^"]*"(,"[^"]*")*', first_line.rstrip("\r")) is not None
    return CsvStyle(
        lineterminator="\r\n" if crlf else "\n",
        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
        ends_with_newline=text.endswith("\n") or not text,
        header=tuple(header),
    )


def appended_bytes(style: CsvStyle, rows: Iterable[Mapping[str, str]]) -> bytes:
    """The bytes to append to a CSV so that ``rows`` follow in the file's own style."""
    buffer = io.StringIO()
    if not style.ends_with_newline:
        buffer.write(style.lineterminator)
    writer = csv.writer(buffer, lineterminator=style.lineterminator, quoting=style.quoting)
    for row in rows:
        writer.writerow([row.get(column, "") for column in style.header])
    return buffer.getvalue().encode("utf-8")


def copy_package(package: Path, dest: Path) -> Path:
    """Copy datapackage.json, schemas/ and data/ (and whatever resource paths name) to dest."""
    root = package.parent
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(package, dest / package.name)
    for folder in ("schemas", "data"):
        if (root / folder).is_dir():
            shutil.copytree(root / folder, dest / folder, dirs_exist_ok=True)
    return dest / package.name


def replace_atomically(
    changes: Mapping[Path, bytes], originals: Mapping[Path, bytes | None]
) -> None:
    """Write each file via a temp file + os.replace; restore all originals if any step fails.

    ``originals`` holds each file's bytes as read before the check (None: did not exist); a
    file that changed meanwhile stops the whole write.
    """
    temps: dict[Path, Path] = {}
    try:
        for path, content in changes.items():
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
            if path.exists():
                shutil.copymode(path, tmp)
            temps[path] = Path(tmp)
        for path in changes:
            current = path.read_bytes() if path.exists() else None
            if current != originals[path]:
                raise EvregError(f"{path}: changed by someone else meanwhile; try again")
        _swap(temps, originals)
    except OSError as exc:
        raise EvregError(f"cannot write the package files: {exc}") from exc
    finally:
        for tmp in temps.values():
            tmp.unlink(missing_ok=True)


def _swap(temps: Mapping[Path, Path], originals: Mapping[Path, bytes | None]) -> None:
    done: list[Path] = []
    try:
        for path, tmp in temps.items():
            os.replace(tmp, path)
            done.append(path)
    except OSError:
        for path in done:
            original = originals[path]
            if original is None:
                path.unlink(missing_ok=True)
            else:
                path.write_bytes(original)
        raise


# --------------------------------------------------------------------------- add-study


@dataclass(frozen=True)
class AddStudyResult:
    """What ``add_study`` did: the rows appended, or the findings that stopped it."""

    added: bool
    study_id: str
    estimate_ids: tuple[str, ...]
    errors: tuple[str, ...]
    warnings: tuple[str, ...]
    files: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "study_id": self.study_id,
            "estimate_ids": list(self.estimate_ids),
            "errors": list(self.errors),
            "warnings": list(self.warnings),
            "files": list(self.files),
        }


def finding_key(text: str) -> str:
    """Where a finding is (``data/analyses.csv:2:timepoints``): a warning whose wording changes
    but whose place does not is not a new warning."""
    return text.split(": ", 1)[0]


def _finding_text(finding: Any, root: Path, origin: Mapping[tuple[str, int], str]) -> str:
    """str(finding) with paths relative to the package, plus the YAML entry a row came from."""
    prefix = str(root) + os.sep
    text = str(finding).replace(prefix, "")
    rel = str(getattr(finding, "file", "")).replace(prefix, "")
    source = origin.get((rel, getattr(finding, "row", None) or 0))
    return f"{text} (from {source})" if source else text


def _row_origins(
    files: Mapping[str, tuple[int, Sequence[str]]], yaml_path: str
) -> dict[tuple[str, int], str]:
    """Map (file, CSV line) of appended rows to the YAML entry they came from."""
    return {
        (rel, first_line + i): f"{yaml_path} {label}"
        for rel, (first_line, labels) in files.items()
        for i, label in enumerate(labels)
    }


def _next_line(data: bytes) -> int:
    """The line number (header = 1) the first appended row gets in a CSV file."""
    return data.count(b"\n") + (1 if data.endswith(b"\n") or not data else 2)


def add_study(package: Path, submission_path: Path) -> AddStudyResult:
    """Append a study and its estimates to the package if the whole package then validates."""
    from evreg.data.validate import validate_package

    descriptor = read_descriptor(package)
    root = package.parent
    submission = load_submission(submission_path)
    targets = {
        name: root / str(resource(descriptor, name, package).get("path"))
        for name in ("studies", "estimates")
    }
    originals = {path: _read_bytes(path) for path in targets.values()}
    styles = {name: csv_style(originals[path], path) for name, path in targets.items()}
    study, estimates = submission_rows(
        submission,
        styles["studies"].header,
        styles["estimates"].header,
        str(submission_path),
    )
    new_rows = {"studies": [study], "estimates": estimates}
    changes = {
        path: originals[path] + appended_bytes(styles[name], new_rows[name])
        for name, path in targets.items()
    }
    labels = {
        "studies": [STUDY_KEY],
        "estimates": [f"{ESTIMATES_KEY}[{i + 1}]" for i in range(len(estimates))],
    }
    spans = {
        os.path.relpath(path, root).replace(os.sep, "/"): (
            _next_line(originals[path]),
            labels[name],
        )
        for name, path in targets.items()
    }
    before = {_finding_text(f, root, {}) for f in validate_package(package)}
    with tempfile.TemporaryDirectory(prefix="evreg-add-study-") as tmp:
        copy = copy_package(package, Path(tmp))
        for path, content in changes.items():
            (copy.parent / path.relative_to(root)).write_bytes(content)
        findings = validate_package(copy)
        origin = _row_origins(spans, str(submission_path))
        after = [
            (f.severity, _finding_text(f, copy.parent, {}), _finding_text(f, copy.parent, origin))
            for f in findings
        ]
    errors = tuple(
        text + (" (already in the package)" if plain in before else "")
        for severity, plain, text in after
        if severity == "error"
    )
    known = {finding_key(text) for text in before}
    warnings = tuple(
        text
        for severity, plain, text in after
        if severity != "error" and finding_key(plain) not in known
    )
    result = AddStudyResult(
        added=not errors,
        study_id=study.get("study_id", ""),
        estimate_ids=tuple(r.get("estimate_id", "") for r in estimates),
        errors=errors,
        warnings=warnings,
        files=tuple(sorted(spans)),
    )
    if result.added:
        replace_atomically(changes, originals)
    return result


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise EvregError(f"{path}: cannot read: {exc}") from exc

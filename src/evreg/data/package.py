"""Load the evidence data package: datapackage.json, its Table Schemas and CSVs.

The loader is strict and fast (stdlib ``csv`` + ``json``, no frictionless): it reads every
resource, checks the file is UTF-8 CSV text whose header matches its schema, casts cells by the
schema's field types (Frictionless Table Schema v1: integer, number, boolean, string) and raises
:class:`PackageError` naming file, line and field on the first problem. Domain checks live in
:mod:`evreg.data.validate`; ``load_package`` does not run them.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from evreg.data.history import Unreleased, shown_version, unreleased, version_slug
from evreg.data.text import clip
from evreg.errors import EvregError

RESOURCE_NAMES = (
    "studies",
    "estimates",
    "analyses",
    "published_results",
    "candidates",
    "certainty",
)
# Resources a package may leave out (older packages, small test packages): read as empty when
# absent, checked when present.
OPTIONAL_RESOURCE_NAMES = ("risk_of_bias", "baseline_risks", "search_history", "derivations")
KNOWN_RESOURCE_NAMES = RESOURCE_NAMES + OPTIONAL_RESOURCE_NAMES
DESCRIPTOR_NAME = "datapackage.json"
DELIMITERS = (";", "\t", "|")
# A package's or resource's name (it becomes part of file names): no "/", no "..".
SAFE_NAME = re.compile(r"[a-z0-9][a-z0-9._-]*")


def _names(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Fields the evreg code reads: a schema may add fields but not drop these.
REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    "studies": _names(
        "study_id in_review first_author year title n age male female biomarker "
        "outcomes_used_by_review nos_score hbv_all_patients local_treatment"
    ),
    "estimates": _names(
        "estimate_id study_id biomarker outcome exposure comparison timepoint model cohort hr "
        "ci_lower ci_upper ci_level p_as_printed status source_url source_location"
    ),
    "analyses": _names(
        "analysis_id title biomarker outcome timepoints comparisons models model_rule "
        "random_method subgroup_variable parent_analysis sensitivity"
    ),
    "published_results": _names(
        "result_id analysis_id subgroup_level k model hr ci_lower ci_upper p_as_printed"
    ),
    "candidates": _names("candidate_id first_author title"),
    "certainty": _names("analysis_id domain judgement reason assessed_by"),
    "risk_of_bias": _names("study_id outcome domain judgement support assessed_by data_version"),
    "baseline_risks": _names(
        "baseline_id outcome measure time_months group biomarker value unit horizon_months "
        "source source_url source_location"
    ),
    "search_history": _names(
        "search_id date_run database query since until records_returned new_records run_by"
    ),
}
# Types the evreg code relies on (a field not listed may have any type).
FIELD_TYPES: dict[str, str] = {
    **dict.fromkeys(("hr", "ci_lower", "ci_upper", "ci_level", "i2_percent"), "number"),
    **dict.fromkeys(("threshold_lower", "threshold_upper"), "number"),
    **dict.fromkeys(("value", "time_months", "horizon_months"), "number"),
    **dict.fromkeys(("year", "n", "n_confirmed", "male", "female", "k"), "integer"),
    **dict.fromkeys(("records_returned", "new_records"), "integer"),
    **dict.fromkeys(("nos_score", "nos_selection", "nos_comparability", "nos_outcome"), "integer"),
    **dict.fromkeys(("hbv_all_patients", "local_treatment", "in_review"), "boolean"),
}


# What schema_problems finds: code -> message template (registered as finding codes by
# evreg.data.validate.schema).
SCHEMA_PROBLEMS = {
    "schema-field-missing": "field {name!r} is missing; evreg needs it",
    "schema-field-type": "field {name!r} has type {type!r}; evreg needs {wanted!r}",
}


def schema_problems(name: str, schema: dict) -> list[tuple[str, str, dict[str, str]]]:
    """(field, code, values) for each field evreg needs that the schema lacks or mistypes
    (messages: SCHEMA_PROBLEMS)."""
    kinds = {f["name"]: f.get("type", "string") for f in schema["fields"]}
    problems = [
        (fname, "schema-field-missing", {"name": fname})
        for fname in REQUIRED_FIELDS.get(name, ())
        if fname not in kinds
    ]
    for fname, kind in kinds.items():
        wanted = FIELD_TYPES.get(fname)
        if wanted and kind != wanted:
            said = {"name": fname, "type": kind, "wanted": wanted}
            problems.append((fname, "schema-field-type", said))
    return problems


def location(file: str, row: int | None = None, field_name: str | None = None) -> str:
    """``file:row:field`` with the missing parts left out."""
    parts = [file] + ([str(row)] if row is not None else []) + ([field_name] if field_name else [])
    return ":".join(parts)


class PackageError(EvregError):
    """A problem in one file of the package, located by file, line (1 = header) and field."""

    def __init__(
        self, file: str, message: str, row: int | None = None, field_name: str | None = None
    ) -> None:
        super().__init__(f"{location(file, row, field_name)}: {message}")
        self.file = file
        self.row = row
        self.field = field_name
        self.detail = message


@dataclass(frozen=True)
class RawTable:
    """A CSV as text: header, records (lists of cells) and the line each record starts on."""

    name: str
    file: str
    schema: dict
    header: tuple[str, ...]
    records: tuple[list[str], ...]
    lines: tuple[int, ...]

    def rows(self) -> Iterator[tuple[int, dict[str, str]]]:
        """Non-blank records as ``(line, {field: text})``; short rows padded with ''."""
        for line, rec in zip(self.lines, self.records, strict=True):
            if rec:
                yield line, {n: (rec[i] if i < len(rec) else "") for i, n in enumerate(self.header)}


@dataclass(frozen=True)
class Package:
    """A loaded package. ``tables`` rows are typed (int/float/bool/str, None for empty);
    ``raw_tables`` keep the text as printed (``"5.80"``) and ``row_lines`` the CSV line of
    each row (header is line 1); ``schemas`` each resource's Table Schema."""

    root: Path
    descriptor: dict
    version: str
    created: str
    tables: dict[str, tuple[dict, ...]]
    raw_tables: dict[str, tuple[dict[str, str], ...]] = field(default_factory=dict)
    row_lines: dict[str, tuple[int, ...]] = field(default_factory=dict)
    schemas: dict[str, dict] = field(default_factory=dict)
    # How the data differ from the release ``version`` names (evreg.data.history); None: they
    # are that release, or it is not known (see with_release_status).
    unreleased: Unreleased | None = None

    @property
    def shown_version(self) -> str:
        """The data version in words, saying when the data are not exactly that release."""
        return shown_version(self.version, self.unreleased)

    @property
    def version_slug(self) -> str:
        """The version in file names (``1.0.0``, ``1.0.0-unreleased-abc1234``)."""
        return version_slug(self.version, self.unreleased)

    @property
    def studies(self) -> tuple[dict, ...]:
        return self.tables["studies"]

    @functools.cached_property
    def estimates(self) -> tuple[dict, ...]:
        """Typed estimate rows; a derived one also carries ``derivation_method`` (logrank, oe,
        ci, p or km: the method of its derivations row), which pages and ratings read."""
        return mark_derived(self.tables["estimates"], self.tables.get("derivations", ()))

    @property
    def analyses(self) -> tuple[dict, ...]:
        return self.tables["analyses"]

    @property
    def published_results(self) -> tuple[dict, ...]:
        return self.tables["published_results"]

    @property
    def candidates(self) -> tuple[dict, ...]:
        return self.tables["candidates"]

    @property
    def certainty(self) -> tuple[dict, ...]:
        """Reviewers' GRADE judgements (one row per analysis and domain; often none)."""
        return self.tables["certainty"]

    @property
    def derivations(self) -> tuple[dict, ...]:
        """Inputs of derived estimates, as printed (one row per derived estimate; often none)."""
        return self.tables.get("derivations", ())

    @property
    def risk_of_bias(self) -> tuple[dict, ...]:
        """Reviewers' QUIPS judgements by study, outcome and domain (empty when none)."""
        return self.tables.get("risk_of_bias", ())

    @property
    def baseline_risks(self) -> tuple[dict, ...]:
        """Printed survival figures for absolute effects (empty when the package has none)."""
        return self.tables.get("baseline_risks", ())

    @property
    def search_history(self) -> tuple[dict, ...]:
        """The searches run since the source review, in file order (none if not recorded)."""
        return self.tables.get("search_history", ())

    @property
    def review(self) -> dict:
        """The source review's metadata (question, search, eligibility, PRISMA counts...)."""
        return self.descriptor.get("review", {})

    def resource_path(self, name: str) -> str:
        """The package-relative path of a resource's CSV (``data/estimates.csv``)."""
        return next(r["path"] for r in self.descriptor["resources"] if r.get("name") == name)


def descriptor_path(path: str | Path = DESCRIPTOR_NAME) -> Path:
    """The datapackage.json for ``path`` (a descriptor file or the directory holding one)."""
    p = Path(path)
    return p / DESCRIPTOR_NAME if p.is_dir() else p


def read_descriptor(path: str | Path = DESCRIPTOR_NAME) -> tuple[Path, dict]:
    """(package root, descriptor dict); PackageError if missing, not JSON or malformed."""
    p = descriptor_path(path)
    name = p.name
    if p.is_symlink():
        raise PackageError(name, "is a symbolic link; a package holds only regular files")
    try:
        text = p.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise PackageError(str(p), "file not found; expected a datapackage.json") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PackageError(name, f"cannot read: {_reason(exc)}") from None
    descriptor = _parse_json(name, text)
    if not isinstance(descriptor, dict):
        raise PackageError(name, "expected a JSON object with a 'resources' list")
    resources = descriptor.get("resources")
    if not isinstance(resources, list) or not all(isinstance(r, dict) for r in resources):
        raise PackageError(name, "'resources' must be a list of objects", field_name="resources")
    return p.parent, descriptor


def _parse_json(name: str, text: str) -> Any:
    if text.startswith("\ufeff"):
        raise PackageError(name, "starts with a byte-order mark (BOM); save as UTF-8 without BOM")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        msg = f"not valid JSON: {exc.msg} (column {exc.colno})"
        raise PackageError(name, msg, exc.lineno) from None
    except RecursionError:
        raise PackageError(name, "not valid JSON: nested too deeply") from None


def _reason(exc: BaseException) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return f"not UTF-8 text (byte {exc.start})"
    return getattr(exc, "strerror", None) or type(exc).__name__


def package_resources(descriptor: dict) -> tuple[str, ...]:
    """The resources to read: every required one, and each optional one the package lists."""
    listed = {r.get("name") for r in descriptor.get("resources", [])}
    return RESOURCE_NAMES + tuple(n for n in OPTIONAL_RESOURCE_NAMES if n in listed)


def find_resource(descriptor: dict, name: str) -> dict:
    """The resource called ``name``; PackageError if absent."""
    for res in descriptor.get("resources", []):
        if res.get("name") == name:
            return res
    raise PackageError(DESCRIPTOR_NAME, f"no resource named {name!r}", field_name="resources")


def safe_relative(root: Path, rel: object, what: str) -> Path:
    """``root / rel`` for a relative path that stays inside the package."""
    if not isinstance(rel, str) or not rel:
        raise PackageError(DESCRIPTOR_NAME, f"{what} must be a relative path string")
    pure = PurePosixPath(rel)
    if pure.is_absolute() or ".." in pure.parts or "\\" in rel or ":" in rel:
        raise PackageError(DESCRIPTOR_NAME, f"{what} {clip(rel)} must be a path inside the package")
    path = root / pure
    link = next((p for p in (path, *path.parents) if p != root and p.is_symlink()), None)
    if link is not None and link.is_relative_to(root):
        raise PackageError(
            rel, "is a symbolic link (or inside one); a package holds only regular files"
        )
    if not path.resolve().is_relative_to(root.resolve()):
        raise PackageError(DESCRIPTOR_NAME, f"{what} {clip(rel)} links outside the package")
    return path


def inside(folder: Path, rel: str) -> Path:
    """``folder / rel`` for an output path that stays inside ``folder``; an EvregError naming
    it otherwise (an absolute path, ``..``, a backslash, or a link out)."""
    pure = PurePosixPath(rel)
    path = folder / pure
    if (
        not rel
        or pure.is_absolute()
        or ".." in pure.parts
        or "\\" in rel
        or not path.resolve().is_relative_to(folder.resolve())
    ):
        raise EvregError(f"{folder}: refusing to write {clip(rel)}: not a path inside it")
    return path


def read_schema(root: Path, resource: dict) -> tuple[str, dict]:
    """(schema file label, schema dict) for a resource: a path in the package or inline."""
    schema = resource.get("schema")
    if isinstance(schema, dict):
        label, data = DESCRIPTOR_NAME, schema
    else:
        label = str(schema)
        path = safe_relative(root, schema, f"resource {clip(resource.get('name'))} schema")
        try:
            data = _parse_json(label, path.read_bytes().decode("utf-8"))
        except FileNotFoundError:
            raise PackageError(label, "schema file not found") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise PackageError(label, f"cannot read: {_reason(exc)}") from None
    fields = data.get("fields") if isinstance(data, dict) else None
    if not isinstance(fields, list) or not fields:
        raise PackageError(label, "a Table Schema needs a non-empty 'fields' list")
    for i, f in enumerate(fields):
        if not isinstance(f, dict) or not isinstance(f.get("name"), str) or not f["name"]:
            raise PackageError(label, f"field {i + 1} needs a 'name'", field_name="fields")
    return label, data


def read_table(root: Path, resource: dict) -> RawTable:
    """Read one resource's CSV as text and check it is a CSV whose header matches its schema."""
    name = str(resource.get("name"))
    _, schema = read_schema(root, resource)
    rel = resource.get("path")
    path = safe_relative(root, rel, f"resource {clip(name)} path")
    file = str(rel)
    text = _read_text(path, file)
    records, lines = _parse_csv(text, file)
    header = tuple(records[0])
    _check_header(file, header, tuple(f["name"] for f in schema["fields"]))
    return RawTable(name, file, schema, header, tuple(records[1:]), tuple(lines[1:]))


def _read_text(path: Path, file: str) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise PackageError(file, "file not found") from None
    except OSError as exc:
        raise PackageError(file, f"cannot read: {_reason(exc)}") from None
    if not data.strip():
        raise PackageError(file, "file is empty; expected a CSV header line")
    if data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        raise PackageError(
            file, "starts with a byte-order mark (BOM); save as UTF-8 without BOM", 1
        )
    if b"\x00" in data:
        line = data.count(b"\n", 0, data.index(b"\x00")) + 1
        raise PackageError(file, "binary data (NUL byte); expected UTF-8 CSV text", line)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise PackageError(file, f"not UTF-8 text (byte {exc.start})", line) from None


def _parse_csv(text: str, file: str) -> tuple[list[list[str]], list[int]]:
    """All records (blank lines as []) and the line each starts on."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)  # CR inside quotes kept
    records: list[list[str]] = []
    lines: list[int] = []
    last = 0
    try:
        for rec in reader:
            records.append(rec)
            lines.append(last + 1)
            last = reader.line_num
    except csv.Error as exc:
        raise PackageError(file, f"not a readable CSV: {exc}", last + 1) from None
    return records, lines


def _check_header(file: str, header: tuple[str, ...], expected: tuple[str, ...]) -> None:
    if header == expected:
        return
    if not header or not any(header):
        raise PackageError(file, "first line is blank; expected the header", 1)
    if len(header) == 1:
        for delim in DELIMITERS:
            if delim in header[0]:
                raise PackageError(
                    file, f"uses {delim!r} as delimiter; expected comma-separated values", 1
                )
    dupes = sorted({h for h in header if header.count(h) > 1})
    missing = [h for h in expected if h not in header]
    extra = [h for h in header if h not in expected]
    if dupes:
        msg = f"duplicate column(s): {', '.join(dupes)}"
    elif missing or extra:
        msg = "; ".join(
            part
            for part in (
                missing and f"missing column(s): {', '.join(missing)}",
                extra and f"unexpected column(s): {', '.join(_short(e) for e in extra)}",
            )
            if part
        )
    else:
        msg = "columns out of order; expected: " + ",".join(expected)
    raise PackageError(file, msg, 1)


def _short(text: str, width: int = 40) -> str:
    text = repr(text)
    return text if len(text) <= width else text[: width - 3] + "..."


def cast(field_def: dict, text: str) -> Any:
    """A cell's value by its Table Schema type; None for empty. ValueError if it does not fit."""
    if text == "":
        return None
    kind = field_def.get("type", "string")
    if kind == "integer":
        return int(text)
    if kind == "number":
        value = float(text)
        if not math.isfinite(value):
            raise ValueError("not a finite number")
        return value
    if kind == "boolean":
        if text in _values(field_def, "trueValues", ("true", "True", "TRUE", "1")):
            return True
        if text in _values(field_def, "falseValues", ("false", "False", "FALSE", "0")):
            return False
        raise ValueError("not a boolean")
    return text


def _values(field_def: dict, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
    values = field_def.get(key, default)
    return tuple(str(v) for v in values) if isinstance(values, list | tuple) else default


def typed_rows(table: RawTable) -> tuple[tuple[dict, ...], tuple[dict[str, str], ...], tuple]:
    """(typed rows, rows as printed, CSV line of each row) of a table read by ``read_table``;
    PackageError naming file, line and field on a blank or ragged row or a cell not of its type."""
    fields = {f["name"]: f for f in table.schema["fields"]}
    typed, raw, lines = [], [], []
    n = len(table.header)
    for line, rec in zip(table.lines, table.records, strict=True):
        if not rec:
            raise PackageError(table.file, "blank line; remove it", line)
        if len(rec) != n:
            raise PackageError(table.file, f"{len(rec)} cells where the header has {n}", line)
        row = dict(zip(table.header, rec, strict=True))
        out = {}
        for key, text in row.items():
            try:
                out[key] = cast(fields[key], text)
            except ValueError:
                kind = fields[key].get("type", "string")
                raise PackageError(
                    table.file, f"{_short(text)} is not a {kind}", line, key
                ) from None
        typed.append(out)
        raw.append(row)
        lines.append(line)
    return tuple(typed), tuple(raw), tuple(lines)


DERIVATION_METHOD = "derivation_method"


def mark_derived(estimates: tuple[dict, ...], derivations: tuple[dict, ...]) -> tuple[dict, ...]:
    """Estimates with a derivations row carry its method as ``derivation_method`` (logrank,
    oe, ci, p, km): what pages and the certainty rules read to mark and rate them."""
    methods = {d.get("estimate_id"): d.get("method") for d in derivations}
    if not methods:
        return estimates
    return tuple(
        {**e, DERIVATION_METHOD: methods[e["estimate_id"]]}
        if e.get("estimate_id") in methods
        else e
        for e in estimates
    )


def load_package(path: str | Path = DESCRIPTOR_NAME) -> Package:
    """Read the package at ``path`` (datapackage.json or its directory) into typed rows.

    Raises PackageError (an EvregError) naming file, line and field for unreadable or broken
    input; does not run the domain checks (see :func:`evreg.data.validate.validate_package`).
    """
    root, descriptor = read_descriptor(path)
    tables, raw_tables, row_lines, schemas = {}, {}, {}, {}
    for name in package_resources(descriptor):
        resource = find_resource(descriptor, name)
        label, schemas[name] = read_schema(root, resource)
        problems = schema_problems(name, schemas[name])
        if problems:
            field, code, values = problems[0]
            raise PackageError(label, SCHEMA_PROBLEMS[code].format(**values), field_name=field)
        table = read_table(root, resource)
        tables[name], raw_tables[name], row_lines[name] = typed_rows(table)
    return Package(
        root=root,
        descriptor=descriptor,
        version=str(descriptor.get("version", "")),
        created=str(descriptor.get("created", "")),
        tables=tables,
        raw_tables=raw_tables,
        row_lines=row_lines,
        schemas=schemas,
    )


def split_list(value: str | None) -> tuple[str, ...]:
    """``"a;b; c"`` -> ``("a", "b", "c")``; empty -> ``()``."""
    return tuple(p.strip() for p in (value or "").split(";") if p.strip())


def qualifying_estimates(package: Package, analysis_row: dict) -> list[dict]:
    """Estimates the plan row admits (biomarker, outcome, timepoints, comparisons, models),
    whatever their status, in file order."""
    return [e for e in package.estimates if qualifies(e, analysis_row)]


def qualifies(estimate: dict, analysis_row: dict) -> bool:
    """Does an estimate row (typed or raw) match an analysis row's criteria?"""
    return (
        estimate.get("biomarker") == analysis_row.get("biomarker")
        and estimate.get("outcome") == analysis_row.get("outcome")
        and estimate.get("timepoint") in split_list(analysis_row.get("timepoints"))
        and estimate.get("comparison") in split_list(analysis_row.get("comparisons"))
        and estimate.get("model") in split_list(analysis_row.get("models"))
    )


def with_release_status(package: Package) -> Package:
    """The package with ``unreleased`` read from its git history (:mod:`evreg.data.history`):
    what the site shows as its version."""
    import dataclasses

    return dataclasses.replace(package, unreleased=unreleased(package.root, package.descriptor))

"""Validate a data package: Frictionless schema checks plus the domain checks it cannot express.

``validate_package(path)`` never raises on bad data and never writes: every problem becomes a
:class:`Finding` naming file, CSV line (header = line 1) and field. Structural problems (missing
file, binary, BOM, wrong delimiter, header not matching the schema) stop the checks of that file
only. Numeric checks reason about printed rounding: a value printed as ``1.62`` stands for
anything in [1.615, 1.625], so a CI or p value is flagged only if no values within the printed
rounding make it consistent (Cochrane Handbook 6.3.2: SE from a CI on the log scale).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from statistics import NormalDist

from evreg.data.package import (
    DESCRIPTOR_NAME,
    RESOURCE_NAMES,
    PackageError,
    RawTable,
    find_resource,
    location,
    qualifies,
    qualifying_estimates,
    read_descriptor,
    read_schema,
    read_table,
    schema_problems,
    split_list,
)

__all__ = ["Finding", "validate_package", "qualifying_estimates", "exit_code"]

MAX_FINDINGS_PER_FILE = 200
NUMBERS = ("hr", "ci_lower", "ci_upper")
EXPOSURE_FAMILY = {
    "high_vs_low": "level (high vs low)",
    "low_vs_high": "level (high vs low)",
    "increase_vs_decrease": "change (increase vs decrease)",
    "decrease_vs_increase": "change (increase vs decrease)",
    "unknown": "unknown",
}


@dataclass(frozen=True)
class Finding:
    """One problem: file, CSV line (header = 1; None for the whole file), field, message."""

    file: str
    row: int | None
    field: str | None
    message: str
    severity: str = "error"

    def __post_init__(self) -> None:  # one line per finding, whatever the cells contain
        object.__setattr__(self, "message", " ".join(self.message.split()))

    def __str__(self) -> str:
        tag = "warning: " if self.severity == "warning" else ""
        return f"{location(self.file, self.row, self.field)}: {tag}{self.message}"

    def to_dict(self) -> dict:
        return asdict(self)


def exit_code(findings: Iterable[Finding], strict: bool = False) -> int:
    """1 if any error (or, with ``strict``, any warning), else 0."""
    bad = {"error", "warning"} if strict else {"error"}
    return int(any(f.severity in bad for f in findings))


def validate_package(path: str | Path = DESCRIPTOR_NAME) -> list[Finding]:
    """All findings for the package at ``path`` (datapackage.json or its directory)."""
    try:
        root, descriptor = read_descriptor(path)
    except PackageError as exc:
        return [_from_error(exc)]
    findings = list(_descriptor_findings(descriptor))
    tables: dict[str, RawTable] = {}
    for name in RESOURCE_NAMES:
        try:
            resource = find_resource(descriptor, name)
            schema_label, schema = read_schema(root, resource)
            schema_findings = list(_schema_findings(name, schema_label, schema))
            findings += schema_findings
            if schema_findings:
                continue
            table = read_table(root, resource)
        except PackageError as exc:
            findings.append(_from_error(exc))
            continue
        table_findings = _frictionless_findings(root, resource, table)
        findings += table_findings
        if len(table_findings) < MAX_FINDINGS_PER_FILE:
            tables[name] = table
        else:
            message = "too many problems: cross-checks with this file skipped"
            findings.append(Finding(table.file, None, None, message))
    findings += _domain_findings(tables)
    order = _file_order(descriptor)
    return _cap(sorted(findings, key=lambda f: (order.get(f.file, len(order)), f.row or 0)))


def _file_order(descriptor: dict) -> dict[str, int]:
    """Sort key: the descriptor first, then each resource's schema and CSV in package order."""
    order = {DESCRIPTOR_NAME: -1}
    for i, res in enumerate(descriptor.get("resources", [])):
        for key in ("schema", "path"):
            if isinstance(res.get(key), str):
                order.setdefault(res[key], i)
    return order


def _cap(findings: list[Finding]) -> list[Finding]:
    """At most MAX_FINDINGS_PER_FILE findings per file, then one line saying how many more."""
    kept: list[Finding] = []
    count: dict[str, int] = {}
    for finding in findings:
        count[finding.file] = count.get(finding.file, 0) + 1
        if count[finding.file] <= MAX_FINDINGS_PER_FILE:
            kept.append(finding)
    for file, n in count.items():
        if n > MAX_FINDINGS_PER_FILE:
            more = n - MAX_FINDINGS_PER_FILE
            kept.append(Finding(file, None, None, f"{more} more finding(s) not shown"))
    return kept


def _from_error(exc: PackageError) -> Finding:
    return Finding(exc.file, exc.row, exc.field, exc.detail)


# ---------------------------------------------------------------- descriptor and schemas


def _descriptor_findings(descriptor: dict) -> Iterator[Finding]:
    def err(field: str, message: str) -> Finding:
        return Finding(DESCRIPTOR_NAME, None, field, message)

    for key in ("name", "title", "version", "created", "licenses", "sources", "contributors"):
        if not descriptor.get(key):
            yield err(key, f"{key!r} is missing; a published package needs it")
    version = descriptor.get("version")
    if version and not re.fullmatch(r"\d+\.\d+\.\d+", str(version)):
        yield err("version", f"{version!r} is not a semantic version like 1.0.0")
    created = descriptor.get("created")
    if created and not _is_iso_datetime(str(created)):
        yield err("created", f"{created!r} is not an ISO 8601 date-time like 2026-11-30T00:00:00Z")
    names = [r.get("name") for r in descriptor.get("resources", [])]
    for name in RESOURCE_NAMES:
        if names.count(name) > 1:
            yield err("resources", f"resource {name!r} appears {names.count(name)} times")
    for name in names:
        if name not in RESOURCE_NAMES:
            yield Finding(
                DESCRIPTOR_NAME,
                None,
                "resources",
                f"resource {name!r} is not one evreg knows ({', '.join(RESOURCE_NAMES)}); "
                "it is not checked",
                "warning",
            )
    yield from _remote_profiles(descriptor)
    yield from _frictionless_metadata(DESCRIPTOR_NAME, "Package", _offline(descriptor))


PROFILE_KEYS = ("profile", "$schema")


def _remote_profiles(descriptor: dict) -> Iterator[Finding]:
    """Profiles given as URLs would make frictionless fetch them: evreg stays offline."""
    for part in (descriptor, *descriptor.get("resources", [])):
        for key in PROFILE_KEYS:
            value = part.get(key)
            if isinstance(value, str) and ("/" in value or ":" in value):
                yield Finding(
                    DESCRIPTOR_NAME,
                    None,
                    key,
                    f"{_quote(value)} is not allowed: evreg validates offline; use the built-in "
                    "tabular-data-package / tabular-data-resource profiles",
                )


def _offline(descriptor: dict) -> dict:
    """The descriptor without URL profiles (reported by _remote_profiles)."""

    def clean(part: dict) -> dict:
        return {
            k: v
            for k, v in part.items()
            if k not in PROFILE_KEYS or not (isinstance(v, str) and ("/" in v or ":" in v))
        }

    out = clean(descriptor)
    if isinstance(out.get("resources"), list):
        out["resources"] = [clean(r) for r in out["resources"]]
    return out


def _is_iso_datetime(text: str) -> bool:
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            date.fromisoformat(text)
        except ValueError:
            return False
    return True


def _frictionless_metadata(label: str, kind: str, descriptor: dict) -> Iterator[Finding]:
    import frictionless

    try:
        report = getattr(frictionless, kind).validate_descriptor(descriptor)
        errors = report.errors
    except Exception as exc:  # frictionless raises on some malformed descriptors
        yield Finding(label, None, None, f"invalid {kind.lower()} descriptor: {_one_line(exc)}")
        return
    for error in errors:
        yield Finding(label, None, None, f"{error.type}: {_one_line(error.note or error.message)}")


def _schema_findings(name: str, label: str, schema: dict) -> Iterator[Finding]:
    for field, message in schema_problems(name, schema):
        yield Finding(label, None, field, message)
    # Foreign keys are checked by evreg itself (clearer messages, broken tables tolerated).
    yield from _frictionless_metadata(label, "Schema", _offline(_without_foreign_keys(schema)))


def _without_foreign_keys(schema: dict) -> dict:
    return {k: v for k, v in schema.items() if k != "foreignKeys"}


def _one_line(value: object, width: int = 300) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= width else text[: width - 3] + "..."


# ---------------------------------------------------------------- frictionless (rows)


def _frictionless_findings(root: Path, resource: dict, table: RawTable) -> list[Finding]:
    import frictionless

    try:
        res = frictionless.Resource(
            path=table.file,
            basepath=str(root),
            schema=frictionless.Schema.from_descriptor(
                _offline(_without_foreign_keys(table.schema))
            ),
            format="csv",
            encoding="utf-8",
            # never guess: frictionless otherwise sniffs which row is the header
            dialect=frictionless.Dialect(header_rows=[1]),
            control=frictionless.formats.CsvControl(delimiter=",", quote_char='"'),
        )
        report = res.validate(limit_errors=MAX_FINDINGS_PER_FILE)
    except Exception as exc:  # frictionless raises on some inputs instead of reporting
        return [Finding(table.file, None, None, f"cannot validate: {_one_line(exc)}")]
    ragged = dict(_cell_count_findings(table))
    findings = list(ragged.values())
    seen = {(f.file, f.row, f.message) for f in findings}
    for task in report.tasks:
        for error in task.errors:
            finding = _map_error(table, error)
            key = (finding.file, finding.row, finding.message)
            # one line per short/long/blank row (not one per missing cell); one per duplicate
            if finding.row in ragged or key in seen or error.type in _CELL_COUNT_ERRORS:
                continue
            seen.add(key)
            findings.append(finding)
    return findings


_CELL_COUNT_ERRORS = ("missing-cell", "extra-cell", "blank-row")


def _cell_count_findings(table: RawTable) -> Iterator[tuple[int, Finding]]:
    """Blank lines and rows whose number of cells differs from the header's."""
    n = len(table.header)
    count = 0
    for line, rec in zip(table.lines, table.records, strict=True):
        if rec and len(rec) == n:
            continue
        count += 1
        if count > MAX_FINDINGS_PER_FILE:
            return
        if not rec:
            yield line, Finding(table.file, line, None, "blank line; remove it")
        elif len(rec) < n:
            missing = ", ".join(table.header[len(rec) :])
            message = f"{_cells(len(rec))} where the header has {n} (missing: {missing})"
            yield line, Finding(table.file, line, None, message)
        elif len(rec) > n:
            extra = ", ".join(_quote(c, 30) for c in rec[n:])
            message = f"{_cells(len(rec))} where the header has {n} (extra: {extra})"
            yield line, Finding(table.file, line, None, message)


def _cells(n: int) -> str:
    return "1 cell" if n == 1 else f"{n} cells"


def _line(table: RawTable, row_number: int | None) -> int | None:
    """Frictionless row position (header = 1, blank rows counted) -> CSV line."""
    if row_number is None:
        return None
    index = row_number - 2
    return table.lines[index] if 0 <= index < len(table.lines) else row_number


def _map_error(table: RawTable, error: object) -> Finding:
    kind = getattr(error, "type", "error")
    line = _line(table, getattr(error, "row_number", None))
    field = getattr(error, "field_name", None) or None
    cell = getattr(error, "cell", "")
    note = str(getattr(error, "note", "") or "")
    if kind == "type-error":
        wanted = note.split('"')[1].split("/")[0] if '"' in note else "value"
        message = f"{_quote(cell)} is not a valid {wanted}"
    elif kind == "constraint-error":
        message = _constraint_message(cell, note)
    elif kind in ("primary-key", "unique-error"):
        message = _duplicate_message(table, note)
    else:
        message = f"{kind}: {_one_line(note or getattr(error, 'message', ''))}"
    return Finding(table.file, line, field, message)


def _quote(text: object, width: int = 60) -> str:
    text = repr(str(text))
    return text if len(text) <= width else text[: width - 4] + "...'"


def _constraint_message(cell: object, note: str) -> str:
    match = re.match(r'constraint "(\w+)" is "(.*)"$', note, re.S)
    if not match:
        return f"{_quote(cell)} violates a constraint: {_one_line(note)}"
    name, value = match.groups()
    if name == "required":
        return "empty, but a value is required"
    if name == "enum":
        allowed = ", ".join(re.findall(r"'([^']*)'", value))
        return f"{_quote(cell)} is not one of: {allowed}"
    if name == "pattern":
        return f"{_quote(cell)} does not have the expected form ({value})"
    if name in ("minimum", "maximum"):
        word = "below the minimum" if name == "minimum" else "above the maximum"
        return f"{_quote(cell)} is {word} {value}"
    return f"{_quote(cell)} violates {name} {value}"


def _duplicate_message(table: RawTable, note: str) -> str:
    match = re.search(r"position (\d+)", note)
    where = f" (first on line {_line(table, int(match.group(1)))})" if match else ""
    return f"duplicate key{where}; identifiers must be unique"


# ---------------------------------------------------------------- domain checks


def _domain_findings(tables: dict[str, RawTable]) -> list[Finding]:
    rows = {name: list(t.rows()) for name, t in tables.items()}
    files = {name: t.file for name, t in tables.items()}
    checks: list[tuple[tuple[str, ...], Callable[..., Iterable[Finding]]]] = [
        (("estimates",), _check_numbers),
        (("published_results",), _check_numbers),
        (("estimates",), _check_status),
        (("estimates",), _check_estimate_keys),
        (("estimates", "studies"), _check_estimate_study),
        (("studies",), _check_same_cohort),
        (("studies",), _check_study_counts),
        (("studies", "estimates"), _check_study_has_estimates),
        (("analyses",), _check_analysis_links),
        (("analyses", "estimates"), _check_analysis_mix),
        (("estimates", "analyses"), _check_unknown_direction),
        (("published_results", "analyses"), _check_published_links),
        (("candidates", "studies"), _check_candidates),
    ]
    findings: list[Finding] = []
    for needs, check in checks:
        if all(n in tables for n in needs):
            args = [(files[n], rows[n]) for n in needs]
            findings += check(*args)
    return findings


Rows = list[tuple[int, dict[str, str]]]


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, ValueError):
        return None
    return value


def _positive(value: Decimal) -> bool:
    """Finite and above 0, also once converted to a float."""
    return value.is_finite() and 0 < float(value) < math.inf


def _box(value: Decimal) -> tuple[float, float]:
    """The interval a printed number stands for: 1.62 -> (1.615, 1.625)."""
    half = Decimal(5).scaleb(value.as_tuple().exponent - 1)
    return float(value - half), float(value + half)


def _check_numbers(file_rows: tuple[str, Rows]) -> Iterator[Finding]:
    """hr, ci_lower, ci_upper finite and > 0, ci_lower < hr < ci_upper; CI symmetric on the
    log scale and p consistent with the CI, both within the printed rounding (warnings)."""
    file, rows = file_rows
    for line, row in rows:
        values = {}
        for name in NUMBERS:
            text = row.get(name, "").strip()
            value = _decimal(text) if text else None
            if text and value is not None and not _positive(value):
                yield Finding(file, line, name, f"{text} must be a finite number above 0 (a ratio)")
            elif value is not None:
                values[name] = value
        yield from _check_order(file, line, values, row)
        if len(values) == 3 and values["ci_lower"] < values["hr"] < values["ci_upper"]:
            yield from _check_symmetry(file, line, values)
            yield from _check_p(file, line, values, row)


def _check_order(file: str, line: int, v: dict[str, Decimal], row: dict) -> Iterator[Finding]:
    hr, lo, up = (v.get(n) for n in NUMBERS)
    if (row.get("ci_lower", "").strip() == "") != (row.get("ci_upper", "").strip() == ""):
        given, empty = (
            ("ci_lower", "ci_upper")
            if row.get("ci_lower", "").strip()
            else ("ci_upper", "ci_lower")
        )
        yield Finding(
            file, line, empty, f"empty, but {given} is given: give both limits or neither"
        )
    if hr is not None and lo is not None and not lo < hr:
        yield Finding(file, line, "ci_lower", f"{row['ci_lower']} is not below hr {row['hr']}")
    if hr is not None and up is not None and not up > hr:
        yield Finding(file, line, "ci_upper", f"{row['ci_upper']} is not above hr {row['hr']}")
    if hr is None and lo is not None and up is not None and not lo < up:
        yield Finding(
            file, line, "ci_upper", f"{row['ci_upper']} is not above ci_lower {row['ci_lower']}"
        )


def _check_symmetry(file: str, line: int, v: dict[str, Decimal]) -> Iterator[Finding]:
    """Wald CIs are symmetric on the log scale: ln(U) + ln(L) - 2 ln(HR) = 0 (Cochrane
    Handbook 6.3.2); flag when no values within the printed rounding achieve it."""
    (h0, h1), (l0, l1), (u0, u1) = (_box(v[n]) for n in NUMBERS)
    if min(h0, l0, u0) <= 0 or max(h1, l1, u1) == math.inf:
        return
    low = math.log(u0) + math.log(l0) - 2 * math.log(h1)
    high = math.log(u1) + math.log(l1) - 2 * math.log(h0)
    if low > 0 or high < 0:
        hr, lo, up = (float(v[n]) for n in NUMBERS)
        below, above = math.log(hr / lo), math.log(up / hr)
        yield Finding(
            file,
            line,
            "ci_upper",
            f"CI {v['ci_lower']}-{v['ci_upper']} is not symmetric around hr {v['hr']} on the log "
            f"scale ({below:.3f} below, {above:.3f} above) beyond what the printed rounding "
            "explains; check the numbers, their order and the CI level",
            "warning",
        )


P_PRINTED = re.compile(
    r"^\s*(?:p\s*)?(<=|>=|≤|≥|<|>|=)?\s*([0-9]*\.?[0-9]+(?:[eE]-?[0-9]+)?)\s*$", re.I
)


def parse_p(text: str) -> tuple[float, float] | None:
    """The interval a printed p value stands for: '0.043' -> (0.0425, 0.0435), '< 0.01' ->
    (0, 0.01), '> 0.05' -> (0.05, 1); None if it is not a p value."""
    match = P_PRINTED.match(text)
    if not match:
        return None
    op, number = match.groups()
    value = Decimal(number)
    if op in ("<", "<=", "≤"):
        return 0.0, float(value)
    if op in (">", ">=", "≥"):
        return float(value), 1.0
    low, high = _box(value)
    return max(low, 0.0), min(high, 1.0)


def _check_p(file: str, line: int, v: dict[str, Decimal], row: dict) -> Iterator[Finding]:
    """Two-sided Wald p from the CI: SE = (ln U - ln L) / (2 z), p = 2 (1 - Phi(|ln HR| / SE))
    (Altman & Bland, BMJ 2011;343:d2304), over the printed rounding of HR and limits."""
    text = row.get("p_as_printed", "").strip()
    if not text:
        return
    printed = parse_p(text)
    if printed is None:
        yield Finding(
            file,
            line,
            "p_as_printed",
            f"{_quote(text)} is not a p value evreg can read (expected e.g. 0.043 or < 0.001)",
            "warning",
        )
        return
    if printed[0] > 1:
        yield Finding(file, line, "p_as_printed", f"{text} is not a probability (0 to 1)")
        return
    implied = _implied_p(v, _level(row))
    if implied is None:
        return
    p_mid, p_low, p_high = implied
    if p_high < printed[0] or p_low > printed[1]:
        yield Finding(
            file,
            line,
            "p_as_printed",
            f"{text} does not match hr {v['hr']} ({v['ci_lower']}-{v['ci_upper']}): the CI "
            f"implies p = {_fmt_p(p_mid)} (between {_fmt_p(p_low)} and {_fmt_p(p_high)} given the "
            "printed rounding)",
            "warning",
        )


def _fmt_p(p: float) -> str:
    return "< 0.0001" if p < 0.0001 else f"{p:.2g}"


def _level(row: dict) -> float:
    value = _decimal(row.get("ci_level", "") or "0.95")
    return float(value) if value is not None and value.is_finite() and 0 < value < 1 else 0.95


def _implied_p(v: dict[str, Decimal], level: float) -> tuple[float, float, float] | None:
    z_crit = NormalDist().inv_cdf(1 - (1 - level) / 2)
    (h0, h1), (l0, l1), (u0, u1) = (_box(v[n]) for n in NUMBERS)
    if min(h0, l0) <= 0 or u0 <= l1 or max(h1, u1) == math.inf:
        return None
    hr, lo, up = (float(v[n]) for n in NUMBERS)
    se_mid = math.log(up / lo) / (2 * z_crit)
    se_min, se_max = math.log(u0 / l1) / (2 * z_crit), math.log(u1 / l0) / (2 * z_crit)
    log_h = sorted(abs(math.log(h)) for h in (h0, h1))
    z_min = 0.0 if h0 <= 1 <= h1 else log_h[0] / se_max
    z_max = log_h[1] / se_min

    def p(z: float) -> float:
        return 2 * (1 - NormalDist().cdf(z))

    return p(abs(math.log(hr)) / se_mid), p(z_max), p(z_min)


def _check_status(file_rows: tuple[str, Rows]) -> Iterator[Finding]:
    """extracted: hr, CI, source_url, source_location; not_found: no numbers; any number has
    a source and location; CI level stated."""
    file, rows = file_rows
    needed = (*NUMBERS, "source_url", "source_location")
    for line, row in rows:
        status = row.get("status", "")
        given = [n for n in NUMBERS if row.get(n, "").strip()]
        if status == "extracted":
            for name in needed:
                if not row.get(name, "").strip():
                    yield Finding(
                        file,
                        line,
                        name,
                        "empty, but status is extracted: an extracted estimate needs hr, "
                        "ci_lower, ci_upper, source_url and source_location (or status incomplete)",
                    )
        elif status == "not_found":
            for name in given:
                yield Finding(
                    file,
                    line,
                    name,
                    f"{row[name]} given, but status is not_found: a not_found row has no numbers "
                    "(use incomplete or extracted)",
                )
        elif status == "incomplete":
            yield from _check_incomplete(file, line, row, given)
        if row.get("ci_lower", "").strip() and not row.get("ci_level", "").strip():
            yield Finding(
                file,
                line,
                "ci_level",
                "empty, but a CI is given: read as 0.95; write the level of the printed CI",
                "warning",
            )


def _check_incomplete(file: str, line: int, row: dict, given: list[str]) -> Iterator[Finding]:
    if not given and not row.get("p_as_printed", "").strip():
        yield Finding(
            file,
            line,
            "status",
            "incomplete, but no hr, CI or p is given (use not_found)",
            "warning",
        )
        return
    for name in ("source_url", "source_location"):
        if not row.get(name, "").strip():
            yield Finding(
                file, line, name, "empty, but the row gives numbers: every number needs its source"
            )


def _check_estimate_keys(file_rows: tuple[str, Rows]) -> Iterator[Finding]:
    """One row per study x biomarker x outcome x exposure x time point x model x cohort."""
    file, rows = file_rows
    keys = ("study_id", "biomarker", "outcome", "exposure", "timepoint", "model", "cohort")
    seen: dict[tuple, int] = {}
    for line, row in rows:
        key = tuple(row.get(k, "").strip().lower() for k in keys)
        if key in seen:
            yield Finding(
                file,
                line,
                "estimate_id",
                f"same study, biomarker, outcome, exposure, time point, model and cohort as line "
                f"{seen[key]}: one row per combination",
            )
        else:
            seen[key] = line


def _check_estimate_study(est: tuple[str, Rows], studies: tuple[str, Rows]) -> Iterator[Finding]:
    """Every study_id exists; an estimate's biomarker matches its study's."""
    file, rows = est
    by_id = {row.get("study_id"): row for _, row in studies[1]}
    for line, row in rows:
        study = by_id.get(row.get("study_id"))
        if study is None:
            yield Finding(
                file,
                line,
                "study_id",
                f"{_quote(row.get('study_id', ''))} is not a study_id in {studies[0]}",
            )
        elif study.get("biomarker") and row.get("biomarker") != study.get("biomarker"):
            yield Finding(
                file,
                line,
                "biomarker",
                f"{row.get('biomarker')} differs from the study's biomarker "
                f"{study.get('biomarker')} in {studies[0]}",
                "warning",
            )


def _check_same_cohort(file_rows: tuple[str, Rows]) -> Iterator[Finding]:
    """Two studies with identical reported N, age and sex: one cohort twice, or a copying error."""
    file, rows = file_rows
    keys = ("n", "age", "male", "female")
    seen: dict[tuple, tuple[int, str]] = {}
    for line, row in rows:
        key = tuple(row.get(k, "").strip() for k in keys)
        if not all(key):
            continue
        if key in seen:
            first_line, first_id = seen[key]
            yield Finding(
                file,
                line,
                "n",
                f"n {key[0]}, age {key[1]}, male {key[2]} and female {key[3]} are identical to "
                f"{first_id} (line {first_line}): the same cohort counted twice, or a copying "
                "error?",
                "warning",
            )
        else:
            seen[key] = (line, row.get("study_id", ""))


def _int(text: str | None) -> int | None:
    try:
        return int((text or "").strip())
    except ValueError:
        return None


def _check_study_counts(file_rows: tuple[str, Rows]) -> Iterator[Finding]:
    """NOS total = sum of its domains; male + female = n; confirmed n = reported n."""
    file, rows = file_rows
    for line, row in rows:
        total = _int(row.get("nos_score"))
        domains = [_int(row.get(k)) for k in ("nos_selection", "nos_comparability", "nos_outcome")]
        known = [d for d in domains if d is not None]
        if (
            total is not None
            and known
            and (sum(known) > total or (len(known) == 3 and sum(known) != total))
        ):
            yield Finding(
                file,
                line,
                "nos_score",
                f"{total} does not equal the sum of its domain scores ({sum(known)})",
            )
        n, male, female = (_int(row.get(k)) for k in ("n", "male", "female"))
        if None not in (n, male, female) and male + female != n:
            yield Finding(
                file,
                line,
                "n",
                f"male {male} + female {female} = {male + female}, not n {n}",
                "warning",
            )
        confirmed = _int(row.get("n_confirmed"))
        if n is not None and confirmed is not None and confirmed != n:
            yield Finding(
                file,
                line,
                "n_confirmed",
                f"{confirmed} confirmed in the source differs from n {n} reported by the review",
                "warning",
            )


def _check_study_has_estimates(
    studies: tuple[str, Rows], est: tuple[str, Rows]
) -> Iterator[Finding]:
    """Each outcome the review used from a study has an estimate row (visible while pending)."""
    have = {(r.get("study_id"), r.get("outcome")) for _, r in est[1]}
    file, rows = studies
    for line, row in rows:
        for outcome in split_list(row.get("outcomes_used_by_review")):
            if (row.get("study_id"), outcome) not in have:
                yield Finding(
                    file,
                    line,
                    "outcomes_used_by_review",
                    f"the review used {outcome} from {row.get('study_id')}, but {est[0]} has no "
                    f"row for it; add one (status not_found) so it shows as pending",
                    "warning",
                )


def _check_analysis_links(file_rows: tuple[str, Rows]) -> Iterator[Finding]:
    """parent_analysis exists, is set exactly for subgroup analyses, same biomarker/outcome."""
    file, rows = file_rows
    by_id = {row.get("analysis_id"): row for _, row in rows}
    for line, row in rows:
        parent_id, variable = row.get("parent_analysis", ""), row.get("subgroup_variable", "")
        if bool(parent_id) != bool(variable):
            yield Finding(
                file,
                line,
                "parent_analysis",
                "a subgroup analysis needs both subgroup_variable and parent_analysis; an overall "
                "analysis neither",
            )
        if not parent_id:
            continue
        parent = by_id.get(parent_id)
        if parent is None:
            yield Finding(
                file, line, "parent_analysis", f"{_quote(parent_id)} is not an analysis_id"
            )
        elif parent_id == row.get("analysis_id") or parent.get("parent_analysis"):
            yield Finding(
                file,
                line,
                "parent_analysis",
                f"{parent_id} must be an overall analysis (no parent of its own)",
            )
        else:
            for key in ("biomarker", "outcome"):
                if parent.get(key) != row.get(key):
                    yield Finding(
                        file,
                        line,
                        key,
                        f"{row.get(key)} differs from {parent.get(key)} in parent {parent_id}",
                    )


def _criteria(row: dict) -> tuple:
    keys = ("biomarker", "outcome", "timepoints", "comparisons", "models")
    return tuple(row.get(k) for k in keys)


def _check_analysis_mix(analyses: tuple[str, Rows], est: tuple[str, Rows]) -> Iterator[Finding]:
    """Warn when an analysis's qualifying estimates mix time points or exposures (comparison
    families), or when none qualifies. Subgroup analyses with the parent's criteria are skipped."""
    file, rows = analyses
    by_id = {row.get("analysis_id"): row for _, row in rows}
    for line, row in rows:
        parent = by_id.get(row.get("parent_analysis") or None)
        if parent is not None and _criteria(parent) == _criteria(row):
            continue
        hits = [e for _, e in est[1] if qualifies(e, row)]
        if not hits:
            yield Finding(
                file, line, "analysis_id", "no estimate qualifies for this analysis", "warning"
            )
            continue
        timepoints = _group(hits, lambda e: e.get("timepoint", ""))
        families = _group(hits, lambda e: EXPOSURE_FAMILY.get(e.get("comparison", ""), "unknown"))
        for field, groups, what in (
            ("timepoints", timepoints, "time points"),
            ("comparisons", families, "exposures"),
        ):
            if len(groups) > 1:
                detail = "; ".join(f"{k}: {', '.join(v)}" for k, v in groups.items())
                yield Finding(
                    file,
                    line,
                    field,
                    f"{row.get('analysis_id')} pools estimates that mix {what} ({detail})",
                    "warning",
                )


def _check_unknown_direction(
    est: tuple[str, Rows], analyses: tuple[str, Rows]
) -> Iterator[Finding]:
    """An estimate with numbers but an unknown direction that an analysis would pool."""
    file, rows = est
    for line, e in rows:
        if e.get("comparison") != "unknown" or not e.get("hr", "").strip():
            continue
        ids = [a.get("analysis_id", "?") for _, a in analyses[1] if qualifies(e, a)]
        if ids:
            yield Finding(
                file,
                line,
                "comparison",
                f"unknown direction, but the hr qualifies for {', '.join(ids)}: it cannot be "
                "harmonised to high vs low; give the comparison as printed",
                "warning",
            )


def _group(rows: list[dict], key: Callable[[dict], str]) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for row in rows:
        groups.setdefault(key(row), []).append(row.get("estimate_id", "?"))
    return dict(sorted(groups.items()))


def _check_published_links(
    published: tuple[str, Rows], analyses: tuple[str, Rows]
) -> Iterator[Finding]:
    """analysis_id exists; subgroup_level set exactly for subgroup analyses; one row per level."""
    file, rows = published
    by_id = {row.get("analysis_id"): row for _, row in analyses[1]}
    seen: dict[tuple, int] = {}
    for line, row in rows:
        analysis = by_id.get(row.get("analysis_id"))
        level = row.get("subgroup_level", "")
        if analysis is None:
            yield Finding(
                file,
                line,
                "analysis_id",
                f"{_quote(row.get('analysis_id', ''))} is not an analysis_id in {analyses[0]}",
            )
        elif bool(analysis.get("subgroup_variable")) != bool(level):
            need = "needs" if analysis.get("subgroup_variable") else "must not have"
            yield Finding(
                file,
                line,
                "subgroup_level",
                f"analysis {row.get('analysis_id')} {need} a subgroup_level",
            )
        key = (row.get("analysis_id"), level)
        if key in seen:
            yield Finding(
                file,
                line,
                "subgroup_level",
                f"a second result for {key[0]} {level or 'overall'} (first on line {seen[key]})",
            )
        seen.setdefault(key, line)


def _check_candidates(cands: tuple[str, Rows], studies: tuple[str, Rows]) -> Iterator[Finding]:
    """A candidate that is already an included study (same DOI or same title)."""
    file, rows = cands
    dois = {r.get("doi", "").strip().lower(): r.get("study_id") for _, r in studies[1]}
    titles = {_norm(r.get("title", "")): r.get("study_id") for _, r in studies[1]}
    dois.pop("", None)
    titles.pop("", None)
    for line, row in rows:
        match = dois.get(row.get("doi", "").strip().lower()) or titles.get(
            _norm(row.get("title", ""))
        )
        if match:
            yield Finding(
                file,
                line,
                "candidate_id",
                f"already included as {match} in {studies[0]}",
                "warning",
            )


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", text.lower()).split())

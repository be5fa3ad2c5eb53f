"""Add a study from YAML: validate the whole package with it, then append its rows.

Data flow: a contributor's YAML (:mod:`evreg.living.submission`) or issue form
(:mod:`evreg.living.issue_form`) -> rows in the package's column order, the study marked as
added since the review (``in_review`` false, ``added_in_version`` the next minor data
version) -> appended to a copy of the package (and its screening record, if named, marked
included) -> ``evreg.data.validate.validate_package`` on the copy -> only if it has no error,
the same bytes replace the real CSVs (:mod:`evreg.living.files`: temp file + ``os.replace``).
The template is :func:`evreg.data.template.render_template`; the results diff used by
``evreg diff`` and ``evreg release`` lives in ``evreg.living.diff``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evreg.data.scope import ADDED_IN_VERSION, IN_REVIEW
from evreg.data.template import (
    CANDIDATE_KEY,
    ESTIMATES_KEY,
    RISK_OF_BIAS_KEY,
    STUDY_KEY,
    load_descriptor,
    resource,
    schema_fields,
)
from evreg.data.text import clip
from evreg.data.versions import bump_version
from evreg.errors import EvregError
from evreg.living.derivation_block import apply_blocks, split_blocks
from evreg.living.files import (
    appended_bytes,
    copy_package,
    csv_style,
    read_bytes,
    records,
    replace_atomically,
    replace_record,
)
from evreg.living.form_errors import Problem
from evreg.living.journal import recover
from evreg.living.submission import load_submission, risk_of_bias_rows, submission_rows


def descriptor_file(path: str | Path) -> Path:
    """The datapackage.json for ``path`` (the file itself or the directory holding it)."""
    path = Path(path)
    return path / "datapackage.json" if path.is_dir() else path


@dataclass(frozen=True)
class AddStudyResult:
    """What ``add_study`` did: the rows appended, or the findings that stopped it."""

    added: bool
    study_id: str
    estimate_ids: tuple[str, ...]
    errors: tuple[str, ...]
    warnings: tuple[str, ...]
    files: tuple[str, ...]
    added_in_version: str = ""
    problems: tuple[Problem, ...] = ()  # the errors in the submitted rows, with their values

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "study_id": self.study_id,
            "added_in_version": self.added_in_version,
            "estimate_ids": list(self.estimate_ids),
            "errors": list(self.errors),
            "warnings": list(self.warnings),
            "files": list(self.files),
            "problems": [p.to_dict() for p in self.problems],
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


def _next_line(data: bytes) -> int:
    """The line number (header = 1) the first appended row gets in a CSV file."""
    return data.count(b"\n") + (1 if data.endswith(b"\n") or not data else 2)


@dataclass(frozen=True)
class _Change:
    """The new bytes of the package files, and for each file the YAML entry of each changed
    line (to name it in findings)."""

    files: dict[Path, bytes]
    origins: dict[str, tuple[tuple[int, str], ...]]
    study: dict[str, str]
    estimates: list[dict[str, str]]
    derived: bool = False


def _candidate_change(
    root: Path, descriptor: dict, package: Path, candidate: str, study_id: str
) -> tuple[Path, bytes, bytes, int]:
    """candidates.csv with the record ``candidate`` marked included as ``study_id``:
    (path, old bytes, new bytes, the record's line)."""
    path = root / str(resource(descriptor, "candidates", package).get("path"))
    data = read_bytes(path)
    style = csv_style(data, path)
    for first, end, row in records(data):
        if row.get("candidate_id") == candidate:
            row = {**row, "screening_status": "included", "included_as": study_id}
            row["exclusion_reason"] = ""
            return path, data, replace_record(data, style, first, end, row), first
    raise EvregError(f"{CANDIDATE_KEY}: {clip(candidate)} is not a candidate_id in {path.name}")


def _change(
    package: Path, submission: Mapping[str, Any], source: str, files_beside: bool
) -> tuple[_Change, dict]:
    descriptor = load_descriptor(package)
    root = package.parent
    targets = {
        name: root / str(resource(descriptor, name, package).get("path"))
        for name in ("studies", "estimates")
    }
    originals: dict[Path, bytes | None] = {path: read_bytes(path) for path in targets.values()}
    styles = {name: csv_style(originals[path], path) for name, path in targets.items()}
    plain, blocks = split_blocks(submission, ESTIMATES_KEY)
    study, estimates = submission_rows(
        plain, styles["studies"].header, styles["estimates"].header, source
    )
    study[IN_REVIEW] = "false"
    study[ADDED_IN_VERSION] = bump_version(str(descriptor.get("version") or ""), "minor")
    new_rows = {"studies": [study], "estimates": estimates}
    if submission.get(RISK_OF_BIAS_KEY):
        path = root / str(resource(descriptor, RISK_OF_BIAS_KEY, package).get("path"))
        targets[RISK_OF_BIAS_KEY] = path
        originals[path] = read_bytes(path)
        styles[RISK_OF_BIAS_KEY] = csv_style(originals[path], path)
        new_rows[RISK_OF_BIAS_KEY] = risk_of_bias_rows(
            submission,
            styles[RISK_OF_BIAS_KEY].header,
            study.get("study_id", ""),
            study[ADDED_IN_VERSION],
            source,
        )
    files = {
        path: originals[path] + appended_bytes(styles[name], new_rows[name])
        for name, path in targets.items()
    }
    labels = {
        name: [STUDY_KEY] if name == "studies" else [f"{name}[{i + 1}]" for i in range(len(rows))]
        for name, rows in new_rows.items()
    }
    origins = {
        os.path.relpath(path, root).replace(os.sep, "/"): tuple(
            (_next_line(originals[path]) + i, label) for i, label in enumerate(labels[name])
        )
        for name, path in targets.items()
    }
    if blocks:
        base = Path(source).parent if files_beside else None
        _derivations_change(
            package, descriptor, blocks, estimates, (source, base), (files, originals, origins)
        )
        files[targets["estimates"]] = originals[targets["estimates"]] + appended_bytes(
            styles["estimates"], estimates
        )
    if submission.get(CANDIDATE_KEY):
        path, old, new, line = _candidate_change(
            root, descriptor, package, submission[CANDIDATE_KEY], study.get("study_id", "")
        )
        originals[path], files[path] = old, new
        origins[os.path.relpath(path, root).replace(os.sep, "/")] = ((line, CANDIDATE_KEY),)
    return _Change(files, origins, study, estimates, bool(blocks)), originals


def _derivations_change(
    package: Path,
    descriptor: dict,
    blocks: Mapping[int, Any],
    estimates: list[dict[str, str]],
    where: tuple[str, Path | None],
    change: tuple[dict, dict, dict],
) -> None:
    """Derive the estimates that give a derivation block (in place) and add the derivations
    rows and Kaplan-Meier files to ``change`` (files, originals, origins). ``where``: the
    submission's name and the folder its files may be in (None: no files, an issue form)."""
    files, originals, origins = change
    source, base = where
    root = package.parent
    try:
        path = root / str(resource(descriptor, "derivations", package).get("path"))
    except EvregError:
        raise EvregError(
            f"{source}: a derivation needs the package's derivations resource"
        ) from None
    data = read_bytes(path)
    style = csv_style(data, path)
    added = apply_blocks(blocks, estimates, list(style.header), base, source, ESTIMATES_KEY)
    files[path], originals[path] = data + appended_bytes(style, added.rows), data
    rel = os.path.relpath(path, root).replace(os.sep, "/")
    origins[rel] = tuple((_next_line(data) + i, lab) for i, lab in enumerate(added.labels))
    for name, content in added.files.items():
        target = root / name
        files[target], originals[target] = (
            content,
            (target.read_bytes() if target.exists() else None),
        )


def add_study(package: Path, submission_path: Path) -> AddStudyResult:
    """Append a study and its estimates from a YAML file (see :func:`add_submission`)."""
    submission = load_submission(submission_path)
    return add_submission(package, submission, str(submission_path), files_beside=True)


def add_submission(
    package: Path, submission: Mapping[str, Any], source: str, files_beside: bool = False
) -> AddStudyResult:
    """Append an added study and its estimates (and mark its screening record included) if
    the whole package then validates; otherwise change nothing. ``source`` names the
    submission in findings ("(from smith-2026.yaml estimates[1])")."""
    from evreg.data.validate import validate_package

    root = package.parent
    recover(root)  # an interrupted add-study or release is completed or rolled back first
    change, originals = _change(package, submission, source, files_beside)
    origin = {
        (rel, line): f"{source} {label}"
        for rel, entries in change.origins.items()
        for line, label in entries
    }
    refused = _hostile_cells(package, change)
    if refused:  # refused fast: no need to validate the whole package
        errors = tuple(_finding_text(f, root, origin) for f in refused)
        return _result(change, errors, (), _problems(refused, root, change))
    before = {_finding_text(f, root, {}) for f in validate_package(package)}
    with tempfile.TemporaryDirectory(prefix="evreg-add-study-") as tmp:
        copy = copy_package(package, Path(tmp))
        for path, content in change.files.items():
            (copy.parent / path.relative_to(root)).parent.mkdir(parents=True, exist_ok=True)
            (copy.parent / path.relative_to(root)).write_bytes(content)
        if change.derived:
            _check_derived(copy)
        findings = validate_package(copy)
        after = [
            (f.severity, _finding_text(f, copy.parent, {}), _finding_text(f, copy.parent, origin))
            for f in findings
        ]
        problems = _problems(findings, copy.parent, change)
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
    result = _result(change, errors, warnings, problems)
    if result.added:
        for path in change.files:
            path.parent.mkdir(parents=True, exist_ok=True)
        replace_atomically(change.files, originals, root)
    return result


def _result(
    change: _Change,
    errors: tuple[str, ...],
    warnings: tuple[str, ...],
    problems: tuple[Problem, ...],
) -> AddStudyResult:
    return AddStudyResult(
        added=not errors,
        study_id=change.study.get("study_id", ""),
        estimate_ids=tuple(r.get("estimate_id", "") for r in change.estimates),
        errors=errors,
        warnings=warnings,
        files=tuple(sorted(change.origins)),
        added_in_version=change.study.get(ADDED_IN_VERSION, ""),
        problems=problems,
    )


def _hostile_cells(package: Path, change: _Change) -> list[Any]:
    """The new rows' cells checked first by the validation's own cell rules
    (:func:`evreg.data.validate.cells.check_cells`: invisible characters, formula starts,
    size), so that such a submission is refused without validating the whole package."""
    from evreg.data.validate.cells import check_cells

    descriptor = load_descriptor(package)
    findings = []
    for name, rows in (("studies", [change.study]), ("estimates", change.estimates)):
        rel = str(resource(descriptor, name, package).get("path"))
        lines = [line for line, _ in change.origins.get(rel, ())]
        schema = {"fields": schema_fields(package.parent, resource(descriptor, name, package))}
        findings += check_cells((rel, list(zip(lines, rows, strict=False))), schema)
    return findings


def _check_derived(copy: Path) -> None:
    """The build's own check on the changed copy: every derivation gives its estimate's
    numbers (a bad Kaplan-Meier file stops here, naming it)."""
    from evreg.data.package import PackageError, load_package
    from evreg.review.derived import derive_package

    try:
        derive_package(load_package(copy))
    except PackageError:
        return  # validate_package reports it, naming file, line and field


def _problems(findings: Any, root: Path, change: _Change) -> tuple[Problem, ...]:
    """The errors found in the submitted rows, each with the entry it came from and the value
    given (for messages in the issue form's language)."""
    submitted = {STUDY_KEY: change.study}
    submitted.update((f"{ESTIMATES_KEY}[{i}]", e) for i, e in enumerate(change.estimates, 1))
    rows = {
        (rel, line): (label, submitted.get(label, {}))
        for rel, entries in change.origins.items()
        for line, label in entries
    }
    prefix = str(root) + os.sep
    out = []
    for f in findings:
        rel = str(f.file).replace(prefix, "")
        if f.severity != "error" or (rel, f.row or 0) not in rows:
            continue
        label, row = rows[(rel, f.row or 0)]
        value = str(row.get(f.field or "", "") or "")
        out.append(Problem(rel, f.row, f.field, f.message, label, value))
    return tuple(out)


def candidate_template(package: Path, candidate_id: str) -> str:
    """The add-study template pre-filled from the screening record ``candidate_id``; a clear
    error if there is none or it is not awaiting assessment."""
    from evreg.data.package import load_package
    from evreg.data.template import render_template

    loaded = load_package(package)
    lines = dict(zip(loaded.row_lines["candidates"], loaded.raw_tables["candidates"], strict=True))
    for line, row in lines.items():
        if row.get("candidate_id") != candidate_id:
            continue
        if row.get("screening_status") not in ("awaiting", ""):
            where = f"{loaded.resource_path('candidates')}:{line}:screening_status"
            raise EvregError(
                f"{where}: {candidate_id} is {row.get('screening_status')}, not awaiting: "
                "only a record awaiting assessment becomes a new study"
            )
        return render_template(package, row)
    known = ", ".join(sorted(r.get("candidate_id", "") for r in lines.values())) or "none"
    raise EvregError(
        f"{loaded.resource_path('candidates')}: no screening record {clip(candidate_id)} "
        f"(records: {known})"
    )

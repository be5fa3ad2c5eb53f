"""Add a study from YAML: validate the whole package with it, then append its rows.

Data flow: a contributor's YAML (:mod:`evreg.living.submission`) -> rows in the package's column
order -> appended to a copy of the package -> ``evreg.data.validate.validate_package`` on the
copy -> only if it has no error, the same bytes replace the real CSVs (:mod:`evreg.living.files`:
temp file + ``os.replace``). The template is :func:`evreg.data.template.render_template`; the
results diff used by ``evreg diff`` and ``evreg release`` lives in ``evreg.living.diff``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evreg.data.template import ESTIMATES_KEY, STUDY_KEY, load_descriptor, resource
from evreg.living.files import (
    appended_bytes,
    copy_package,
    csv_style,
    read_bytes,
    replace_atomically,
)
from evreg.living.submission import load_submission, submission_rows


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

    descriptor = load_descriptor(package)
    root = package.parent
    submission = load_submission(submission_path)
    targets = {
        name: root / str(resource(descriptor, name, package).get("path"))
        for name in ("studies", "estimates")
    }
    originals = {path: read_bytes(path) for path in targets.values()}
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

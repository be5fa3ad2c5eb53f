"""`evreg validate`'s checks via frictionless (types, enums, required cells, keys, patterns,
ranges), of the descriptor and the Table Schemas, of every cell as text and of the CSV's shape,
each on a minimal broken copy of the synthetic package, asserted by code, file, line and field."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fixtures.breakage import read_rows, set_cell, write_rows
from fixtures.validate_cases import (
    EST,
    STU,
    Case,
    Where,
    cell,
    descriptor,
    edit_json,
    est,
    reported,
)

from evreg.data.text import MAX_CELL_CHARS
from evreg.data.validate.finding import MAX_FINDINGS_PER_FILE


def _schema(name: str, change: Callable[[dict], object], field: str | None, code: str) -> Case:
    def case(pkg: Path) -> Where:
        edit_json(pkg, f"schemas/{name}.json", change)
        return f"schemas/{name}.json", None, field, code

    return case


def _field(schema: dict, name: str) -> dict:
    return next(f for f in schema["fields"] if f["name"] == name)


def _schema_without_hr(pkg: Path) -> Where:
    edit_json(pkg, "schemas/estimates.json", lambda s: s["fields"].remove(_field(s, "hr")))
    rows = read_rows(pkg, "estimates")
    col = rows[0].index("hr")
    write_rows(pkg, "estimates", [r[:col] + r[col + 1 :] for r in rows])
    return "schemas/estimates.json", None, "hr", "schema-field-missing"


def _unique_author(pkg: Path) -> Where:
    edit_json(
        pkg,
        "schemas/studies.json",
        lambda s: _field(s, "first_author")["constraints"].update(unique=True),
    )
    line = set_cell(pkg, "studies", "beta-2021", "first_author", "Alpha A")
    return STU, line, "first_author", "unique-error"


def _key_not_marked_unique(pkg: Path) -> Where:
    """The schemas mark each key field unique too (frictionless then says unique-error); a
    primary key alone gives primary-key."""
    edit_json(
        pkg,
        "schemas/estimates.json",
        lambda s: _field(s, "estimate_id")["constraints"].pop("unique"),
    )
    line = set_cell(pkg, "estimates", "alpha-2020-il6-os", "estimate_id", "alpha-2020-il6-pfs")
    return EST, line, "estimate_id", "primary-key"


def _rows(change: Callable[[list[list[str]]], int | None], code: str) -> Case:
    """Rewrite estimates.csv's rows; ``change`` returns the line of the finding."""

    def case(pkg: Path) -> Where:
        rows = read_rows(pkg, "estimates")
        line = change(rows)
        write_rows(pkg, "estimates", rows)
        return EST, line, None, code

    return case


def _blank(rows: list[list[str]]) -> int:
    rows.insert(2, [])
    return 3


def _short(rows: list[list[str]]) -> int:
    rows.append(rows[1][:3])
    return len(rows)


def _long(rows: list[list[str]]) -> int:
    rows.append([*rows[1], "x"])
    return len(rows)


def _too_many(code: str) -> Case:
    """Past MAX_FINDINGS_PER_FILE a file's cross-checks are skipped and the rest counted."""

    def case(pkg: Path) -> Where:
        rows = read_rows(pkg, "estimates")
        col = rows[0].index("hr")
        bad = [[f"e-{i}", *rows[1][1:]] for i in range(MAX_FINDINGS_PER_FILE + 1)]
        for row in bad:
            row[col] = "abc"
        write_rows(pkg, "estimates", [*rows, *bad])
        return EST, None, None, code

    return case


def _header_differs(rows: list[list[str]]) -> int:
    rows[0][-1] = "remarks"  # one column missing, one unexpected
    return 1


def _repeat(d: dict) -> None:
    d["resources"].append(dict(d["resources"][0]))


CASES: dict[str, Case] = {
    # frictionless: types, enums, required, keys, patterns, ranges
    "enum": est("alpha-2020-il6-pfs", "outcome", "DFS", "constraint-enum"),
    "type number": est("alpha-2020-il6-pfs", "hr", "abc", "type-error"),
    "type boolean": cell("studies", "alpha-2020", "hbv_all_patients", "yes", "type-error"),
    "required": est("alpha-2020-il6-pfs", "status", "", "constraint-required"),
    "duplicate primary key": est(
        "alpha-2020-il6-os", "estimate_id", "alpha-2020-il6-pfs", "unique-error"
    ),
    "duplicate primary key not marked unique": _key_not_marked_unique,
    "duplicate unique value": _unique_author,
    "pattern": est("alpha-2020-il6-pfs", "source_url", "ftp://x", "constraint-pattern"),
    "maximum": cell("studies", "alpha-2020", "nos_score", "10", "constraint-maximum"),
    "minimum": cell("studies", "alpha-2020", "nos_score", "-1", "constraint-minimum"),
    "longer than the schema allows": cell(
        "studies", "alpha-2020", "title", "x" * 600, "constraint-error"
    ),
    # every cell as text
    "formula": cell("studies", "alpha-2020", "title", "=cmd()", "cell-formula"),
    "invisible character": cell(
        "studies", "alpha-2020", "title", "a\u200bb", "cell-invisible-character"
    ),
    "cell longer than evreg reads": cell(
        "estimates", "alpha-2020-il6-pfs", "notes", "x" * (MAX_CELL_CHARS + 1), "cell-too-long"
    ),
    # the CSV's shape, and a file the loader cannot read
    "blank line": _rows(_blank, "blank-row"),
    "short row": _rows(_short, "missing-cell"),
    "long row": _rows(_long, "extra-cell"),
    "too many findings": _too_many("too-many-findings"),
    "findings past the cap": _too_many("more-findings"),
    "header neither the schema's nor in its order": _rows(_header_differs, "columns-differ"),
    # descriptor and schemas
    "schema lacks a needed field": _schema_without_hr,
    "schema mistypes a needed field": _schema(
        "estimates", lambda s: _field(s, "hr").update(type="string"), "hr", "schema-field-type"
    ),
    "schema invalid": _schema(
        "studies", lambda s: s["fields"][2].update(type="wat"), None, "field-error"
    ),
    "schema's key names no field": _schema(
        "studies", lambda s: s.update(primaryKey=["nope"]), None, "schema-error"
    ),
    "version not semver": descriptor(
        lambda d: d.update(version="1.0"), "version", "version-not-semantic"
    ),
    "created not ISO": descriptor(
        lambda d: d.update(created="yesterday"), "created", "created-not-iso"
    ),
    "licenses missing": descriptor(
        lambda d: d.pop("licenses"), "licenses", "descriptor-property-missing"
    ),
    "remote profile": descriptor(
        lambda d: d.update(profile="http://127.0.0.1:9/profile.json"), "profile", "profile-remote"
    ),
    "unknown resource": descriptor(
        lambda d: d["resources"].append({"name": "notes", "path": "data/notes.csv"}),
        "resources",
        "resource-unknown",
    ),
    "resource listed twice": descriptor(_repeat, "resources", "resource-repeated"),
    "unsafe package name": descriptor(lambda d: d.update(name="Bad/Name"), "name", "name-unsafe"),
    "package name frictionless refuses": descriptor(
        lambda d: d.update(name="Bad/Name"), None, "package-error"
    ),
    "resource property of the wrong type": descriptor(
        lambda d: d["resources"][0].update(bytes="many"), None, "resource-error"
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_check_reports_broken_copy(name: str, package_copy: Path) -> None:
    reported(CASES[name], package_copy)

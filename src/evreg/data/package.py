"""Load the evidence data package: datapackage.json, its Table Schemas and CSVs.

The loader is strict and fast (stdlib ``csv`` + ``json``, no frictionless): it reads every
resource, checks the file is UTF-8 CSV text whose header matches its schema, casts cells by the
schema's field types (Frictionless Table Schema v1: integer, number, boolean, string) and raises
:class:`PackageError` naming file, line and field on the first problem. Reading the files is
:mod:`evreg.data.reading` (its names are importable from here too); domain checks live in
:mod:`evreg.data.validate`; ``load_package`` does not run them.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

from evreg.data.history import Unreleased, shown_version, unreleased, version_slug
from evreg.data.reading import (
    DELIMITERS,
    DESCRIPTOR_NAME,
    PackageError,
    RawTable,
    cast,
    descriptor_path,
    inside,
    location,
    read_descriptor,
    read_schema,
    read_table,
    safe_relative,
    typed_rows,
)

# The reading names stay importable from evreg.data.package, where most modules look for them.
__all__ = [
    "DELIMITERS",
    "DERIVATION_METHOD",
    "DESCRIPTOR_NAME",
    "FIELD_TYPES",
    "KNOWN_RESOURCE_NAMES",
    "OPTIONAL_RESOURCE_NAMES",
    "REQUIRED_FIELDS",
    "RESOURCE_NAMES",
    "SAFE_NAME",
    "Package",
    "PackageError",
    "RawTable",
    "cast",
    "descriptor_path",
    "find_resource",
    "inside",
    "load_package",
    "location",
    "mark_derived",
    "package_resources",
    "qualifies",
    "qualifying_estimates",
    "read_descriptor",
    "read_schema",
    "read_table",
    "safe_relative",
    "schema_problems",
    "split_list",
    "typed_rows",
    "with_release_status",
]

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


def schema_problems(name: str, schema: dict) -> list[tuple[str, str, dict[str, str]]]:
    """(field, code, values) for each field evreg needs that the schema lacks or mistypes
    (messages: evreg.data.reading.READ_PROBLEMS)."""
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


def package_resources(descriptor: dict) -> tuple[str, ...]:
    """The resources to read: every required one, and each optional one the package lists."""
    listed = {r.get("name") for r in descriptor.get("resources", [])}
    return RESOURCE_NAMES + tuple(n for n in OPTIONAL_RESOURCE_NAMES if n in listed)


def find_resource(descriptor: dict, name: str) -> dict:
    """The resource called ``name``; PackageError if absent."""
    for res in descriptor.get("resources", []):
        if res.get("name") == name:
            return res
    raise PackageError.coded("resource-missing", DESCRIPTOR_NAME, field="resources", name=name)


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
            raise PackageError.coded(code, label, field=field, **values)
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

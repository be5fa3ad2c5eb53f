"""Checks of the ``derivations`` resource: each row gives what its method needs, names an
estimate whose status is derived, and every derived estimate has its row. Whether the inputs
give a hazard ratio (p in (0, 1), events > 0, curves that fall...) and whether the estimate's
numbers are the derived ones is checked by the review stage, with the formulas
(:mod:`evreg.review.derived`); the Kaplan-Meier files too."""

from __future__ import annotations

from collections.abc import Iterator

from evreg.data.validate.finding import Finding, Rows, quote, register

TEMPLATES = register(
    {
        "derivation-input-missing": "empty, but method {method} needs {inputs}",
        "derivation-p-and-chisq": "give the log-rank p or its chi-squared, not both",
        "derivation-input-unused": "{value} given, but method {method} does not use {name}",
        "derivation-of-underived": (
            "{value} has status {status} in {estimates}; a derived estimate has status derived"
        ),
        "derivation-missing": "derived, but {derivations} has no row for {value}: give the inputs",
    }
)

# Inputs each method needs (one of a tuple's names at least), and the inputs it may take.
NEEDS: dict[str, tuple[tuple[str, ...], ...]] = {
    "logrank": (("p", "chisq"), ("events",), ("worse",)),
    "oe": (("o_minus_e",), ("variance",)),
    "ci": (("hr",), ("ci_lower",), ("ci_upper",)),
    "p": (("hr",), ("p",)),
    "km": (("reference",),),
}
TAKES: dict[str, tuple[str, ...]] = {
    "logrank": ("p", "chisq", "events", "ratio", "worse"),
    "oe": ("o_minus_e", "variance", "worse"),
    "ci": ("hr", "ci_lower", "ci_upper"),
    "p": ("hr", "p"),
    "km": ("reference", "events_by_group"),
}
INPUTS = tuple(dict.fromkeys(name for names in TAKES.values() for name in names))


def check_derivation_inputs(file_rows: tuple[str, Rows]) -> Iterator[Finding]:
    """Each row gives the inputs its method needs and no input of another method."""
    file, rows = file_rows
    for line, row in rows:
        method = row.get("method", "")
        if method not in NEEDS:
            continue  # the schema's enum reports it
        for names in NEEDS[method]:
            if not any(row.get(n, "").strip() for n in names):
                yield Finding.coded(
                    "derivation-input-missing",
                    file,
                    line,
                    names[0],
                    method=method,
                    inputs=" or ".join(names),
                )
        if method == "logrank" and all(row.get(n, "").strip() for n in ("p", "chisq")):
            yield Finding.coded("derivation-p-and-chisq", file, line, "chisq")
        for name in INPUTS:
            if row.get(name, "").strip() and name not in TAKES[method]:
                yield Finding.coded(
                    "derivation-input-unused",
                    file,
                    line,
                    name,
                    value=quote(row[name]),
                    method=method,
                    name=name,
                )


def check_derivation_links(
    derivations: tuple[str, Rows], estimates: tuple[str, Rows]
) -> Iterator[Finding]:
    """Each derivation names an estimate with status derived; each derived estimate has one."""
    file, rows = derivations
    status = {row.get("estimate_id"): row.get("status") for _, row in estimates[1]}
    derived = {row.get("estimate_id") for _, row in rows}
    for line, row in rows:
        eid = row.get("estimate_id", "")
        if eid not in status:
            yield Finding.coded(
                "unknown-estimate",
                file,
                line,
                "estimate_id",
                value=quote(eid),
                estimates=estimates[0],
            )
        elif status[eid] != "derived":
            yield Finding.coded(
                "derivation-of-underived",
                file,
                line,
                "estimate_id",
                value=eid,
                status=status[eid],
                estimates=estimates[0],
            )
    for line, row in estimates[1]:
        if row.get("status") == "derived" and row.get("estimate_id") not in derived:
            yield Finding.coded(
                "derivation-missing",
                estimates[0],
                line,
                "status",
                derivations=file,
                value=row.get("estimate_id"),
            )

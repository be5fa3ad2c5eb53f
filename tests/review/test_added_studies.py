"""The source review's studies and the studies added since, kept apart: the counts of each
analysis, its two pooled results, the audit and reproduction (the review's studies only) and
the screening counts of the PRISMA flow. Packages are built by the tests (fixtures.synthetic);
expected numbers come from the engine run on the rows the test chooses."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from fixtures.synthetic import (
    CANDIDATES,
    ESTIMATES,
    STUDIES,
    added_rows,
    write_package,
)

from evreg import stats
from evreg.data.package import load_package
from evreg.review import audit
from evreg.review.plan import run_plan
from evreg.review.results import results_rows
from evreg.review.screening import screening_counts


def _one_review_one_added(dest: Path) -> Path:
    """SII PFS: gamma-2022 (the review's) with data, delta-2023 (the review's) not found, and
    the added omega-2026 with data: 1 review study + 1 added."""
    estimates = [dict(e) for e in ESTIMATES]
    delta = next(e for e in estimates if e["estimate_id"] == "delta-2023-sii-pfs")
    for field in ("hr", "ci_lower", "ci_upper", "ci_level", "p_as_printed", "source_location"):
        delta[field] = ""
    delta["status"] = "not_found"
    study, added = added_rows()
    return write_package(dest, {"studies": [*STUDIES, study], "estimates": [*estimates, *added]})


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    package = load_package(_one_review_one_added(tmp_path_factory.mktemp("mixed") / "pkg"))
    return package, run_plan(package)


def _pool(rows: list[dict], method: str):
    y, se = stats.ci_to_se(
        [float(r["hr"]) for r in rows],
        [float(r["ci_lower"]) for r in rows],
        [float(r["ci_upper"]) for r in rows],
    )
    return stats.pool(y, se, method)


def _rows(package, *ids: str) -> list[dict]:
    return [e for e in package.raw_tables["estimates"] if e["estimate_id"] in ids]


def test_counts_are_split(mixed) -> None:
    _, results = mixed
    a = results.get("sii-pfs")
    assert (a.k_in_review, a.k_review_with_data, a.k_added_with_data, a.k_with_data) == (
        2,
        1,
        1,
        2,
    )
    assert {u.estimate_id: u.in_review for u in a.used} == {
        "gamma-2022-sii-pfs": True,
        "omega-2026-sii-pfs": False,
    }
    added = next(u for u in a.used if not u.in_review)
    assert added.added_in_version == "1.1.0" and added.label.endswith("(added)")
    assert {p.estimate_id: p.in_review for p in a.pending} == {"delta-2023-sii-pfs": True}


def test_two_pooled_views(mixed) -> None:
    package, results = mixed
    a = results.get("sii-pfs")
    both = _pool(_rows(package, "gamma-2022-sii-pfs", "omega-2026-sii-pfs"), "FE")
    assert a.all_view.k == 2 and a.fixed.estimate == pytest.approx(both.estimate, rel=1e-12)
    review = a.review_view
    assert review.studies == "review" and review.k == 1
    assert review.estimate_ids == ("gamma-2022-sii-pfs",)
    only = _pool(_rows(package, "gamma-2022-sii-pfs"), "FE")
    assert review.fixed.estimate == pytest.approx(only.estimate, rel=1e-12)
    assert review.primary == "fixed" and "k = 1" in review.rule.reason
    # the subgroup analysis has both views too
    sub = results.get("sii-pfs-hbv")
    assert set(sub.review_view.subgroups.levels) == {"true"}
    assert set(sub.subgroups.levels) == {"true", "false"}


def test_results_json_and_csv_keep_one_shape(mixed, tmp_path: Path) -> None:
    _, results = mixed
    data = json.loads(json.dumps(results.to_dict(), allow_nan=False))
    for a in data["analyses"]:
        assert a["k_with_data"] == a["k_review_with_data"] + a["k_added_with_data"]
        assert all("in_review" in u for u in a["used"])
        assert a["review_studies"]["studies"] == "review"
    plain = run_plan(load_package(write_package(tmp_path / "plain")))
    shape = json.loads(json.dumps(plain.to_dict()))
    assert [sorted(a) for a in shape["analyses"]] == [sorted(a) for a in data["analyses"]]
    rows = results_rows(results)
    review = {(r["analysis_id"], r["model"]) for r in rows if r["studies"] == "review"}
    assert ("sii-pfs", "fixed") in review and ("sii-os", "fixed") not in review


def test_reproduction_and_audit_use_the_review_studies_only(mixed) -> None:
    package, _ = mixed
    reproduction = {r.result_id: r for r in audit.reproduce(package)}
    sii = reproduction["sii-pfs"]
    assert sii.used == ("gamma-2022-sii-pfs",) and sii.k_available == 1
    assert sii.verdict == "cannot be reproduced yet"
    findings = audit.audit_package(package)
    assert not any("omega-2026" in f"{f.study_id} {f.message}" for f in findings)
    totals = [f for f in findings if f.check == "totals_vs_abstract"]
    assert totals == [], "the review's 4 studies and 390 patients, as it reports"


def test_an_added_study_never_becomes_the_review_s(tmp_path: Path) -> None:
    """Without any added study the two views are one: same numbers, same JSON shape."""
    package = load_package(write_package(tmp_path / "pkg"))
    for a in run_plan(package).analyses:
        assert a.k_added_with_data == 0
        view = a.review_view
        assert view.k == a.k_with_data and view.primary == a.primary
        if a.fixed is not None:
            assert view.fixed == a.fixed and view.random == a.random


def _counts(dest: Path, candidates: list[dict], studies: list[dict]) -> object:
    return screening_counts(
        load_package(write_package(dest, {"candidates": candidates, "studies": studies}))
    )


def test_prisma_counts_of_an_updated_review(tmp_path: Path) -> None:
    study, _ = added_rows()
    direct, _ = added_rows({"study_id": "psi-2026", "first_author": "Psi P"})
    records = [
        *CANDIDATES,
        {**CANDIDATES[0], "candidate_id": "omega-2026", "title": "omega's record"}
        | {"screening_status": "included", "included_as": "omega-2026"},
        {**CANDIDATES[1], "candidate_id": "theta-2025", "exclusion_reason": "not ICI"},
        {**CANDIDATES[1], "candidate_id": "iota-2025", "exclusion_reason": "duplicate cohort"},
    ]
    c = _counts(tmp_path / "pkg", records, [*STUDIES, study, direct])
    assert c.review_studies == 4 and c.review_reported == 4 and c.review_records == 40
    assert (c.records, c.contributed, c.identified) == (5, 1, 6)
    assert (c.awaiting, c.assessed, c.excluded) == (1, 5, 3)
    assert c.reasons == (("not ICI", 2), ("duplicate cohort", 1))
    assert (c.new_studies, c.total) == (2, 6)
    assert c.assessed == c.excluded + c.new_studies


def test_prisma_counts_without_screening(tmp_path: Path) -> None:
    c = _counts(tmp_path / "pkg", [], STUDIES)
    assert (c.identified, c.awaiting, c.assessed, c.excluded, c.new_studies) == (0, 0, 0, 0, 0)
    assert c.total == c.review_studies == len(STUDIES) and c.with_data is None
    assert screening_counts(load_package(tmp_path / "pkg"), ["alpha-2020", "nobody"]).pending == 3


def test_estimates_of_an_added_study_are_weighted_like_any_other(mixed) -> None:
    """The living answer pools every eligible study with the same inverse-variance weights."""
    _, results = mixed
    a = results.get("sii-pfs")
    w = np.array([u.weight_fixed for u in a.used])
    inv = np.array([1 / u.se**2 for u in a.used])
    assert w == pytest.approx(100 * inv / inv.sum(), rel=1e-9)

"""Certainty through the data package: reviewers' rows override a computed domain (and the
level moves with it), published results are rated from their printed numbers and the study
table, and the audit's errors become reasons for concern. Packages are built by the tests
(fixtures.synthetic); the shipped package is only checked against itself."""

from __future__ import annotations

import json
from pathlib import Path

from fixtures.breakage import read_rows, set_cell, write_rows

from evreg.data.formats import fmt_interval
from evreg.data.package import load_package
from evreg.review.audit import audit_package
from evreg.review.certainty import DOMAINS, LEVELS
from evreg.review.plan import run_plan

HEADER = ["analysis_id", "domain", "judgement", "reason", "assessed_by"]
STEP = {"not serious": 0, "serious": 1, "very serious": 2, "not assessable": 0}


def _rated(pkg: Path, analysis_id: str):
    return run_plan(load_package(pkg)).get(analysis_id)


def test_a_reviewer_row_changes_the_domain_and_the_level(package_copy: Path) -> None:
    """Whichever domain the computation rates down, a reviewer who judges it not serious
    lifts the level by as many levels, and the computed judgement stays beside theirs."""
    before = _rated(package_copy, "il6-pfs").certainty
    domain = next(d for d in DOMAINS if STEP[before.domains[d].judgement])
    computed = before.domains[domain]
    reason = "Two cohorts with complete follow-up; the pooled CI is narrow enough."
    write_rows(
        package_copy,
        "certainty",
        [HEADER, ["il6-pfs", domain, "not serious", reason, "A Reviewer"]],
    )
    after = _rated(package_copy, "il6-pfs").certainty
    j = after.domains[domain]
    assert (j.judgement, j.reason, j.source, j.assessed_by) == (
        "not serious",
        reason,
        "reviewer",
        "A Reviewer",
    )
    assert (j.computed, j.computed_reason) == (computed.judgement, computed.reason)
    raw = len(LEVELS) - before.rated_down + before.rated_up + STEP[computed.judgement]
    assert after.level == LEVELS[min(raw, len(LEVELS)) - 1]
    assert after.rated_down == before.rated_down - STEP[computed.judgement]
    others = [d for d in DOMAINS if d != domain]
    assert all(after.domains[d] == before.domains[d] for d in others)
    # a row for another analysis leaves this one alone
    write_rows(package_copy, "certainty", [HEADER, ["il6-os", domain, "serious", "r", "A"]])
    assert _rated(package_copy, "il6-pfs").certainty == before


def test_a_reviewer_can_rate_down_a_domain_the_data_do_not(package_copy: Path) -> None:
    before = _rated(package_copy, "il6-pfs").certainty
    domain = next(d for d in DOMAINS if before.domains[d].judgement == "not serious")
    write_rows(
        package_copy,
        "certainty",
        [HEADER, ["il6-pfs", domain, "very serious", "Cut-offs differ tenfold.", "A B"]],
    )
    after = _rated(package_copy, "il6-pfs").certainty
    assert after.domains[domain].source == "reviewer"
    assert after.rated_down == before.rated_down + 2
    assert LEVELS.index(after.level) == max(0, LEVELS.index(before.level) - 2)


def test_published_results_are_rated_from_their_printed_numbers(package_copy: Path) -> None:
    """Each published entry carries its own certainty; its reasons quote what was printed."""
    a = _rated(package_copy, "il6-os")
    (pub,) = a.published
    c = pub["certainty"]
    assert c.level in LEVELS
    ci = f"CI {fmt_interval(pub['ci_lower'], pub['ci_upper'])}"
    assert c.domains["imprecision"].reason.startswith(ci)
    set_cell(package_copy, "published_results", "il6-os", "ci_lower", "0.95")
    set_cell(package_copy, "published_results", "il6-os", "hr", "1.52")
    (pub,) = _rated(package_copy, "il6-os").published
    assert "CI [0.95, 2.72] includes 1" in pub["certainty"].domains["imprecision"].reason


def test_an_audit_error_on_a_published_result_is_a_reason_for_concern(
    package_copy: Path,
) -> None:
    (pub,) = _rated(package_copy, "il6-pfs").published
    before = pub["certainty"]
    assert before.domains["inconsistency"].judgement == "not serious"
    # I2 40% with k = 2 implies Q p about 0.20, not the printed 0.55: an audit error
    set_cell(package_copy, "published_results", "il6-pfs", "i2_percent", "40")
    errors = [
        f
        for f in audit_package(load_package(package_copy))
        if f.check == "q_p_vs_i2" and f.analysis == "il6-pfs"
    ]
    assert [f.severity for f in errors] == ["error"]
    (pub,) = _rated(package_copy, "il6-pfs").published
    j = pub["certainty"].domains["inconsistency"]
    assert j.judgement == "serious"
    assert "printed I² 40% (≤ 50%)" in j.reason and "audit, q p vs i2" in j.reason
    assert pub["certainty"].rated_down == before.rated_down + 1


def test_results_json_carries_certainty_per_analysis_and_per_published_entry(
    package_copy: Path,
) -> None:
    results = json.loads(json.dumps(run_plan(load_package(package_copy)).to_dict()))
    for a in results["analyses"]:
        c = a["certainty"]
        assert c["level"] in (*LEVELS, "no evidence")
        assert set(c["domains"]) == set(DOMAINS)
        assert set(c["upgrades"]) == {"large_effect", "dose_response"}
        for j in (*c["domains"].values(), *c["upgrades"].values()):
            assert set(j) >= {"judgement", "reason", "source"} and j["reason"]
            assert j["source"] == "computed"
        assert (c["level"] == "no evidence") == (a["k_with_data"] == 0)
        assert all(p["certainty"]["level"] in LEVELS for p in a["published"])


def test_the_shipped_package_is_rated_with_a_reason_for_every_judgement(root: Path) -> None:
    """Derived from the data alone: whatever the shipped package holds."""
    package = load_package(root)
    results = run_plan(package)
    reviewed = {(r["analysis_id"], r["domain"]) for r in package.certainty}
    for a in results.analyses:
        rated = [a.certainty] + [p["certainty"] for p in a.published]
        for c in rated:
            assert c.level in (*LEVELS, "no evidence")
            assert all(j.reason for j in (*c.domains.values(), *c.upgrades.values()))
        for d, j in a.certainty.domains.items():
            assert (j.source == "reviewer") == ((a.analysis_id, d) in reviewed)
        assert (a.certainty.level == "no evidence") == (a.primary_result is None)
    assert read_rows(root, "certainty")[0] == HEADER


def test_an_added_study_counts_with_its_confirmed_n_and_the_sum_of_its_nos_domains(
    tmp_path: Path,
) -> None:
    """An added study has no review-only N or NOS total: the rating reads N as the primary
    source confirms it and the contributor's three NOS domains."""
    from fixtures.synthetic import ADDED_STUDY, with_added_study

    from evreg.review.certainty import analysis_evidence

    package = load_package(with_added_study(tmp_path / "pkg"))
    results = run_plan(package)
    studies = {s["study_id"]: s for s in package.studies}
    estimates = {e["estimate_id"]: e for e in package.estimates}
    plan = {a["analysis_id"]: a for a in package.analyses}
    sid = ADDED_STUDY["study_id"]
    rated = [a for a in results.analyses if any(u.study_id == sid for u in a.used)]
    assert rated, "the added study has a usable estimate"
    domains = sum(
        int(ADDED_STUDY[k]) for k in ("nos_selection", "nos_comparability", "nos_outcome")
    )
    for a in rated:
        ev = analysis_evidence(a, studies, estimates, plan[a.analysis_id])
        (added,) = [s for s in ev.studies if s.study_id == sid]
        assert (added.n, added.nos) == (int(ADDED_STUDY["n_confirmed"]), domains)
        assert "N unknown" not in a.certainty.domains["imprecision"].reason

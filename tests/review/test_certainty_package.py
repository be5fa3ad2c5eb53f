"""Certainty through the data package: reviewers' rows override a computed domain (and the
level moves with it), published results are rated from their printed numbers and the study
table, the audit's findings give a separate reliability verdict, and known missing results
rate the evidence down. Packages are built by the tests (fixtures.synthetic); the shipped
package is only checked against itself."""

from __future__ import annotations

import json
from pathlib import Path

from fixtures.breakage import read_rows, set_cell, write_rows
from fixtures.synthetic import CERTAINTY_HEADER

from evreg.data.formats import fmt_interval
from evreg.data.package import load_package
from evreg.review.audit import CHECK_LABELS, audit_package
from evreg.review.certainty import DOMAINS, LEVELS
from evreg.review.plan import run_plan

HEADER = CERTAINTY_HEADER
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
        [HEADER, ["il6-pfs", domain, "not serious", reason, "A Reviewer", "", "", ""]],
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
    write_rows(
        package_copy, "certainty", [HEADER, ["il6-os", domain, "serious", "r", "A", "", "", ""]]
    )
    assert _rated(package_copy, "il6-pfs").certainty == before


def test_a_reviewer_can_rate_down_a_domain_the_data_do_not(package_copy: Path) -> None:
    before = _rated(package_copy, "il6-pfs").certainty
    domain = next(d for d in DOMAINS if before.domains[d].judgement == "not serious")
    write_rows(
        package_copy,
        "certainty",
        [
            HEADER,
            ["il6-pfs", domain, "very serious", "Cut-offs differ tenfold.", "A B", "", "", ""],
        ],
    )
    after = _rated(package_copy, "il6-pfs").certainty
    assert after.domains[domain].source == "reviewer"
    assert after.rated_down == before.rated_down + 2
    assert LEVELS.index(after.level) == max(0, LEVELS.index(before.level) - 2)


def test_a_reviewer_row_rating_up_is_applied(package_copy: Path) -> None:
    """A reviewer's dose-response gradient (one level) and very large association (two
    levels) reach the rating as the reviewer's, with the computed judgement kept beside
    theirs: counted (the level moves by as many levels) or, where the evidence is not
    rigorous enough to rate up, shown as not applied and why."""
    before = {a: _rated(package_copy, a).certainty for a in ("il6-pfs", "il6-os")}
    blank = [""] * (len(HEADER) - 5)
    write_rows(
        package_copy,
        "certainty",
        [
            HEADER,
            ["il6-pfs", "dose_response", "present", "HRs rise across tertiles.", "A Reviewer"]
            + blank,
            ["il6-os", "large_effect", "very large", "HR 6 in both cohorts.", "A Reviewer"] + blank,
        ],
    )
    for analysis, upgrade, judgement, up in (
        ("il6-pfs", "dose_response", "present", 1),
        ("il6-os", "large_effect", "very large", 2),
    ):
        old, new = before[analysis], _rated(package_copy, analysis).certainty
        j = new.upgrades[upgrade]
        assert (j.source, j.assessed_by) == ("reviewer", "A Reviewer")
        assert j.computed == old.upgrades[upgrade].judgement
        assert new.rated_down == old.rated_down
        if j.judgement == judgement:
            assert new.rated_up == old.rated_up + up
        else:
            assert j.judgement == "none" and f"reviewer's '{judgement}' not applied" in j.reason
            assert new.rated_up == old.rated_up and new.level == old.level


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


def test_an_audit_error_is_a_reliability_concern_not_a_grade_domain(
    package_copy: Path,
) -> None:
    (pub,) = _rated(package_copy, "il6-os").published
    before = pub["certainty"]
    assert pub["reliability"].verdict == "reliable as printed"
    # I2 40% with k = 2 implies Q p about 0.20, not a printed 0.55: an audit error
    set_cell(package_copy, "published_results", "il6-os", "i2_percent", "40")
    set_cell(package_copy, "published_results", "il6-os", "q_p_as_printed", "0.55")
    errors = [
        f
        for f in audit_package(load_package(package_copy))
        if f.check == "q_p_vs_i2" and f.analysis == "il6-os"
    ]
    assert [f.severity for f in errors] == ["error"]
    (pub,) = _rated(package_copy, "il6-os").published
    r = pub["reliability"]
    assert r.verdict == "concerns about the printed numbers"
    assert len(r.reasons) == 1 and r.reasons[0].startswith(
        f"misprint ({CHECK_LABELS['q_p_vs_i2']})"
    )
    assert pub["certainty"].domains["inconsistency"].judgement == "not serious"
    assert "audit" not in pub["certainty"].domains["inconsistency"].reason
    assert pub["certainty"].rated_down == before.rated_down


def test_a_probable_duplicate_cohort_makes_a_result_not_credible_as_printed(
    package_copy: Path,
) -> None:
    """Beta copies alpha's N, age and sex: both are in the IL-6 results, so each counts the
    same patients twice; the SII results hold neither and are not marked."""
    rows = read_rows(package_copy, "studies")
    head = rows[0]
    alpha = next(r for r in rows if r[0] == "alpha-2020")
    for field in ("n", "age", "male", "female"):
        set_cell(package_copy, "studies", "beta-2021", field, alpha[head.index(field)])
    results = run_plan(load_package(package_copy))
    (pub,) = results.get("il6-os").published
    r = pub["reliability"]
    assert r.verdict == "not credible as printed"
    assert r.reasons[0].startswith(
        f"probable duplicate ({CHECK_LABELS['identical_characteristics']})"
    )
    (sii,) = results.get("sii-os").published  # the changed N only upsets the review's totals
    assert sii["reliability"].verdict == "concerns about the printed numbers"
    assert not any(line.startswith("probable duplicate") for line in sii["reliability"].reasons)


def _added_os(sid: str, hr: str, lo: str, up: str) -> tuple[dict, dict]:
    from fixtures.synthetic import added_rows

    study, (estimate,) = added_rows({"study_id": sid, "n_confirmed": "150"})
    study |= {"first_author": sid.split("-")[0].title(), "year": "2026", "title": f"{sid}"}
    study["source_url"] = f"https://example.org/{sid}"
    estimate |= {"estimate_id": f"{sid}-sii-os", "study_id": sid, "outcome": "OS"}
    estimate |= {"hr": hr, "ci_lower": lo, "ci_upper": up, "p_as_printed": "0.001"}
    return study, estimate


def test_two_small_added_studies_do_not_hide_the_reviews_missing_results(tmp_path: Path) -> None:
    """The review's only SII OS study (Delta 2023) is pending; two small studies added since
    have data. The missing result is named and rates the evidence down: low or very low,
    never moderate; without the pending result it would rate one level higher."""
    from fixtures.synthetic import ESTIMATES, STUDIES, write_package

    one, e1 = _added_os("kappa-2026", "1.90", "1.30", "2.78")
    two, e2 = _added_os("lambda-2026", "1.70", "1.15", "2.51")
    tables = {"studies": [*STUDIES, one, two], "estimates": [*ESTIMATES, e1, e2]}
    c = _rated(write_package(tmp_path / "with", tables), "sii-os").certainty
    assert c.level in ("low", "very low")
    j = c.domains["publication_bias"]
    assert j.judgement == "serious" and "Delta 2023 (not_found)" in j.reason
    assert "1 missing result" in j.reason
    found = [e for e in ESTIMATES if e["estimate_id"] != "delta-2023-sii-os"]
    tables = {"studies": [*STUDIES, one, two], "estimates": [*found, e1, e2]}
    without = _rated(write_package(tmp_path / "without", tables), "sii-os").certainty
    assert without.domains["publication_bias"].judgement == "not serious"
    assert LEVELS.index(without.level) == LEVELS.index(c.level) + 1


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

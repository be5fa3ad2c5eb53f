"""run_plan: selection of estimates, harmonisation, both models, the rule, sensitivity analyses.

The example package's numbers are checked end to end (CSV -> harmonise -> SE -> pool) against
R metafor run for real on the same CSV; selection and pending rows are checked against the
CSV files read independently with the csv module.
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import pytest
from conftest import needs_r
from fixtures.sites import EXAMPLE, ROOT, copy_package
from fixtures.synthetic import write_package

from evreg.data.package import load_package, qualifies
from evreg.review.certainty import DOMAINS
from evreg.review.plan import results_rows, results_schema, run_plan, study_labels

REL = 1e-6


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """The synthetic package the tests build (fixtures.synthetic), loaded and run."""
    package = load_package(write_package(tmp_path_factory.mktemp("synthetic") / "pkg"))
    return package, run_plan(package)


@pytest.fixture(scope="module")
def example():
    package = load_package(EXAMPLE / "datapackage.json")
    return package, run_plan(package)


def _csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_every_analysis_of_the_plan_is_run_in_order(synthetic) -> None:
    package, results = synthetic
    plan_ids = [r["analysis_id"] for r in _csv(package.root / "data" / "analyses.csv")]
    assert [a.analysis_id for a in results.analyses] == plan_ids
    assert results.version == package.version


@pytest.mark.parametrize("which", ["synthetic", "shipped"])
def test_used_and_pending_partition_the_qualifying_estimates(which: str, synthetic) -> None:
    """On the synthetic package and, derived from its own CSVs, on the shipped one."""
    package, results = synthetic
    if which == "shipped":
        package = load_package(ROOT / "datapackage.json")
        results = run_plan(package)
    estimates = _csv(package.root / "data" / "estimates.csv")
    plan = {r["analysis_id"]: r for r in _csv(package.root / "data" / "analyses.csv")}
    for a in results.analyses:
        qualifying = [e for e in estimates if qualifies(e, plan[a.analysis_id])]
        usable = {
            e["estimate_id"]
            for e in qualifying
            if e["status"] in ("extracted", "derived")
            and e["hr"]
            and e["ci_lower"]
            and e["ci_upper"]
        }
        used = {u.estimate_id for u in a.used}
        pending = {p.estimate_id for p in a.pending}
        assert used <= usable
        assert used | pending == {e["estimate_id"] for e in qualifying}
        assert not used & pending
        assert a.k_with_data == len({u.study_id for u in a.used}) == len(a.used)
        assert a.k_with_data == a.k_review_with_data + a.k_added_with_data
        statuses = {e["estimate_id"]: e["status"] for e in qualifying}
        assert all(p.status == statuses[p.estimate_id] and p.reason for p in a.pending)


def test_low_vs_high_estimate_is_harmonised(synthetic) -> None:
    package, results = synthetic
    row = next(
        e
        for e in _csv(package.root / "data" / "estimates.csv")
        if e["comparison"] == "low_vs_high" and e["status"] == "extracted"
    )
    used = next(u for a in results.analyses for u in a.used if u.estimate_id == row["estimate_id"])
    hr, lo, up = float(row["hr"]), float(row["ci_lower"]), float(row["ci_upper"])
    assert used.harmonised
    assert used.hr == pytest.approx(1 / hr, rel=1e-12)
    se = (math.log(up) - math.log(lo)) / (2 * 1.959963984540054)
    assert used.se == pytest.approx(se, rel=1e-9)
    # shown at the analysis' level, recomputed from the harmonised log ratio and SE (RevMan)
    shown = (
        math.exp(-math.log(hr) - 1.959963984540054 * se),
        math.exp(-math.log(hr) + 1.959963984540054 * se),
    )
    assert (used.ci_lower, used.ci_upper) == pytest.approx(shown, rel=1e-9)
    assert (used.ci_lower_as_printed, used.ci_upper_as_printed) == (lo, up)


def test_analysis_without_data_has_no_model_and_lists_pending(synthetic) -> None:
    _, results = synthetic
    empty = [a for a in results.analyses if a.k_with_data == 0]
    assert [a.analysis_id for a in empty] == ["sii-os"]
    for a in empty:
        assert a.fixed is None and a.random is None and a.primary is None
        assert a.pending and a.notes
        assert a.review_studies is not None and a.review_studies.k == 0


def test_single_study_analysis_is_that_study(synthetic) -> None:
    _, results = synthetic
    single = [a for a in results.analyses if a.k_with_data == 1]
    assert [a.analysis_id for a in single] == ["il6-os"]
    for a in single:
        u = a.used[0]
        assert a.primary_result.estimate == pytest.approx(u.hr, rel=1e-12)
        assert a.primary == "fixed" and "k = 1" in a.rule.reason


def test_one_estimate_per_study_prefers_the_plan_model_order(tmp_path: Path) -> None:
    pkg = copy_package(EXAMPLE, tmp_path / "pkg")
    est = pkg / "data" / "estimates.csv"
    rows = list(csv.DictReader(io.StringIO(est.read_text(encoding="utf-8"))))
    extra = dict(
        rows[0],
        estimate_id="garfinkel-1981-ets-lung-uni",
        model="univariable",
        hr="3.00",
        ci_lower="1.50",
        ci_upper="6.00",
    )
    rows[0]["model"] = "multivariable"
    plan = pkg / "data" / "analyses.csv"
    plan.write_text(
        plan.read_text(encoding="utf-8").replace(
            ",unknown,review_rule,", ",multivariable;univariable;unknown,review_rule,"
        ),
        encoding="utf-8",
    )
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows([extra] + rows)  # the univariable row comes first in the file
    est.write_text(buf.getvalue(), encoding="utf-8")
    results = run_plan(load_package(pkg / "datapackage.json"))
    a = results.get("ets-lung")
    assert "garfinkel-1981-ets-lung" in {u.estimate_id for u in a.used}
    pending = {p.estimate_id: p for p in a.pending}
    assert (
        "already contributes garfinkel-1981-ets-lung"
        in pending["garfinkel-1981-ets-lung-uni"].reason
    )
    assert a.k_with_data == 37


def test_results_are_deterministic_and_json_serialisable(example) -> None:
    package, results = example
    first = json.dumps(results.to_dict(), sort_keys=True, allow_nan=False)
    again = json.dumps(run_plan(package).to_dict(), sort_keys=True, allow_nan=False)
    assert first == again


def test_results_rows_follow_their_schema(example) -> None:
    _, results = example
    names = [f["name"] for f in results_schema()["fields"]]
    rows = results_rows(results)
    assert all(list(r) == names for r in rows)
    # (2 analyses x 2 models + 2 design levels x 2 models) for all studies and the review's
    assert len(rows) == 2 * (2 * 2 + 2 * 2)
    assert {r["studies"] for r in rows} == {"all", "review"}
    assert sum(r["primary"] for r in rows if not r["subgroup_level"]) == 2 * 2
    rated = [f["name"] for f in results_schema()["fields"]][-9:]  # certainty: rated row only
    target = ["certainty_target", "certainty_threshold_lower", "certainty_threshold_upper"]
    assert rated == ["certainty", *DOMAINS, *target]
    (row,) = [r for r in rows if r["certainty"] and r["analysis_id"] == "ets-lung"]
    assert (row["certainty_target"], row["certainty_threshold_upper"]) == ("association", 1.25)

    def pooled(r: dict) -> dict:
        return {k: v for k, v in r.items() if k not in rated}

    review = [{**pooled(r), "studies": "all"} for r in rows if r["studies"] == "review"]
    assert review == [pooled(r) for r in rows if r["studies"] == "all"], "no study added: same"
    for r in rows:
        on_rated_row = r["studies"] == "all" and not r["subgroup_level"] and r["primary"]
        assert bool(r["certainty"]) == on_rated_row
        a = results.get(r["analysis_id"])
        if on_rated_row:
            assert r["certainty"] == a.certainty.level
            assert [r[d] for d in DOMAINS] == [a.certainty.domains[d].judgement for d in DOMAINS]


def test_study_labels_are_unique_and_revman_style() -> None:
    studies = [
        {"study_id": "liu-1991", "first_author": "Liu", "year": 1991},
        {"study_id": "liu-1991b", "first_author": "Liu X", "year": 1991},
        {"study_id": "zhuang-2024", "first_author": "Zhuang MT", "year": 2024},
        {"study_id": "omega-2026", "first_author": "Omega O", "year": 2026, "in_review": False},
    ]
    labels = study_labels(studies)
    assert labels == {
        "liu-1991": "Liu 1991a",
        "liu-1991b": "Liu 1991b",
        "zhuang-2024": "Zhuang 2024",
        "omega-2026": "Omega 2026 (added)",
    }


def test_cumulative_follows_publication_year(example) -> None:
    package, results = example
    a = results.get("ets-lung")
    years = {s["study_id"]: s["year"] for s in package.studies}
    label_year = {u.label: years[u.study_id] for u in a.used}
    order = [label_year[r.added] for r in a.cumulative.rows]
    assert order == sorted(order) and len(order) == 37
    assert a.cumulative.rows[-1].estimate == pytest.approx(a.primary_result.estimate, rel=1e-12)


def test_small_study_methods_only_for_k_at_least_10(synthetic, example) -> None:
    _, small = synthetic
    assert small.get("sii-pfs").egger is not None
    for a in small.analyses:
        if a.egger is not None:
            assert not a.egger.available and "13.3.5.4" in a.egger.reason
    _, big = example
    assert big.get("ets-lung").egger.available
    assert big.get("ets-lung").trim_and_fill.available


R_SCRIPT = r"""
suppressPackageStartupMessages({library(metafor); library(jsonlite)})
ctl <- list(tol=1e-12, threshold=1e-12, maxiter=1000)
e <- read.csv("%(est)s", stringsAsFactors=FALSE)
s <- read.csv("%(stu)s", stringsAsFactors=FALSE)
e <- merge(e, s[, c("study_id", "year", "design", "first_author")], by="study_id")
e <- e[order(e$year, e$first_author), ]
yi <- log(e$hr); sei <- (log(e$ci_upper) - log(e$ci_lower)) / (2 * qnorm(0.975))
fe <- rma(yi, sei=sei, method="FE", control=ctl)
dl <- rma(yi, sei=sei, method="DL", control=ctl)
pr <- predict(dl, transf=exp, pi.type="riley")
eg <- regtest(dl, model="lm", predictor="sei")
tf <- trimfill(dl)
l1 <- leave1out(dl)
cu <- cumul(dl)
lev <- sort(unique(e$design))
fit <- function(g) rma(yi[e$design == g], sei=sei[e$design == g], method="DL", control=ctl)
sg <- lapply(lev, function(g) { r <- fit(g); list(est=exp(coef(r)[[1]]), tau2=r$tau2, k=r$k) })
names(sg) <- lev
est <- sapply(lev, function(g) coef(fit(g))[[1]])
se <- sapply(lev, function(g) fit(g)$se)
qb <- rma(est, sei=se, method="FE")
cat(toJSON(list(
  fe=list(est=exp(coef(fe)[[1]]), lo=exp(fe$ci.lb), hi=exp(fe$ci.ub), Q=fe$QE, Qp=fe$QEp, I2=fe$I2),
  dl=list(est=exp(coef(dl)[[1]]), lo=exp(dl$ci.lb), hi=exp(dl$ci.ub), tau2=dl$tau2, p=dl$pval,
       pil=pr$pi.lb, piu=pr$pi.ub),
  egger=list(t=eg$zval, p=eg$pval), k0=tf$k0, loo=exp(l1$estimate), cum=exp(cu$estimate),
  sg=sg, qb=list(Q=qb$QE, p=qb$QEp)
), digits=NA, auto_unbox=TRUE))
"""


@needs_r
def test_example_matches_metafor_end_to_end(example) -> None:
    from fixtures.r_metafor import run_r

    package, results = example
    r = run_r(
        R_SCRIPT
        % {"est": EXAMPLE / "data" / "estimates.csv", "stu": EXAMPLE / "data" / "studies.csv"}
    )
    a = results.get("ets-lung")
    assert a.fixed.estimate == pytest.approx(r["fe"]["est"], rel=REL)
    assert (a.fixed.ci_lower, a.fixed.ci_upper) == pytest.approx(
        (r["fe"]["lo"], r["fe"]["hi"]), rel=REL
    )
    assert r["fe"]["Q"] == pytest.approx(a.fixed.Q, rel=REL)
    assert r["fe"]["I2"] == pytest.approx(a.fixed.I2, rel=REL)
    assert a.random.estimate == pytest.approx(r["dl"]["est"], rel=REL)
    assert a.random.tau2 == pytest.approx(r["dl"]["tau2"], rel=REL)
    assert a.random.p == pytest.approx(r["dl"]["p"], rel=REL)
    assert (a.random.pi_lower, a.random.pi_upper) == pytest.approx(
        (r["dl"]["pil"], r["dl"]["piu"]), rel=REL
    )
    # the review's rule, applied to metafor's own Q p and I2
    expected = "fixed" if r["fe"]["I2"] <= 50 and r["fe"]["Qp"] >= 0.10 else "random"
    assert a.primary == expected
    assert a.egger.t == pytest.approx(r["egger"]["t"], rel=REL)
    assert a.egger.p == pytest.approx(r["egger"]["p"], rel=REL)
    assert a.trim_and_fill.k0 == r["k0"]
    assert [x.estimate for x in a.leave_one_out.rows] == pytest.approx(r["loo"], rel=REL)
    assert [x.estimate for x in a.cumulative.rows] == pytest.approx(r["cum"], rel=REL)
    sg = results.get("ets-lung-design").subgroups
    for level, vals in r["sg"].items():
        assert sg.random.groups[level].estimate == pytest.approx(vals["est"], rel=REL)
        assert sg.random.groups[level].k == vals["k"]
    assert sg.random.Q_between == pytest.approx(r["qb"]["Q"], rel=REL)
    assert sg.random.Q_between_p == pytest.approx(r["qb"]["p"], rel=REL)

"""The built sites in real headless Chromium (Debian's /usr/bin/chromium via Playwright).

Each page is served from 127.0.0.1; the tests record every request, console message, page
error and dialog. Checked: each forest plot draws one square per study, charts render without
console errors, no request leaves localhost, hostile text stays inert, tables sort, every
page in the navigation opens.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import needs_chromium
from fixtures.browser import visiting
from fixtures.sites import HOSTILE_ANALYSIS, HOSTILE_STUDY, built_site

pytestmark = [pytest.mark.browser, pytest.mark.slow, needs_chromium]

SQUARES = "g.role-mark[class*='study_marks'] > path"


def _analysis_ids(site: Path) -> list[str]:
    results = json.loads((site / "data" / "results.json").read_text(encoding="utf-8"))
    return [a["analysis_id"] for a in results["analyses"]]


def _used_counts(site: Path) -> dict[str, int]:
    results = json.loads((site / "data" / "results.json").read_text(encoding="utf-8"))
    return {a["analysis_id"]: len(a["used"]) for a in results["analyses"]}


@pytest.mark.parametrize("name", ["main", "example"])
def test_forest_plot_draws_one_square_per_study(browser, tmp_path_factory, name: str) -> None:
    site = built_site(name, tmp_path_factory)
    with visiting(browser, site) as visit:
        for analysis_id, k in _used_counts(site).items():
            visit.open(f"analyses/{analysis_id}/")
            forest = visit.page.locator("#forest")
            if k == 0:
                assert forest.count() == 0
                continue
            assert forest.locator(SQUARES).count() == k, analysis_id
        assert not visit.problems()
        assert not visit.foreign_requests()


def test_every_navigation_page_opens_without_errors_or_foreign_requests(
    browser, tmp_path_factory
) -> None:
    site = built_site("main", tmp_path_factory)
    with visiting(browser, site) as visit:
        visit.open("")
        hrefs = visit.page.eval_on_selector_all(
            "nav.md-nav--primary a.md-nav__link[href]",
            "els => els.map(e => e.getAttribute('href'))",
        )
        targets = sorted({h for h in hrefs if not h.startswith(("#", "http"))})
        assert len(targets) >= 7 + len(_analysis_ids(site)) - 1
        for href in targets:
            visit.page.goto(visit.base)
            visit.open(href.lstrip("./") if href not in (".", "./") else "")
        results = json.loads((site / "data" / "results.json").read_text(encoding="utf-8"))
        used = sorted({u["study_id"] for a in results["analyses"] for u in a["used"]})
        for study in used[:2]:  # study pages with a pooled estimate (from the data)
            visit.open(f"studies/{study}/")
        assert not visit.problems()
        assert not visit.foreign_requests()


def test_example_pages_render_all_charts(browser, tmp_path_factory) -> None:
    site = built_site("example", tmp_path_factory)
    with visiting(browser, site) as visit:
        visit.open("analyses/ets-lung/")
        for chart in ("forest", "leave-one-out", "cumulative", "funnel"):
            assert visit.page.locator(f"#{chart} .evreg-vega.evreg-rendered svg").count() == 1, (
                chart
            )
        # leave-one-out: one circle per omitted study; funnel: one point per study + imputed
        assert (
            visit.page.locator("#leave-one-out g.role-mark[class*='point_marks'] > path").count()
            == 37
        )
        funnel_points = visit.page.locator(
            "#funnel g.role-mark[class*='funnel_points'] > path"
        ).count()
        assert funnel_points > 37  # trim-and-fill adds imputed studies
        # downloads resolve on the same host
        for link in ("forest.svg", "funnel.svg"):
            r = visit.page.request.get(visit.base + "analyses/ets-lung/" + link)
            assert r.status == 200 and len(r.body()) > 1000
        visit.open("analyses/ets-lung-design/")
        assert visit.page.locator("#subgroups " + SQUARES).count() == 37
        visit.open("methods/")
        assert visit.page.locator("#prisma .evreg-rendered svg").count() == 1
        assert not visit.problems()
        assert not visit.foreign_requests()


def test_hostile_text_is_inert_in_the_browser(browser, tmp_path_factory) -> None:
    site = built_site("hostile", tmp_path_factory)
    with visiting(browser, site) as visit:
        analysis, study = f"analyses/{HOSTILE_ANALYSIS}/", f"studies/{HOSTILE_STUDY}/"
        for path in ("", analysis, "studies/", study, "whats-new/"):
            visit.open(path)
            assert visit.page.locator("img[src='x']").count() == 0, path
            injected = visit.page.evaluate(
                "Array.from(document.scripts).some(s => s.type !== 'application/json'"
                " && s.textContent.includes('alert('))"
            )
            assert not injected, path
        visit.open(study)
        assert '<script>alert("x")</script>' in visit.page.inner_text("article")
        visit.open(analysis)
        # the hostile study label is drawn as text inside the chart, not as markup
        texts = visit.page.eval_on_selector_all(
            "#forest svg text", "els => els.map(e => e.textContent)"
        )
        assert any("<script>" in t for t in texts)
        # and the chart tooltip shows the hostile label as text too
        visit.page.locator("#forest " + SQUARES).first.hover()
        tooltip = visit.page.locator("#vg-tooltip-element")
        tooltip.wait_for(state="visible", timeout=5000)
        assert "<img src=x" in tooltip.inner_text()
        assert tooltip.locator("img, script").count() == 0
        assert not visit.dialogs
        assert not visit.errors
        assert not visit.foreign_requests()


def test_studies_table_sorts_by_column(browser, tmp_path_factory) -> None:
    site = built_site("example", tmp_path_factory)
    with visiting(browser, site) as visit:
        visit.open("studies/")
        table = visit.page.locator("table.evreg-sortable")
        cases_col = table.locator("thead th").all_inner_texts().index("Cases")
        table.locator("thead th").nth(cases_col).locator("button").click()
        values = [
            int(v)
            for v in table.locator(f"tbody tr td:nth-child({cases_col + 1})").all_inner_texts()
        ]
        assert values == sorted(values) and len(values) == 37
        table.locator("thead th").nth(cases_col).locator("button").click()
        values = [
            int(v)
            for v in table.locator(f"tbody tr td:nth-child({cases_col + 1})").all_inner_texts()
        ]
        assert values == sorted(values, reverse=True)
        assert not visit.problems()

"""Certainty on the built sites: the summary of findings (symbols, words, footnoted reasons,
plain-language statement, text-only version), each analysis' certainty section, the Methods
rules, and results.json / results.csv. Expectations come from each site's own results.json
(shipped and example sites) or from packages the tests build."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from pathlib import Path

import pytest
from conftest import needs_chromium
from fixtures.breakage import write_rows
from fixtures.browser import axe_violations, visiting
from fixtures.sites import built_site
from fixtures.synthetic import CERTAINTY_HEADER, write_package

from evreg.data.package import load_package
from evreg.review.certainty import DOMAINS, RULES
from evreg.review.plan import run_plan
from evreg.site.build import reproducible
from evreg.site.charts import default_cache_dir
from evreg.site.pages import BuildOptions, generate_docs
from evreg.site.views.certainty import SYMBOLS, VERBS

pytestmark = pytest.mark.slow
SITES = ("main", "example")


def _results(site: Path) -> dict:
    return json.loads((site / "data" / "results.json").read_text(encoding="utf-8"))


def _text(markup: str) -> str:
    markup = re.sub(r"<script.*?</script>", " ", markup, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def _article(page: Path) -> str:
    source = page.read_text(encoding="utf-8")
    return source[source.index("<article") : source.index("</article>")]


def _words(level: str) -> str:
    return level[:1].upper() + level[1:]


@pytest.mark.parametrize("name", SITES)
def test_results_files_carry_the_certainty_of_every_analysis(tmp_path_factory, name) -> None:
    site = built_site(name, tmp_path_factory)
    results = _results(site)
    rows = list(csv.DictReader(io.StringIO((site / "data" / "results.csv").read_text())))
    for a in results["analyses"]:
        c = a["certainty"]
        assert set(c["domains"]) == set(DOMAINS) and c["level"]
        assert all(p["certainty"]["level"] for p in a["published"])
        rated = [r for r in rows if r["analysis_id"] == a["analysis_id"] and r["certainty"]]
        if a["primary"] is None:
            assert not rated and c["level"] == "no evidence"
            continue
        (row,) = rated
        assert (row["studies"], row["subgroup_level"], row["primary"]) == ("all", "", "true")
        assert row["certainty"] == c["level"]
        assert [row[d] for d in DOMAINS] == [c["domains"][d]["judgement"] for d in DOMAINS]
        assert row["certainty_target"] == c["target"]["kind"]
        assert float(row["certainty_threshold_upper"]) == c["target"]["upper"]


@pytest.mark.parametrize("name", SITES)
def test_summary_of_findings_shows_each_certainty_with_its_reasons(tmp_path_factory, name):
    site = built_site(name, tmp_path_factory)
    home = _article(site / "index.html")
    table = home[home.index('aria-label="Summary of findings"') :]
    body = table[table.index("<tbody") : table.index("</tbody>")]
    rows = re.findall(r"<tr[^>]*role=\"row\">(.*?)</tr>", body, re.S)
    analyses = _results(site)["analyses"]
    assert len(rows) == len(analyses)
    notes = dict(re.findall(r'<li id="(sof-note-\d+)" value="\d+">(.*?)</li>', home, re.S))
    for a, row in zip(analyses, rows, strict=True):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        assert f'href="analyses/{a["analysis_id"]}/index.html"' in cells[0]
        level = a["certainty"]["level"]
        grade = _text(cells[4])
        assert _words(level) in grade
        if level in SYMBOLS:
            assert (
                f'<span class="evreg-grade-symbols" aria-hidden="true">{SYMBOLS[level]}'
                in (cells[4])
            )
        refs = re.findall(r'href="#(sof-note-\d+)"', cells[4])
        assert all(ref in notes for ref in refs)
        noted = " ".join(html.unescape(notes[ref]) for ref in refs)
        if level != "no evidence":
            target = a["certainty"]["target"]
            assert html.unescape(notes[refs[0]]).startswith("What is rated: an ")
            assert f"above {target['upper']:.2f}" in html.unescape(notes[refs[0]])
        for domain, j in a["certainty"]["domains"].items():
            if j["judgement"] in ("serious", "very serious"):
                label = domain.replace("_", " ").capitalize()
                assert f"{label}, {j['judgement']}" in noted and j["reason"][:15] in noted
        comments = _text(cells[6])  # facts and the rating's own reasons, never a verdict
        assert "associated with" not in comments and "no pooled conclusion" not in comments
        for d, j in a["certainty"]["domains"].items():
            if level != "no evidence" and j["judgement"] in ("serious", "very serious"):
                assert d.replace("_", " ") in comments.split("rated down for")[1]
        statement = _text(cells[5])
        if level == "very low":
            assert statement.startswith("The evidence is very uncertain")
        elif level == "no evidence":
            assert statement.startswith("No evidence yet")
        else:
            verb = {"high": " is associated", "moderate": " is probably", "low": " may be"}
            assert verb[level] in statement
        for p in a["published"]:
            assert _words(p["certainty"]["level"]) in _text(cells[7])
    # every footnote is referenced and every reference has its footnote
    referenced = set(re.findall(r'href="#(sof-note-\d+)"', home))
    assert referenced == set(notes)
    text = _text(home[home.index("Summary of findings as text") :])
    for a in analyses:
        assert f"Certainty of the evidence: {a['certainty']['level']}." in text or (
            a["certainty"]["level"] == "no evidence"
        )


@pytest.mark.parametrize("name", SITES)
def test_each_analysis_page_has_its_certainty_section(tmp_path_factory, name: str) -> None:
    site = built_site(name, tmp_path_factory)
    titles = {a["analysis_id"]: a["title"] for a in _results(site)["analyses"]}
    for a in _results(site)["analyses"]:
        page = _text(_article(site / "analyses" / a["analysis_id"] / "index.html"))
        section = page[page.index("Certainty of the evidence (GRADE)") :]
        c = a["certainty"]
        assert f"certainty of the evidence: {SYMBOLS.get(c['level'], '')}" in section or (
            c["level"] == "no evidence"
        )
        assert _words(c["level"]) in section and c["summary"] in section
        for label in ("Risk of bias", "Inconsistency", "Indirectness", "Imprecision"):
            assert label in section
        for p in a["published"]:
            assert f"k = {p['k']} — certainty of the evidence" in section
            cred = p.get("subgroup_credibility")
            if cred and not cred["credible"]:
                whose = titles[cred["applies"]]  # named by its title, never its id
                assert f"the rating of the review's overall result ({whose})" in section
            else:
                assert p["certainty"]["summary"] in section
            verdict = p["reliability"]["verdict"]
            assert f"Reliability of the printed result (not a GRADE domain): {verdict}" in section


@pytest.mark.parametrize("name", SITES)
def test_methods_lists_every_rule_with_its_reference(tmp_path_factory, name: str) -> None:
    site = built_site(name, tmp_path_factory)
    methods = _text(_article(site / "methods" / "index.html"))
    section = methods[methods.index("Certainty of the evidence (GRADE)") :]
    for rule in RULES:
        assert rule.reference in section
        assert rule.rule[:60] in section
    for level, symbols in SYMBOLS.items():
        assert f"{symbols} {_words(level)}" in section


def test_a_reviewers_judgement_shows_as_theirs_with_the_computed_one_beside(tmp_path) -> None:
    """A package the test builds, with one reviewer row; the pages generated from it."""
    pkg = write_package(tmp_path / "pkg")
    before = run_plan(load_package(pkg)).get("il6-pfs").certainty
    computed = before.domains["imprecision"]
    header = CERTAINTY_HEADER
    reason = "Both cohorts report complete follow-up."
    write_rows(
        pkg,
        "certainty",
        [header, ["il6-pfs", "imprecision", "not serious", reason, "R Ev", "", "", ""]],
    )
    package = load_package(pkg)
    results = run_plan(package)
    docs = tmp_path / "docs"
    with reproducible(package):
        generate_docs(package, results, docs, BuildOptions(cache_dir=default_cache_dir()))
    page = _text((docs / "analyses" / "il6-pfs" / "index.md").read_text(encoding="utf-8"))
    section = page[page.index("Certainty of the evidence (GRADE)") :]
    assert f"Imprecision not serious {reason} reviewer (R Ev)" in section
    assert "Computed suggestion" in section
    assert f"{computed.judgement}: {computed.reason}" in section
    home = _text((docs / "index.md").read_text(encoding="utf-8"))
    assert f"Imprecision, not serious (reviewer: R Ev): {reason} Computed:" in home
    assert f"Computed: {computed.judgement}" in home


@pytest.mark.browser
@needs_chromium
@pytest.mark.parametrize("name", SITES)
def test_summary_of_findings_in_the_browser(browser, tmp_path_factory, name: str) -> None:
    """Symbols shown but hidden from screen readers (the words are read), footnote links that
    land on their reason, and the text-only version; axe-core with the text version open."""
    site = built_site(name, tmp_path_factory)
    analyses = _results(site)["analyses"]
    with visiting(browser, site) as visit:
        visit.open("index.html", wait="load")
        page = visit.page
        grades = page.locator("table.evreg-sof tbody tr td:nth-child(5) > .evreg-grade")
        assert grades.count() == len(analyses)
        for i, a in enumerate(analyses):
            level = a["certainty"]["level"]
            cell = grades.nth(i)
            assert cell.inner_text().endswith(_words(level))
            if level in SYMBOLS:
                symbols = cell.locator(".evreg-grade-symbols")
                assert symbols.is_visible() and symbols.inner_text() == SYMBOLS[level]
                assert symbols.get_attribute("aria-hidden") == "true"
        refs = page.locator("table.evreg-sof sup.evreg-note-ref a")
        if refs.count():
            first = refs.first
            target = first.get_attribute("href")
            first.click()
            assert page.url.endswith(target)
            note = page.locator(target)
            assert note.is_visible() and note.inner_text().strip()
            box = note.bounding_box()
            assert box is not None and 0 <= box["y"] < page.viewport_size["height"]
        details = page.locator("details.evreg-sof-text")
        assert not details.locator("li").first.is_visible()
        details.locator("summary").click()
        items = details.locator("li")
        assert items.count() == len(analyses)
        for i, a in enumerate(analyses):
            assert items.nth(i).inner_text().startswith(a["title"])
        assert not axe_violations(page)
        assert not visit.problems() and not visit.foreign_requests()


def test_the_page_statement_is_the_ratings_own(tmp_path) -> None:
    """The statement on the page is the one the rating computes (one source: a ratio inside the
    thresholds is "slightly shorter" for an association, never by the p value alone)."""
    from fixtures.breakage import set_cell

    from evreg.review.certainty.statement import statement as say
    from evreg.site.charts import ChartWriter, RenderCache
    from evreg.site.views.certainty import statement, wording
    from evreg.site.views.context import SiteContext

    pkg = write_package(tmp_path / "pkg")
    for est, hr, lo, up in (
        ("alpha-2020-il6-pfs", "1.15", "1.01", "1.31"),
        ("beta-2021-il6-pfs", "0.85", "0.76", "0.99"),  # low vs high: 1.18 harmonised
    ):
        for field, value in (("hr", hr), ("ci_lower", lo), ("ci_upper", up)):
            set_cell(pkg, "estimates", est, field, value)
    package = load_package(pkg)
    results = run_plan(package)
    ctx = SiteContext(package, results, ChartWriter(tmp_path / "docs", RenderCache(None)))
    a = results.get("il6-pfs")
    said = statement(ctx, a)
    assert said == say(a.primary_result.estimate, a.certainty, wording(ctx, a))
    if a.certainty.level in VERBS:
        assert said == (
            f"High IL-6 {VERBS[a.certainty.level]} slightly shorter progression-free survival."
        )
    else:
        assert said.startswith("The evidence is very uncertain about the association between")

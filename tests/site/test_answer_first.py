"""The answer first: the home page opens with one line per question (the registry's pooled ratio
with its CI, the certainty, the studies and patients behind it), within the first screen of a
desktop and a phone; every study's patients are counted, an added study's too."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from conftest import needs_chromium
from fixtures.browser import visiting, wait_for_charts
from fixtures.sites import built_site
from fixtures.synthetic import ADDED_STUDY

from evreg.data.formats import fmt_ci, plural


def _answers(site: Path) -> list[str]:
    """The text of each answer line of the home page, in order."""
    source = (site / "index.html").read_text(encoding="utf-8")
    items = re.findall(r'<li class="evreg-answer">(.*?)</li>', source, flags=re.S)
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", i)).split()) for i in items]


def _questions(site: Path) -> list[dict]:
    results = json.loads((site / "data" / "results.json").read_text(encoding="utf-8"))
    return [a for a in results["analyses"] if not a["parent_analysis"]]


@pytest.mark.parametrize("name", ["main", "example", "added"])
def test_one_answer_per_question_with_its_ratio_certainty_and_patients(
    tmp_path_factory, name: str
) -> None:
    site = built_site(name, tmp_path_factory)
    questions, answers = _questions(site), _answers(site)
    assert len(answers) == len(questions)
    for a, line in zip(questions, answers, strict=True):
        assert line.startswith(a["title"])
        pooled = a[a["primary"]] if a["primary"] else None
        if pooled is None:
            assert "no usable estimate yet" in line
            continue
        assert fmt_ci(pooled["estimate"], pooled["ci_lower"], pooled["ci_upper"]) in line
        assert a["certainty"]["level"].lower() in line.lower()
        known = [u["n_patients"] for u in a["used"] if u["n_patients"] is not None]
        assert plural(a["k_with_data"], "study", "studies") in line
        if known and len(known) == len(a["used"]):
            assert plural(sum(known), "patient") in line
        for first in a.get("absolute", [])[:1]:  # the first baseline's survival, per 100
            low, high = (round(100 * first[k]) for k in ("survival_low", "survival_high"))
            assert f"-month {a['outcome']}: {low} vs {high} per 100" in line


def test_an_added_studys_patients_are_counted(tmp_path_factory) -> None:
    """Its N is the contributor's n_confirmed: results.json, the answer and the summary row
    count it (it was "N not recorded" when only the review's N was read)."""
    site = built_site("added", tmp_path_factory)
    n = int(ADDED_STUDY["n_confirmed"])
    touched = [
        a
        for a in _questions(site)
        if any(u["study_id"] == ADDED_STUDY["study_id"] for u in a["used"])
    ]
    assert touched
    home = " ".join(
        html.unescape(re.sub(r"<[^>]+>", " ", (site / "index.html").read_text("utf-8"))).split()
    )
    for a in touched:
        ours = [u for u in a["used"] if u["study_id"] == ADDED_STUDY["study_id"]]
        assert [u["n_patients"] for u in ours] == [n] * len(ours)
        added = [u["n_patients"] for u in a["used"] if not u["in_review"]]
        if None not in added:  # every added study's N known: the row counts them all
            assert f"+ {len(added)} added, {plural(sum(added), 'patient')}" in home


FIRST_SCREEN = {(1280, 800): 2, (390, 844): 1}


@pytest.mark.browser
@needs_chromium
@pytest.mark.parametrize("size", sorted(FIRST_SCREEN))
@pytest.mark.parametrize("name", ["main", "example"])
def test_the_answers_are_on_the_first_screen(browser, tmp_path_factory, name, size) -> None:
    """At 1280x800 the first two questions' ratios and certainty are in view without
    scrolling, on a 390x844 phone the first one (all of them when there are fewer)."""
    site = built_site(name, tmp_path_factory)
    width, height = size
    with visiting(browser, site, viewport={"width": width, "height": height}) as visit:
        visit.open("index.html", wait="load")
        answers = visit.page.locator("li.evreg-answer")
        count = min(FIRST_SCREEN[size], answers.count())
        assert count >= 1
        for i in range(count):
            for part in (".evreg-answer-effect", ".evreg-grade"):
                box = answers.nth(i).locator(part).bounding_box()
                assert box is not None and box["height"] > 0, (i, part)
                assert box["y"] + box["height"] <= height, (name, size, i, part, box)


@pytest.mark.browser
@needs_chromium
def test_prisma_text_is_readable_and_png_looks_like_a_link(browser, tmp_path_factory) -> None:
    """At 1280 px the PRISMA boxes' text is at least 12 px as drawn (its font size times the
    diagram's scale), and the PNG download is underlined in the link colour like the SVG."""
    site = built_site("main", tmp_path_factory)
    with visiting(browser, site, viewport={"width": 1280, "height": 800}) as visit:
        visit.open("methods/index.html", wait="load")
        wait_for_charts(visit.page)
        drawn = visit.page.evaluate(
            """() => {
              const svg = document.querySelector('#prisma .evreg-chart svg');
              const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
              const sizes = [...svg.querySelectorAll('text')].map(
                  (t) => parseFloat(getComputedStyle(t).fontSize) * scale);
              return Math.min(...sizes);
            }"""
        )
        assert drawn >= 12, drawn
        styles = visit.page.evaluate(
            """() => {
              const fig = document.querySelector('figure.evreg-figure');
              const svg = fig.querySelector('figcaption a[download]');
              const png = fig.querySelector('button.evreg-png');
              const s = (e) => { const c = getComputedStyle(e);
                return [c.color, c.textDecorationLine, c.backgroundColor, c.borderTopWidth]; };
              return [s(svg), s(png)];
            }"""
        )
        svg, png = styles
        assert png[:2] == svg[:2], styles
        assert png[3] == "0px", styles


BROKEN_WORDS = """(selector) => {
  const broken = [];
  for (const cell of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const m of node.data.matchAll(/[^\\s\\-\\/\\u2013\\u2014:]+/g)) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
        if (lines.size > 1) broken.push(m[0]);
      }
    }
  }
  return broken;
}"""


@pytest.mark.browser
@needs_chromium
@pytest.mark.parametrize("name", ["main", "added"])
def test_study_estimates_never_break_a_word_at_desktop_width(
    browser, tmp_path_factory, name
) -> None:
    site = built_site(name, tmp_path_factory)
    pages = sorted(p.parent.name for p in (site / "studies").glob("*/index.html"))
    with visiting(browser, site, viewport={"width": 1280, "height": 800}) as visit:
        for sid in pages:
            visit.open(f"studies/{sid}/index.html", wait="load")
            assert visit.page.evaluate(BROKEN_WORDS, "table.evreg-estimates td") == [], sid


def test_study_pages_link_where_each_number_was_read_and_the_doi_apart(tmp_path_factory):
    import csv

    site = built_site("main", tmp_path_factory)
    with (site / "data" / "data" / "estimates.csv").open(encoding="utf-8") as f:
        estimates = list(csv.DictReader(f))
    with (site / "data" / "data" / "studies.csv").open(encoding="utf-8") as f:
        dois = {s["study_id"]: s.get("doi", "") for s in csv.DictReader(f)}
    checked = 0
    for e in estimates:
        page = (site / "studies" / e["study_id"] / "index.html").read_text(encoding="utf-8")
        table = page[page.index('class="evreg-table evreg-estimates"') :]
        if e["source_url"]:
            assert f'href="{html.escape(e["source_url"])}"' in table, e["estimate_id"]
            checked += 1
        doi = dois.get(e["study_id"])
        if doi and re.fullmatch(r"10\.\d{4,9}/\S+", doi):
            assert f'href="https://doi.org/{html.escape(doi)}"' in table
    assert checked

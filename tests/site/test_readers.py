"""The site as readers use it: phones to desktops, screen readers (axe-core), a downloaded copy.

Both built sites (shipped and example) in headless Chromium: at 320, 390, 768 and 1280 px no
chart or table is wider than the content column unless it scrolls in a keyboard-focusable
region, and narrow screens get the compact forest plot; axe-core (vendored, offline) finds no
serious or critical violation on any page, in the light scheme on every page and in the dark
scheme on one page of each kind; from ``file://`` a chart shows as an image without scripts,
as the interactive view with them, and the navigation opens pages.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import needs_chromium
from fixtures.browser import axe_violations, overflow, visiting, wait_for_charts
from fixtures.sites import built_site

pytestmark = [pytest.mark.browser, pytest.mark.slow, needs_chromium]

WIDTHS = (320, 390, 768, 1280)
SITES = ("main", "example")


def _pages(site: Path) -> list[str]:
    """Every HTML page of a site (site-relative), 404 page aside."""
    return sorted(
        p.relative_to(site).as_posix() for p in site.rglob("*.html") if p.name != "404.html"
    )


def one_of_each_kind(site: Path) -> list[str]:
    """One page per template: every analysis page (their sections differ), the first study
    page and every other page that is not a study page."""
    pages = _pages(site)
    studies = [p for p in pages if p.startswith("studies/") and p != "studies/index.html"]
    return [p for p in pages if p not in studies] + studies[:1]


def _with_data(site: Path) -> list[str]:
    results = json.loads((site / "data" / "results.json").read_text(encoding="utf-8"))
    return [a["analysis_id"] for a in results["analyses"] if a["used"]]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", SITES)
def test_nothing_is_wider_than_its_column(browser, tmp_path_factory, name, width) -> None:
    site = built_site(name, tmp_path_factory)
    viewport = {"width": width, "height": 900}
    problems = {}
    with visiting(browser, site, viewport=viewport) as visit:
        for page in one_of_each_kind(site):
            visit.open(page, wait="load")
            if found := overflow(visit.page):
                problems[page] = found
        assert not visit.problems()
    assert not problems


@pytest.mark.parametrize("name", SITES)
def test_narrow_screens_get_the_compact_forest_plot(browser, tmp_path_factory, name) -> None:
    site = built_site(name, tmp_path_factory)
    analysis = _with_data(site)[0]
    for width, compact in ((390, True), (1280, False)):
        viewport = {"width": width, "height": 900}
        with visiting(browser, site, viewport=viewport) as visit:
            visit.open(f"analyses/{analysis}/index.html", wait="load")
            drawn = visit.page.get_attribute("#forest .evreg-chart", "data-drawn")
            assert drawn.endswith("-compact") is compact, (width, drawn)
            chart = visit.page.locator("#forest .evreg-vega svg").bounding_box()
            assert chart["x"] + chart["width"] <= width, (width, chart)


def _axe(browser, site: Path, pages: list[str], scheme: str, palette: str) -> dict:
    """Serious and critical axe-core findings by page, in the browser's colour ``scheme``
    (Material's ``palette`` must follow it); no request may leave the host."""
    found = {}
    with visiting(browser, site, color_scheme=scheme) as visit:
        for page in pages:
            visit.open(page, wait="load")
            assert visit.page.get_attribute("body", "data-md-color-scheme") == palette, page
            if bad := axe_violations(visit.page):
                found[page] = bad
        assert not visit.foreign_requests()  # axe-core runs from the vendored file
    return found


@pytest.mark.parametrize("name", SITES)
def test_axe_finds_nothing_serious_on_any_page(browser, tmp_path_factory, name) -> None:
    site = built_site(name, tmp_path_factory)
    assert not _axe(browser, site, _pages(site), "light", "default")


@pytest.mark.parametrize("name", SITES)
def test_axe_finds_nothing_serious_in_the_dark_scheme(browser, tmp_path_factory, name) -> None:
    site = built_site(name, tmp_path_factory)
    assert not _axe(browser, site, one_of_each_kind(site), "dark", "slate")


def test_the_palette_toggle_switches_schemes(browser, tmp_path_factory) -> None:
    site = built_site("main", tmp_path_factory)
    with visiting(browser, site, color_scheme="light") as visit:
        visit.open("index.html", wait="load")
        assert visit.page.get_attribute("body", "data-md-color-scheme") == "default"
        visit.page.locator("label[title='Switch to dark mode']").click()
        assert visit.page.get_attribute("body", "data-md-color-scheme") == "slate"
        assert not axe_violations(visit.page)


def test_a_downloaded_copy_works_from_the_file_system(browser, tmp_path_factory) -> None:
    site = built_site("example", tmp_path_factory)
    analysis = _with_data(site)[0]
    page_url = (site / "analyses" / analysis / "index.html").as_uri()
    # without scripts: the chart is its SVG image, the compact one on a phone
    for width, name in ((1280, "forest.svg"), (390, "forest-compact.svg")):
        context = browser.new_context(
            java_script_enabled=False, viewport={"width": width, "height": 900}
        )
        page = context.new_page()
        page.goto(page_url)
        image = page.locator("#forest img")
        image.scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete", arg=image.element_handle())
        assert image.evaluate("img => img.naturalWidth") > 0
        assert image.evaluate("img => img.currentSrc").endswith(name)
        box = image.bounding_box()
        assert box["width"] > 0 and box["x"] + box["width"] <= width
        context.close()
    # with scripts (classic scripts run from file://): the interactive view, and the
    # navigation opens pages (links end in index.html, not in a directory)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(page_url)
    wait_for_charts(page)
    page.locator("nav.md-nav--primary a.md-nav__link", has_text="Studies").first.click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/studies/index.html")
    assert page.locator("article h1").inner_text() == "Studies"
    page.locator("article table a").first.click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/index.html") and "/studies/" in page.url
    context.close()
    assert not errors


def test_the_readme_screenshot_is_current(browser, tmp_path_factory, tmp_path):
    """Regenerated from a build of the shipped data, the README's screenshot matches the
    committed one within a small pixel tolerance (regenerate it on purpose after changing the
    pages); when the data differ from those it was made from, the comparison is skipped."""
    from fixtures.screenshot import (
        IMAGE,
        RECORD,
        ROOT,
        TOLERANCE,
        WIDTH,
        data_digest,
        difference,
        take,
    )

    site = built_site("main", tmp_path_factory)
    made = take(browser, site, tmp_path / "analysis-page.png")
    data = made.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(data[16:20], "big") == WIDTH
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = IMAGE.relative_to(ROOT).as_posix()
    assert f"]({shown})" in readme.split("```")[0]  # before the two commands
    recorded = json.loads(RECORD.read_text(encoding="utf-8"))["data_sha256"]
    if recorded != data_digest():
        pytest.skip("the data changed since the screenshot was made (it shows other numbers)")
    share = difference(browser, IMAGE.read_bytes(), data)
    assert share <= TOLERANCE, (
        f"{share:.2%} of the README screenshot's pixels differ from a fresh one: regenerate it "
        "with .venv/bin/python tests/fixtures/screenshot.py"
    )


def test_the_screenshot_comparison_sees_a_changed_picture(browser, tmp_path) -> None:
    """The tolerance lets anti-aliasing through, not a changed page: two shots of one page
    match; a page with one word changed, or another size, does not."""
    from fixtures.screenshot import TOLERANCE, difference

    page = browser.new_page(viewport={"width": 400, "height": 200})
    shots = []
    for word in ("moderate", "moderate", "low"):
        page.set_content(f"<p style='font: 16px sans-serif'>Certainty: {word} (k = 3)</p>")
        shots.append(page.screenshot())
    page.set_viewport_size({"width": 401, "height": 200})
    shots.append(page.screenshot())
    page.close()
    assert difference(browser, shots[0], shots[1]) <= TOLERANCE
    assert difference(browser, shots[0], shots[2]) > TOLERANCE
    assert difference(browser, shots[0], shots[3]) == 1.0

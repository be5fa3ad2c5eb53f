"""Chart downloads in real headless Chromium: the PNG is made by the browser from the chart's
spec (no PNG is rendered at build time, no request leaves the site), at twice the SVG's size,
of the wide layout even when a phone shows the compact one; large pages read their specs from
the page's chart data file over HTTP and keep the image from file://.
"""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from conftest import needs_chromium
from fixtures.browser import Visit, visiting
from fixtures.sites import built_site

from evreg.site.charts import svg_size

pytestmark = [pytest.mark.browser, pytest.mark.slow, needs_chromium]

PNG = b"\x89PNG\r\n\x1a\n"


def _download_png(visit: Visit, chart: str, dest: Path) -> tuple[bytes, str]:
    button = visit.page.locator(f"#{chart} button.evreg-png")
    button.wait_for(state="visible", timeout=20000)
    with visit.page.expect_download(timeout=30000) as info:
        button.click()
    download = info.value
    download.save_as(dest)
    return dest.read_bytes(), download.suggested_filename


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize("width", [1400, 390])
def test_png_download_is_made_in_the_browser(browser, tmp_path_factory, tmp_path, width) -> None:
    site = built_site("example", tmp_path_factory)
    page_dir = site / "analyses" / "ets-lung"
    assert not list(page_dir.glob("*.png"))  # nothing rendered at build time
    viewport = {"width": width, "height": 900}
    with visiting(browser, site, viewport=viewport) as visit:
        visit.open("analyses/ets-lung/")
        for chart in ("forest", "funnel"):
            data, filename = _download_png(visit, chart, tmp_path / f"{chart}-{width}.png")
            assert filename == f"{chart}.png"
            svg_w, svg_h = svg_size((page_dir / f"{chart}.svg").read_bytes())
            png_w, png_h = _png_size(data)
            # the wide layout (also on a phone, where the compact one is shown), at 2x
            assert abs(png_w - 2 * svg_w) <= 2 and abs(png_h - 2 * svg_h) <= 2, chart
            assert len(data) > 10_000, chart  # drawn, not blank
        assert not visit.problems()
        assert not visit.foreign_requests()


def test_large_page_reads_its_chart_data_file_over_http(browser, tmp_path_factory, tmp_path):
    site = built_site("large", tmp_path_factory)
    pages = sorted(p.parent for p in site.glob("analyses/*/charts.json"))
    assert pages, "no analysis page of the large registry uses a chart data file"
    here = pages[0].relative_to(site).as_posix()
    html = (pages[0] / "index.html").read_text(encoding="utf-8")
    assert '<script type="application/json"' not in html
    with visiting(browser, site) as visit:
        visit.open(f"{here}/")
        assert any(u.endswith(f"{here}/charts.json") for u in visit.requests)
        data, _ = _download_png(visit, "forest", tmp_path / "forest.png")
        assert _png_size(data)[0] > 0
        assert not visit.problems()
        assert not visit.foreign_requests()


def test_large_page_from_a_file_keeps_the_image(browser, tmp_path_factory) -> None:
    site = built_site("large", tmp_path_factory)
    page = sorted(site.glob("analyses/*/charts.json"))[0].parent / "index.html"
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        tab = context.new_page()
        errors: list[str] = []
        tab.on("pageerror", lambda e: errors.append(str(e)))
        tab.goto(page.as_uri(), wait_until="load")
        tab.wait_for_function(
            "document.querySelector('#forest .evreg-chart').dataset.failed !== undefined"
        )
        assert tab.locator("#forest picture img").is_visible()  # the chart is the image
        assert tab.locator("#forest button.evreg-png").is_hidden()
        assert not errors
    finally:
        context.close()

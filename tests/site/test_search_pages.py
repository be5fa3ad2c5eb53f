"""The searches on the site, after a real `evreg search` against the local E-utilities stand-in:
the Methods page's search history ("Last searched ...") and PRISMA counts of records identified
since (from the history, plus those added by hand), and the Studies page's screening records,
awaiting first, with how and when each was found and a link to the "Screen a record" form."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures.eutils_standin import make_package, running

from evreg.data.package import load_package
from evreg.living.eutils import Eutils
from evreg.living.search import SearchRequest, run_search
from evreg.review.plan import run_plan
from evreg.review.screening import screening_counts
from evreg.site.charts import ChartWriter
from evreg.site.links import SCREEN_FORM, RepoLinks
from evreg.site.render import environment, render
from evreg.site.viewmodel import Joined, Link
from evreg.site.views.context import SiteContext
from evreg.site.views.methods import prisma_boxes, screening_table, search_history
from evreg.site.views.studies import candidates_table, studies_views

ROOT = Path(__file__).resolve().parents[2]
REPO = "https://github.com/example/registry"


@pytest.fixture(scope="module")
def ctx(tmp_path_factory: pytest.TempPathFactory) -> SiteContext:
    dest = tmp_path_factory.mktemp("searched")
    package = make_package(dest / "pkg")
    with running() as standin:
        api = Eutils(base=standin.url, sleep=lambda _: None)
        request = SearchRequest(since="2026-01-01", until="2026-12-01", today="2026-12-02")
        run_search(package, request, api)
    loaded = load_package(package)
    return SiteContext(loaded, run_plan(loaded), ChartWriter(dest / "docs"), RepoLinks(REPO))


def test_the_methods_page_shows_the_search_history(ctx: SiteContext) -> None:
    history = search_history(ctx)
    assert history is not None
    assert history.last == "Last searched 2026-12-02: 7 records, 2 new."
    (row,) = history.table.rows
    assert [c for c in row.cells[:6]] == [
        "pubmed-2026-12-02",
        "2026-12-02",
        "PubMed",
        "2026-01-01 to 2026-12-01",
        "7",
        "2",
    ]


def test_prisma_counts_records_identified_since_from_the_history(ctx: SiteContext) -> None:
    c = screening_counts(ctx.package)
    # 7 returned, 5 of them not added (4 known, 1 unreadable); 2 new + 2 records by hand
    assert (c.searches, c.searched, c.known_removed, c.from_searches) == (1, 7, 5, 2)
    assert (c.identified, c.by_hand, c.awaiting) == (4, 2, 3)
    boxes = {box_id: text for box_id, text, _, _ in prisma_boxes(ctx)[0]}
    assert "PubMed searches (n = 7)" in boxes["identified"]
    assert "known removed (n = 5)" in boxes["identified"]
    assert "added by hand (n = 2)" in boxes["identified"]
    rows = {r.cells[0]: r.cells[1] for r in screening_table(ctx).rows}
    assert rows["Records returned by 1 PubMed search(es) (search history)"] == "7"


def test_the_studies_page_lists_awaiting_records_first_with_a_screen_link(
    ctx: SiteContext,
) -> None:
    table = candidates_table(ctx)
    assert table is not None
    ids = [r.cells[0].split(" ")[0] for r in table.rows]
    assert ids == ["muller-ludenscheidt-2026", "zeta-2025", "zeta-2026", "eta-2024"]
    found = {r.cells[0].split(" ")[0]: r.cells[6] for r in table.rows}
    assert found["zeta-2026"] == "PubMed search of 2026-12-02; data version 1.1.0"
    assert found["zeta-2025"] == "added by hand; data version 1.0.0"
    screening = {r.cells[0].split(" ")[0]: r.cells[7] for r in table.rows}
    assert isinstance(screening["zeta-2026"], Joined)
    link = screening["zeta-2026"].parts[1]
    assert isinstance(link, Link) and link.text == "screen this record"
    assert link.href.startswith(f"{REPO}/issues/new?template={SCREEN_FORM}&")
    assert "candidate_id=zeta-2026" in link.href
    assert not isinstance(screening["eta-2024"].parts[-1], Link)  # decided: no form
    assert (ROOT / ".github" / "ISSUE_TEMPLATE" / SCREEN_FORM).is_file()


def test_pubmed_text_shows_as_text_on_the_page(ctx: SiteContext) -> None:
    (_, view), *_ = studies_views(ctx)
    page = render(environment(), "studies.md.j2", view=view)
    assert "Serum interleukin-6 | a fictional cohort [with *markup*] @someone" in page
    assert "Baseline SII and survival" in page and "<i>" not in page  # markup removed
    assert "candidate_id=zeta-2026" in page


def test_the_methods_page_renders_the_searches(ctx: SiteContext) -> None:
    from evreg.site.views.methods import methods_view

    page = render(environment(), "methods.md.j2", view=methods_view(ctx, ""))
    section = page.split("## Searches since the review", 1)[1].split("\n## ", 1)[0]
    assert "Last searched 2026-12-02: 7 records, 2 new." in section
    assert "pubmed-2026-12-02" in section and "2026-01-01 to 2026-12-01" in section

"""The way in: links to the repository, its contributor guide and its issue forms from the
Contribute page and every study page; without a known repository, the site's own Contribute
page (with the guide's text) and never a dead link. Pages are generated for packages the tests
build (fixtures.synthetic) and, for the anchors, read from the built shipped site."""

from __future__ import annotations

import html
import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from fixtures.sites import ROOT, built_site
from fixtures.synthetic import write_package

from evreg.data.package import load_package
from evreg.review.plan import run_plan
from evreg.site.build import reproducible
from evreg.site.charts import default_cache_dir
from evreg.site.links import SEND_ANCHOR, RepoLinks, repo_url
from evreg.site.mkdocs_config import load_site_config
from evreg.site.pages import BuildOptions, generate_docs

REPO = "https://github.com/example-owner/evreg"


def _docs(pkg: Path, docs: Path) -> tuple[Path, list]:
    package = load_package(pkg)
    with reproducible(package):
        nav = generate_docs(
            package, run_plan(package), docs, BuildOptions(cache_dir=default_cache_dir())
        )
    return docs, nav


def _page(docs: Path, rel: str) -> str:
    return html.unescape((docs / rel / "index.md").read_text(encoding="utf-8"))


def _with_texts(pkg: Path) -> Path:
    """The package with the shipped Contribute intro and the repository's contributor guide."""
    (pkg / "site").mkdir(exist_ok=True)
    shutil.copy2(ROOT / "site" / "contribute.md", pkg / "site" / "contribute.md")
    (pkg / ".github").mkdir(exist_ok=True)
    shutil.copy2(ROOT / ".github" / "CONTRIBUTING.md", pkg / ".github" / "CONTRIBUTING.md")
    return pkg


@pytest.fixture(autouse=True)
def _no_actions_env(monkeypatch) -> None:
    monkeypatch.delenv("GITHUB_SERVER_URL", raising=False)
    monkeypatch.delenv("GITHUB_REPOSITORY", raising=False)


def test_repo_url_comes_from_mkdocs_then_actions_else_nothing() -> None:
    env = {"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "someone/registry"}
    assert repo_url({"repo_url": REPO + "/"}, env) == REPO
    assert repo_url({}, env) == "https://github.com/someone/registry"
    assert repo_url({}, {}) == ""
    assert repo_url({"repo_url": "javascript:alert(1)"}, {}) == ""
    assert repo_url({"repo_url": 'https://x.org/"><script>'}, {}) == ""


def test_correction_form_link_names_the_study() -> None:
    url = RepoLinks(REPO).correct("alpha-2020", "Alpha 2020 & co")
    query = parse_qs(urlparse(url).query)
    assert url.startswith(f"{REPO}/issues/new?")
    assert query == {
        "template": ["correct-a-study.yml"],
        "title": ["[Correction]: Alpha 2020 & co"],
        "study_id": ["alpha-2020"],
    }


def test_without_repository_or_texts_there_is_no_link(tmp_path: Path) -> None:
    docs, nav = _docs(write_package(tmp_path / "pkg"), tmp_path / "docs")
    assert not (docs / "contribute").exists()
    assert all("Contribute" not in n and "Repository" not in n for n in nav if isinstance(n, dict))
    assert "Correct or complete this study" not in _page(docs, "studies/alpha-2020")


def test_without_repository_the_contribute_page_carries_the_guide(tmp_path: Path) -> None:
    docs, nav = _docs(_with_texts(write_package(tmp_path / "pkg")), tmp_path / "docs")
    page = _page(docs, "contribute")
    assert "## Contributing a study" in page and "### 1. Fork and clone" in page
    assert "does not name its repository" in page and "github.com" not in page.split("##")[1]
    assert {"Contribute": "contribute/index.md"} in nav
    study = _page(docs, "studies/alpha-2020")
    assert (
        f'href="../../contribute/index.html#{SEND_ANCHOR}">Correct or complete this study' in study
    )


@pytest.mark.parametrize("how", ["mkdocs.yml", "GitHub Actions"])
def test_with_a_repository_every_study_links_to_the_forms(
    tmp_path: Path, monkeypatch, how: str
) -> None:
    pkg = _with_texts(write_package(tmp_path / "pkg"))
    if how == "mkdocs.yml":
        (pkg / "mkdocs.yml").write_text(f"site_name: test\nrepo_url: {REPO}\n", encoding="utf-8")
    else:
        monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.com")
        monkeypatch.setenv("GITHUB_REPOSITORY", "example-owner/evreg")
    docs, nav = _docs(pkg, tmp_path / "docs")
    assert {"Repository": REPO} in nav
    for study in load_package(pkg).studies:
        page = _page(docs, f"studies/{study['study_id']}")
        link = f"{REPO}/issues/new?template=correct-a-study.yml"
        assert link in page and f"study_id={study['study_id']}" in page
    contribute = _page(docs, "contribute")
    assert f'href="{REPO}/issues/new?template=submit-a-study.yml"' in contribute
    assert f'href="{REPO}/blob/HEAD/.github/CONTRIBUTING.md"' in contribute
    assert f'href="{REPO}"' in contribute
    assert "repo_url" not in load_site_config(load_package(pkg)), "no Material repo widget"


@pytest.mark.slow
def test_shipped_site_study_pages_reach_the_contribute_section(tmp_path_factory) -> None:
    """The shipped site names no repository: every study page links to the section of its
    Contribute page that exists, which carries the contributor guide."""
    site = built_site("main", tmp_path_factory)
    contribute = (site / "contribute" / "index.html").read_text(encoding="utf-8")
    assert f'id="{SEND_ANCHOR}"' in contribute and "Contributing a study" in contribute
    for study in load_package(ROOT).studies:
        page = (site / "studies" / study["study_id"] / "index.html").read_text(encoding="utf-8")
        assert f'href="../../contribute/index.html#{SEND_ANCHOR}"' in page, study["study_id"]

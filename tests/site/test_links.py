"""Every link of a built site resolves inside it: pages link relatively (they open from a
downloaded copy), and 404.html, which a server returns for any missing address, links from the
site's root, taken from its address (a GitHub project site lives under /REPO/)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import pytest
from fixtures.sites import build, built_site, page_links, resolve
from fixtures.synthetic import write_package

from evreg.site.links import site_url


def broken_links(site: Path, root: str = "/") -> list[str]:
    """Links of every HTML page that lead nowhere in ``site``; a root-absolute link is allowed
    on 404.html only, and must start with the site's root path ``root``."""
    broken = []
    for page in sorted(site.rglob("*.html")):
        where = page.relative_to(site).as_posix()
        for href in page_links(page)[0]:
            if href.startswith("//"):
                broken.append(f"{where}: {href} (another host)")
                continue
            if href.startswith("/"):
                if page.name != "404.html" or not href.startswith(root):
                    broken.append(f"{where}: {href} (root-absolute)")
                    continue
                href = href[len(root) :] or "index.html"
            target = resolve(site, site / "index.html" if page.name == "404.html" else page, href)
            if target is not None and not target.exists():
                broken.append(f"{where}: {href}")
    return broken


@pytest.mark.parametrize("name", ["main", "example"])
def test_every_link_of_the_built_site_resolves_404_included(tmp_path_factory, name) -> None:
    site = built_site(name, tmp_path_factory)
    assert (site / "404.html").exists()
    assert broken_links(site) == []


def test_a_project_site_404_links_under_its_address(tmp_path, monkeypatch) -> None:
    """Built for https://example.org/registry/, 404.html links to /registry/..., and every
    link still resolves inside the site."""
    monkeypatch.setenv("EVREG_SITE_URL", "https://example.org/registry/")
    pkg = write_package(tmp_path / "pkg")
    assert build(pkg / "datapackage.json", tmp_path / "out") == 0
    links = page_links(tmp_path / "out" / "404.html")[0]
    rooted = [h for h in links if h.startswith("/")]
    assert rooted and all(h.startswith("/registry/") for h in rooted)
    assert broken_links(tmp_path / "out", "/registry/") == []


@pytest.mark.parametrize(
    ("config", "env", "expected"),
    [
        ({"site_url": "https://x.org/a"}, {"GITHUB_REPOSITORY": "o/r"}, "https://x.org/a/"),
        ({}, {"EVREG_SITE_URL": "https://x.org/b/"}, "https://x.org/b/"),
        ({}, {"GITHUB_REPOSITORY": "Owner/reg"}, "https://owner.github.io/reg/"),
        ({}, {"GITHUB_REPOSITORY": "owner/owner.github.io"}, "https://owner.github.io/"),
        ({}, {"GITHUB_REPOSITORY": "a/../b"}, ""),
        ({"site_url": "javascript:alert(1)"}, {}, ""),
        ({}, {}, ""),
    ],
)
def test_site_address_from_config_environment_or_pages(config, env, expected) -> None:
    assert site_url(config, env) == expected
    if expected:
        assert urlparse(expected).path.endswith("/")

"""The MkDocs (Material) configuration of a build: the package's own ``mkdocs.yml`` with the
settings this site relies on enforced (offline: no Google Fonts, no repository widget; links
that open from ``file://``; the evreg styles, scripts and hooks), a light and a dark palette,
and the footer that says how to cite the data version shown.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import yaml

from evreg.data.package import Package
from evreg.errors import EvregError
from evreg.site.charts import BUNDLE_PATH
from evreg.site.html import safe_title
from evreg.site.links import site_url

HOOKS = Path(__file__).with_name("mkdocs_hooks.py")
# Material would show repo_url as a widget that asks api.github.com for stars and forks: the
# site makes no request to another host, so the address becomes plain links instead.
REPO_KEYS = ("repo_url", "repo_name", "edit_uri")
CSS_PATH = "assets/stylesheets/evreg.css"
JS_PATH = "assets/javascripts/evreg.js"
DEFAULT_CONFIG: dict = {
    "theme": {
        "name": "material",
        "font": False,
        "features": ["navigation.sections", "navigation.top"],
    },
    "plugins": ["search"],
    "markdown_extensions": [
        {"toc": {"permalink": True}},
        "tables",
        "attr_list",
        "md_in_html",
        "admonition",
    ],
}
FORBIDDEN_FEATURES = ("navigation.instant",)  # would skip page scripts (charts) on navigation
SCHEMES = (
    ("(prefers-color-scheme: light)", "default", "material/brightness-7", "Switch to dark mode"),
    ("(prefers-color-scheme: dark)", "slate", "material/brightness-4", "Switch to light mode"),
)


def user_config(package: Package) -> dict:
    """The package's own mkdocs.yml as a dict ({} when there is none)."""
    path = package.root / "mkdocs.yml"
    if not path.exists():
        return {}
    try:
        user = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise EvregError(f"mkdocs.yml: not valid YAML: {exc}".splitlines()[0]) from None
    if not isinstance(user, dict):
        raise EvregError("mkdocs.yml: expected a mapping of settings")
    return user


def load_site_config(package: Package) -> dict:
    """The package's mkdocs.yml (or a default) with the settings the site relies on enforced."""
    config: dict = json.loads(json.dumps(DEFAULT_CONFIG))
    config.update(user_config(package))
    for key in REPO_KEYS:
        config.pop(key, None)
    theme = dict(config.get("theme") or {})
    theme["name"] = "material"
    theme["font"] = False  # offline: no Google Fonts
    theme["features"] = [f for f in theme.get("features", []) if f not in FORBIDDEN_FEATURES]
    config["theme"] = theme
    theme["palette"] = palettes(theme.get("palette"))
    config.setdefault(
        "site_name", safe_title(package.descriptor.get("title") or "Evidence registry")
    )
    config["copyright"] = footer_html(package, config.get("copyright"))
    # links end in index.html, so they open pages from file:// too (a downloaded copy)
    config["use_directory_urls"] = False
    config["extra_css"] = list(config.get("extra_css", [])) + [CSS_PATH]
    config["extra_javascript"] = list(config.get("extra_javascript", [])) + [
        BUNDLE_PATH,
        JS_PATH,
    ]
    config["hooks"] = list(config.get("hooks", [])) + [str(HOOKS)]
    # 404.html links from the site's root: under a project address (owner.github.io/repo/) its
    # root is the address's path, which MkDocs takes from site_url
    config["site_url"] = site_url(config) or None
    for key in ("docs_dir", "site_dir", "nav", "INHERIT"):
        config.pop(key, None)
    return config


def write_config(package: Package, docs: Path, site_dir: Path, nav: list, dest: Path) -> Path:
    """Write the MkDocs config for this build to ``dest`` and return its path."""
    config = load_site_config(package)
    config["docs_dir"] = str(docs.resolve())
    config["site_dir"] = str(site_dir.resolve())
    config["nav"] = nav
    dest.write_text(yaml.safe_dump(config, sort_keys=True, allow_unicode=True), encoding="utf-8")
    return dest


def palettes(palette: object) -> list[dict]:
    """A light and a dark (slate) scheme with a toggle, in the package's primary and accent
    colours (its first palette entry; indigo and teal when it names none)."""
    first = palette[0] if isinstance(palette, list) and palette else palette
    first = first if isinstance(first, dict) else {}
    colours = {k: first.get(k, d) for k, d in (("primary", "indigo"), ("accent", "teal"))}
    return [
        {"media": media, "scheme": scheme, **colours, "toggle": {"icon": icon, "name": name}}
        for media, scheme, icon, name in SCHEMES
    ]


def citation(package: Package) -> str:
    """How to cite the data version the site shows (plain text)."""
    desc = package.descriptor
    title = " ".join(str(desc.get("title") or desc.get("name") or "This registry").split())
    date = (package.created or "")[:10] if package.unreleased is None else ""
    text = f"{title}. {package.shown_version}" + (f" of {date}" if date else "") + "."
    src = package.review.get("source_review") or {}
    if src.get("authors") and src.get("title"):
        authors = ", ".join(src["authors"])
        text += f" Source review: {authors}. {src['title']}. {src.get('journal', '')} "
        text += f"{src.get('year', '')}.".strip()
    return text


def footer_html(package: Package, copyright_text: object) -> str:
    """The footer: the package's own copyright line and how to cite this data version.
    MkDocs prints it unescaped, so every part is escaped here."""
    parts = [html.escape(str(copyright_text))] if copyright_text else []
    parts.append(f"How to cite: {html.escape(citation(package))}")
    return "<br>".join(parts)

"""The Jinja2 environment of the generated pages, and rendering a page from its view model.

Pages are Markdown files with raw HTML blocks (for MkDocs Material), one template each under
``templates/``; markup lives there, what to say and every number come from the view models
of :mod:`evreg.site.views`. Every template is autoescaped whatever its extension, undefined
names are errors, and printed values go through :func:`evreg.site.html.escape_html`.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from evreg.data.formats import ci_label
from evreg.review.results import CI_LEVEL
from evreg.site.html import escape_html, md_cell, raw_block, safe_title

TEMPLATES = "templates"


def environment() -> Environment:
    """A new environment for the page templates (one per build; nothing global)."""
    env = Environment(
        loader=PackageLoader("evreg.site", TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        finalize=escape_html,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.filters.update(md_cell=md_cell, raw_block=raw_block, page_title=safe_title)
    env.globals["analysis_ci"] = ci_label(CI_LEVEL)  # "95% CI": the level of every pooled CI
    return env


def render(env: Environment, template: str, **context: Any) -> str:
    """The page ``template`` (a name under templates/) rendered with ``context``."""
    return env.get_template(template).render(**context)

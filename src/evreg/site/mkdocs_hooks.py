"""MkDocs hooks of the evidence site (``hooks:`` in the generated MkDocs config).

Material's search overlay is a ``role="dialog"`` without a name (axe-core: aria-dialog-name);
the hook names it on every page. Deterministic: a fixed string replacement.
"""

from __future__ import annotations

from typing import Any

SEARCH_DIALOG = 'data-md-component="search" role="dialog"'


def on_post_page(output: str, **_: Any) -> str:
    """Give Material's search dialog an accessible name."""
    return output.replace(SEARCH_DIALOG, SEARCH_DIALOG + ' aria-label="Search"', 1)

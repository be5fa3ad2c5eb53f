"""Chart layout without a browser: text widths, wrapping, forest columns sized to their text,
the compact forest layout's lines within its width."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from evreg.site.layout import text_width, wrap
from evreg.site.plots.forest import ForestItem, ForestOptions, forest_chart, row_records
from evreg.site.plots.forest_compact import COMPACT_WIDTH, compact_forest_chart, compact_layout
from evreg.site.plots.parts import FONT_SIZE


def test_text_width_grows_with_text_and_bold() -> None:
    assert text_width("") == 0
    assert text_width("Garfinkel 1981") < text_width("Garfinkel 1981 and more")
    assert text_width("Total", bold=True) > text_width("Total")
    assert text_width("漢字") > text_width("ab")  # unknown characters count a full em


@given(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=0x3000), max_size=120))
def test_wrapped_lines_never_exceed_the_width(text: str) -> None:
    width = 80.0
    lines = wrap(text, width)
    assert lines
    assert all(text_width(line) <= width or len(line) == 1 for line in lines)
    assert "".join(lines).replace(" ", "") == "".join(text.split())


ITEMS = [
    ForestItem("heading", "All patients HBV-related: yes"),
    ForestItem("study", "A very long study label that needs two lines at least", 1.5, 1.1, 2.0, 40),
    ForestItem("study", "Short 2020", 0.8, 0.5, 1.3, 60),
    ForestItem("diamond_primary", "Subtotal, random effects (DL) (primary)", 1.1, 0.9, 1.4, 100),
]
OPTS = ForestOptions(measure="HR", favours=("Lower risk", "Higher risk"), footer=("Test line",))


def test_wide_text_columns_hold_their_widest_text() -> None:
    spec = forest_chart(ITEMS, OPTS)
    label = spec["hconcat"][0]["width"]
    widest = max(text_width(i.label, FONT_SIZE, i.kind != "study") for i in ITEMS)
    assert label >= widest
    ci = spec["hconcat"][3]["width"]
    assert ci >= text_width("1.50 [1.10, 2.00]", FONT_SIZE)


def test_compact_lines_fit_its_width_and_marks_follow_their_text() -> None:
    records = row_records(ITEMS, OPTS)
    lines, height = compact_layout(records, OPTS, COMPACT_WIDTH)
    for line in lines:
        assert text_width(line["text"], FONT_SIZE, line["bold"]) <= COMPACT_WIDTH, line
    rows = [r["row"] for r in records]
    assert rows == sorted(rows) and rows[-1] < height
    for r in records:  # each mark sits below the first line of its own text
        first = min(line["y"] for line in lines if line["y"] > 0 and line["text"] in r["label"])
        assert r["row"] >= first
    spec = compact_forest_chart(ITEMS, OPTS)
    assert spec["width"] == COMPACT_WIDTH
    assert spec["title"]["text"][0].startswith("Left of 1: Lower risk")
    assert spec["config"]["aria"] is False

"""Golden tests of the one formatter (evreg.data.formats) and the one Markdown escaper and
control-character stripper (evreg.data.text): every output prints a value the same way."""

from __future__ import annotations

import math

import pytest

from evreg.data import formats as f
from evreg.data.text import md_escape, strip_control

NAN, INF = math.nan, math.inf


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.624, "1.62"),
        (1.625001, "1.63"),
        (0.054, "0.054"),
        (0.0999, "0.100"),
        (0.1, "0.10"),
        (12.0, "12.00"),
        (123456.0, "1.23e+05"),
        (0.0000234, "2.34e-05"),
        (0.001, "0.001"),
        (0.0, "0.00"),
        (None, "—"),
        (NAN, "—"),
        (INF, "—"),
    ],
)
def test_ratio(value, text) -> None:
    assert f.fmt_ratio(value) == text


def test_ratio_column_is_the_ratio_of_each_value() -> None:
    values = [1.624, 0.054, 0.1, 123456.0, NAN, INF, -0.05, 2.0]
    assert f.fmt_ratios(values) == [f.fmt_ratio(v) for v in values]
    assert f.fmt_ratios([]) == []


def test_ratio_with_ci_in_revmans_layout() -> None:
    assert f.fmt_ci(1.62, 1.02, 2.6) == "1.62 [1.02, 2.60]"
    assert f.fmt_ci(0.054, 0.03, 0.09) == "0.054 [0.030, 0.090]"
    assert f.fmt_ci(None, 1.0, 2.0) == "—"
    assert f.fmt_ci(1.5, None, 2.0) == "1.50 [—, 2.00]"
    assert f.fmt_interval(1.02, 2.6) == "[1.02, 2.60]"


def test_a_column_of_ratios_is_headed_as_revman_heads_it() -> None:
    assert f.ci_header("HR", 0.95) == "HR [95% CI]"
    assert f.ci_header("OR", 0.9) == "OR [90% CI]"


def test_a_printed_ratio_keeps_its_printed_digits_in_the_same_layout() -> None:
    assert f.printed_ci("1.280", "0.7", "2.27") == "1.280 [0.7, 2.27]"


@pytest.mark.parametrize(
    ("p", "cell", "sentence"),
    [
        (0.000001, "< 0.00001", "P < 0.00001"),
        (0.00001, "0.00001", "P = 0.00001"),
        (0.00005, "0.00005", "P = 0.00005"),
        (0.0004, "0.00040", "P = 0.00040"),
        (0.001, "0.001", "P = 0.001"),
        (0.0034, "0.003", "P = 0.003"),
        (0.01, "0.01", "P = 0.01"),
        (0.043, "0.04", "P = 0.04"),
        (0.1, "0.10", "P = 0.10"),
        (1.0, "1.00", "P = 1.00"),
        (None, "—", "P = —"),
        (NAN, "—", "P = —"),
    ],
)
def test_p_value_one_rule_for_cells_and_sentences(p, cell, sentence) -> None:
    assert f.pval(p) == cell
    assert f.fmt_p(p) == sentence


def test_percentage_numbers_and_plurals() -> None:
    assert f.fmt_pct(45.4) == "45%" and f.fmt_pct(45.44, 1) == "45.4%"
    assert f.fmt_pct(None) == "—" and f.fmt_pct(NAN) == "—"
    assert f.num(1.234) == "1.23" and f.num(3) == "3" and f.num(True) == "yes"
    assert f.num(None) == "—" and f.num(NAN) == "—" and f.num("x") == "x"
    assert f.plural(1, "study", "studies") == "1 study"
    assert f.plural(3, "study", "studies") == "3 studies"
    assert f.plural(0, "warning") == "0 warnings"
    assert f.text(None) == "" and f.text(2) == "2"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.23456, "1.235"),
        (0.012345, "0.0123"),
        (0.5, "0.5"),
        (0.0001234, "1.234e-04"),
        (0.0, "0"),
        (INF, "inf"),
        (None, "—"),
        (NAN, "—"),
    ],
)
def test_significant_digits_for_messages(value, text) -> None:
    assert f.fmt_sig(value) == text


def test_one_missing_mark() -> None:
    missing = {
        f.fmt_ratio(None),
        f.fmt_ci(None, None, None),
        f.pval(None),
        f.fmt_pct(None),
        f.fmt_sig(None),
        f.num(None),
    }
    assert missing == {f.MISSING}


def test_control_characters_stripped() -> None:
    assert strip_control("plain text é") == "plain text é"
    assert strip_control("a\x1b[31mb\nc\u202ed") == "a?[31mb?c?d"
    assert strip_control("a\tb", " ") == "a b"


def test_markdown_escaper_is_inert_for_github_and_the_site() -> None:
    hostile = "a\nb\r\x00<b>*x*_y_</b> & 'q' \"r\" [l](javascript:x) | @octo #12 www.e.com"
    github = md_escape(hostile)
    assert github == (
        "a b &lt;b&gt;&#42;x&#42;&#95;y&#95;&lt;/b&gt; &amp; &#x27;q&#x27; &quot;r&quot; "
        "&#91;l&#93;(javascript:x) &#124; @&#8203;octo #&#8203;12 www&#8203;.e.com"
    )
    site = md_escape(hostile, github=False)
    assert site == github.replace("&#8203;", "")
    assert md_escape("x" * 500, limit=50) == "x" * 49 + "…"
    assert md_escape("&#124;", github=False) == "&amp;#124;"  # a reference stays text


def test_ci_levels() -> None:
    assert (
        f.fmt_level(0.95) == "95%" and f.fmt_level(0.9) == "90%" and f.fmt_level(0.995) == "99.5%"
    )
    assert f.ci_label(0.95) == "95% CI"
    assert f.printed_as(0.9, 0.95) == "printed as 90% CI"
    assert f.printed_as("0.90", 0.95) == "printed as 90% CI"
    assert f.printed_as(0.95, 0.95) == "" and f.printed_as(None, 0.95) == ""
    assert f.printed_as("", 0.95) == ""


def test_revmans_statistics_lines() -> None:
    assert f.fmt_chi2(4.7, 1, 0.0302) == "Chi² = 4.70, df = 1 (P = 0.03)"
    assert f.fmt_heterogeneity(5.1, 3, 0.164, 41.2, 0.0412) == (
        "Tau² = 0.04; Chi² = 5.10, df = 3 (P = 0.16); I² = 41%"
    )
    assert f.fmt_heterogeneity(5.1, 3, 0.164, 41.2, None) == (
        "Chi² = 5.10, df = 3 (P = 0.16); I² = 41%"  # a fixed-effect model: no Tau²
    )
    assert f.fmt_heterogeneity(0.0, 0, None, None, 0.0) == "not applicable (fewer than two studies)"
    assert f.fmt_subgroup_differences(1.15, 1, 0.284, 13.04) == (
        "Chi² = 1.15, df = 1 (P = 0.28), I² = 13%"
    )
    assert f.fmt_subgroup_differences(None, 0, None, None).startswith("not applicable")
    assert f.fmt_test("Z", -3.074, 0.0021) == "Z = 3.07 (P = 0.002)"
    assert f.fmt_test("t", None, None) == "not applicable"

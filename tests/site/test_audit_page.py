"""The Audit page's Markdown from its template: escaping of untrusted text and structure."""

from __future__ import annotations

import csv
import io
from html.parser import HTMLParser
from pathlib import Path

import markdown

from evreg.data.package import load_package
from evreg.review import audit
from evreg.review.audit import AuditFinding
from evreg.site.render import environment, render
from evreg.site.views.audit import Words, audit_view, findings_view

EXTENSIONS = ["toc", "tables", "attr_list", "md_in_html", "admonition", "def_list", "footnotes"]
HOSTILE = '<script>alert(1)</script> | [x](javascript:alert(1)) *b* `c` {: onclick="x"} &amp;'


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append((tag, attrs))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def page_markdown(findings: list[AuditFinding], repro: list | tuple = ()) -> str:
    return render(environment(), "audit.md.j2", view=findings_view(findings, repro))


def rendered(md: str) -> Tags:
    body = md.split("---", 2)[-1]  # drop the front matter, as MkDocs does
    parser = Tags()
    parser.feed(markdown.markdown(body, extensions=EXTENSIONS))
    return parser


def write_csv(path: Path, rows: list[dict]) -> None:
    with open(path, encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh))
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=header, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({h: r.get(h, "") for h in header})
    path.write_text(buf.getvalue(), encoding="utf-8")


class Rows(HTMLParser):
    """The text of each table row's cells (header rows aside), and of each list item."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.items: list[str] = []
        self._cell: list[str] | None = None
        self._item: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag == "td":
            self._cell = []
        elif tag == "li":
            self._item = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "li" and self._item is not None:
            self.items.append("".join(self._item).strip())
            self._item = None

    def handle_data(self, data: str) -> None:
        for part in (self._cell, self._item):
            if part is not None:
                part.append(data)


def table_rows(md: str) -> Rows:
    body = md.split("---", 2)[-1]
    parser = Rows()
    parser.feed(markdown.markdown(body, extensions=EXTENSIONS))
    parser.rows = [r for r in parser.rows if r]
    return parser


def test_audit_page_escapes_untrusted_text() -> None:
    f = AuditFinding("p_vs_ci", "error", HOSTILE, HOSTILE, HOSTILE, HOSTILE, HOSTILE)
    md = page_markdown([f])
    page = rendered(md)
    assert not [t for t, _ in page.tags if t in ("script", "a", "img", "em", "code")]
    assert not [a for _, attrs in page.tags for a in attrs if a[0].startswith("on")]
    text = "".join(page.text)
    # shown literally: four table cells (analysis, study, printed, expected) and the message
    assert text.count("<script>alert(1)</script>") == 5
    assert "&amp;amp;" not in text and "&amp;" in text


def test_audit_page_table_shape_and_counts() -> None:
    findings = [
        AuditFinding("q_p_vs_i2", "error", "a1", None, "Q p 0.10", "Q p in [0.07, 0.08]", "a | b"),
        AuditFinding("identical_characteristics", "warning", None, "s2", "N 9", "x", "m"),
        AuditFinding("reproduction", "note", "a1", None, "HR 1", "k", "cannot"),
    ]
    md = page_markdown(findings)
    assert "<strong>1 error, 1 warning, 1 note.</strong>" in md  # singular for one
    page = table_rows(md)
    found = [r for r in page.rows if r[0] == "1"]
    assert len(found) == 1 and len(found[0]) == 7  # numbered; its message in the list below
    assert found[0][1:3] == ["error", audit.CHECK_LABELS["q_p_vs_i2"]]
    assert page.items[0] == f"{audit.CHECK_LABELS['q_p_vs_i2']}: a | b"
    checks = [r for r in page.rows if r[0] == audit.CHECK_LABELS["two_study_direction"]]
    assert checks and checks[0][-1] == "0"
    visible = " ".join(" ".join(r) for r in page.rows) + " ".join(page.items)
    assert not [name for name in audit.CHECKS if name in visible]  # check names never shown


def test_every_check_has_a_label_for_readers() -> None:
    assert list(audit.CHECK_LABELS) == list(audit.CHECKS)
    assert all(label and "_" not in label for label in audit.CHECK_LABELS.values())


def test_audit_page_reproduction_table_verdict_first_in_words() -> None:
    rep = audit.Reproduction(
        result_id="r-1",
        analysis="a",
        subgroup_level=None,
        k_published=3,
        k_available=1,
        model="fixed",
        model_basis="as printed",
        used=("e-1",),
        inputs=(),
        missing=("e-2: not found",),
        published={"hr": "1.50", "ci_lower": "1.10", "ci_upper": "2.05"},
        recomputed={"hr": 1.62, "ci_lower": 1.02, "ci_upper": 2.6},
        verdict="cannot be reproduced yet",
        differences=(),
    )
    say = Words({"r-1": "High X and OS", "e-2": "Beta 2021 (X, OS)"})
    md = render(environment(), "audit.md.j2", view=findings_view([], [rep], say))
    assert "No inconsistency found." in md
    (row,) = table_rows(md).rows[:1]
    assert row[:3] == ["cannot be reproduced yet", "High X and OS", "1 of 3"]
    assert row[3:6] == ["1.50 [1.10, 2.05]", "fixed effect", "1.62 [1.02, 2.60]"]
    assert row[6] == "Beta 2021 (X, OS): not found"


def test_audit_words_typeset_the_notation() -> None:
    say = Words({"x-os": "High X and OS"})
    assert say("P(chi2_4 > Q) for x-os, I2 52%") == "P(χ²(4) > Q) for High X and OS, I² 52%"
    assert say("x-os-hbv") == "x-os-hbv"  # a longer id is not a label's prefix


def test_hostile_study_text_is_escaped_on_the_page(package_copy: Path) -> None:
    path = package_copy / "data" / "studies.csv"
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows[:2]:
        r.update(n="77", age=HOSTILE, male="70", female="7")
    write_csv(path, rows)
    package = load_package(package_copy)
    findings = audit.audit_package(package)
    (dup,) = [
        f
        for f in findings
        if f.check == "identical_characteristics" and f.study_id == rows[1]["study_id"]
    ]
    assert HOSTILE in dup.printed
    page = rendered(render(environment(), "audit.md.j2", view=audit_view(package)))
    assert not [t for t, _ in page.tags if t in ("script", "a", "img", "em", "code")]
    assert not [a for _, attrs in page.tags for a in attrs if a[0].startswith("on")]

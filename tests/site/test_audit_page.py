"""The Audit page's Markdown from its template: escaping of untrusted text and structure."""

from __future__ import annotations

import csv
import html
import io
from html.parser import HTMLParser
from pathlib import Path

import markdown

from evreg.data.package import load_package
from evreg.review import audit
from evreg.review.audit import AuditFinding
from evreg.site.render import environment, render
from evreg.site.views.audit import audit_view, findings_view

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


def test_audit_page_escapes_untrusted_text() -> None:
    f = AuditFinding("p_vs_ci", "error", HOSTILE, HOSTILE, HOSTILE, HOSTILE, HOSTILE)
    md = page_markdown([f])
    page = rendered(md)
    tags = {t for t, _ in page.tags}
    allowed = {"h1", "h2", "h3", "p", "strong", "table", "thead", "tbody", "tr", "th", "td"}
    assert tags <= allowed | {"ol", "li"}
    assert not any(attrs for t, attrs in page.tags if t not in ("h1", "h2", "h3"))
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
    assert "**1 error, 1 warning, 1 note.**" in md  # singular for one
    plain = [html.unescape(ln) for ln in md.splitlines()]
    lines = [ln for ln in md.splitlines() if html.unescape(ln).startswith("| 1 | q_p_vs_i2")]
    assert len(lines) == 1  # the finding row (numbered; its message is in the list below)
    assert lines[0].count("|") == 8  # seven cells
    how = [ln for ln in plain if ln.startswith("1. **q_p_vs_i2**: ")]
    assert len(how) == 1 and how[0].count("|") == 1  # the "|" of the message, escaped
    assert "a &#124; b" in md and "a | b" not in md
    checks_rows = [ln for ln in plain if ln.startswith("| two_study_direction")]
    assert checks_rows and checks_rows[0].endswith("| 0 |")


def test_audit_page_reproduction_table() -> None:
    rep = audit.Reproduction(
        result_id="r<1>",
        analysis="a",
        subgroup_level=None,
        k_published=3,
        k_available=1,
        model="fixed",
        model_basis="as printed",
        used=("e1",),
        inputs=(),
        missing=("b: not_found",),
        published={"hr": "1.50", "ci_lower": "1.10", "ci_upper": "2.05"},
        recomputed={"hr": 1.62, "ci_lower": 1.02, "ci_upper": 2.6},
        verdict="cannot be reproduced yet",
        differences=(),
    )
    md = page_markdown([], [rep])
    assert "## Reproduction" in md and "No inconsistency found." in md
    row = html.unescape(next(ln for ln in md.splitlines() if ln.startswith("| r&lt;1&gt;")))
    assert "| 1 / 3 |" in row and "1.50 [1.10, 2.05]" in row and "1.62 [1.02, 2.60]" in row
    assert "b: not_found" in row


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

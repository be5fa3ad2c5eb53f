"""Page templates: strict rendering, escaping of contributor text, the reviewed trusted markup.

Pages are generated (``evreg.site.pages.generate_docs``, charts and all) into a docs folder
for packages the tests build, and the Markdown the templates wrote is read back.
"""

from __future__ import annotations

import ast
import csv
import html
import io
import re
from concurrent.futures import Future
from pathlib import Path

import pytest
from fixtures.sites import EXAMPLE, HOSTILE, ROOT, copy_package
from jinja2 import UndefinedError, meta

from evreg.data.package import load_package
from evreg.review.plan import run_plan
from evreg.site.build import reproducible
from evreg.site.charts import default_cache_dir
from evreg.site.html import json_for_html, md_cell, raw_block
from evreg.site.pages import BuildOptions, generate_docs
from evreg.site.render import environment
from evreg.site.viewmodel import ChartImage, Figure, FigureFiles, TextAlternative

SITE = ROOT / "src" / "evreg" / "site"
TEMPLATES = SITE / "templates"

# Page template -> the pages it writes (a docs-relative glob). Partials are reached from these.
PAGES = {
    "home.md.j2": "index.md",
    "analyses.md.j2": "analyses/index.md",
    "analysis.md.j2": "analyses/*/index.md",
    "studies.md.j2": "studies/index.md",
    "study.md.j2": "studies/*/index.md",
    "methods.md.j2": "methods/index.md",
    "data.md.j2": "data/index.md",
    "audit.md.j2": "audit/index.md",
    "whats_new.md.j2": "whats-new/index.md",
    "contribute.md.j2": "contribute/index.md",
}
# Pages only a package with a Contribute intro or a contributor guide has.
OPTIONAL = {"contribute.md.j2"}

# Every place in src/evreg/site that marks text as trusted markup (Markup(...)), by
# (file, function), with the reason it is safe. A new one fails the test until reviewed here.
MARKUP_ALLOWLIST = {
    ("html.py", "escape_html"): "the templates' finalize: the value escaped by html.escape",
    ("html.py", "md_cell"): "escaped by html.escape, then Markdown syntax characters as &#NN;",
    ("html.py", "raw_block"): "already-rendered template output (a block), blank lines removed",
    ("html.py", "json_for_html"): "inline chart JSON with <, >, & and U+2028/9 as \\u escapes",
    ("views/context.py", "hand_written"): "the maintainers' site/*.md intros and CONTRIBUTING.md",
    ("views/whats_new.py", "changelog_body"): "CHANGELOG.md with < > escaped, links disabled",
}


def _generate(package_dir: Path, docs: Path) -> Path:
    package = load_package(package_dir / "datapackage.json")
    results = run_plan(package)
    with reproducible(package):
        generate_docs(package, results, docs, BuildOptions(cache_dir=default_cache_dir()))
    return docs


def _rewrite(path: Path, change) -> None:
    """Apply ``change(row)`` to every row of a CSV file."""
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    for i, row in enumerate(rows):
        change(i, row)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def _csv_line(cells: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(cells)
    return out.getvalue()


def _hostile_everywhere(dest: Path) -> Path:
    """The shipped package with hostile text in every analysis title, every study title,
    candidate notes, a reviewer's certainty judgement (its reason and who), the review
    question, two studies' ages (an audit finding) and the changelog: so that every page but
    the data page shows contributor text."""
    pkg = copy_package(ROOT, dest)
    data = pkg / "data"

    def study(i: int, row: dict) -> None:
        row["title"] = f"Title {HOSTILE}"
        if i < 2:
            row.update(n="77", age=HOSTILE, male="70", female="7")

    _rewrite(data / "studies.csv", study)
    _rewrite(data / "analyses.csv", lambda i, r: r.update(title=f"{r['title']} {HOSTILE}"))
    _rewrite(data / "candidates.csv", lambda i, r: r.update(notes=HOSTILE))
    analysis = next(csv.DictReader(io.StringIO((data / "analyses.csv").read_text("utf-8"))))
    (data / "certainty.csv").write_text(
        "analysis_id,domain,judgement,reason,assessed_by,result_id,data_version,estimate_ids\n"
        + _csv_line(
            [analysis["analysis_id"], "indirectness", "serious", HOSTILE, HOSTILE, "", "", ""]
        ),
        encoding="utf-8",
    )
    descriptor = pkg / "datapackage.json"
    text = descriptor.read_text(encoding="utf-8")
    question = re.search(r'"question": "((?:[^"\\]|\\.)*)"', text)
    assert question, "the shipped package states its question"
    escaped = HOSTILE.replace('"', '\\"')
    text = text.replace(question.group(0), f'"question": "{question.group(1)} {escaped}"', 1)
    descriptor.write_text(text, encoding="utf-8")
    (pkg / "CHANGELOG.md").write_text(f"# Changelog\n\n## 1.0.0\n\n- {HOSTILE}\n", "utf-8")
    return pkg


@pytest.fixture(scope="module")
def hostile_docs(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("hostile-docs")
    return _generate(_hostile_everywhere(base / "pkg"), base / "docs")


@pytest.fixture(scope="module")
def bare_docs(tmp_path_factory) -> Path:
    """The example package without hand-written pages, candidates or changelog."""
    base = tmp_path_factory.mktemp("bare-docs")
    pkg = copy_package(EXAMPLE, base / "pkg")
    for path in (pkg / "site").glob("*"):
        path.unlink()
    candidates = pkg / "data" / "candidates.csv"
    candidates.write_text(candidates.read_text(encoding="utf-8").splitlines()[0] + "\n")
    (pkg / "CHANGELOG.md").unlink(missing_ok=True)
    return _generate(pkg, base / "docs")


def _page_files(docs: Path) -> list[Path]:
    return sorted(p for p in docs.rglob("index.md"))


def test_environment_escapes_everything_and_refuses_undefined_names() -> None:
    env = environment()
    assert env.autoescape is True
    out = env.from_string("{{ x }}|{{ x ~ '' }}|{{ [x]|join(', ') }}").render(x=HOSTILE)
    assert out == "|".join([html.escape(HOSTILE)] * 3)
    with pytest.raises(UndefinedError):
        env.from_string("{{ missing }}").render()
    with pytest.raises(UndefinedError):
        env.from_string("{% if view.missing %}x{% endif %}").render(view=object())
    with pytest.raises(TypeError, match="None reached a template"):
        env.from_string("{{ x }}").render(x=None)


def test_every_template_is_a_page_or_reached_from_one() -> None:
    env = environment()
    found = set(env.list_templates())
    reached, todo = set(), list(PAGES)
    while todo:
        name = todo.pop()
        if name in reached:
            continue
        reached.add(name)
        source = env.loader.get_source(env, name)[0]
        todo += [t for t in meta.find_referenced_templates(env.parse(source)) if t]
    assert found == reached
    assert {p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*.j2")} == found


@pytest.mark.slow
def test_every_page_template_renders_for_packages_with_and_without_everything(
    hostile_docs: Path, bare_docs: Path
) -> None:
    """Both builds ran every page template under StrictUndefined (generate_docs would raise)."""
    for docs in (hostile_docs, bare_docs):
        optional = OPTIONAL if docs == bare_docs else set()
        missing = [t for t, pages in PAGES.items() if not list(docs.glob(pages))]
        assert set(missing) <= optional, (docs, missing)
    assert not (bare_docs / "contribute").exists(), "no Contribute page without its texts"
    bare = (bare_docs / "studies" / "index.md").read_text(encoding="utf-8")
    assert "No record identified since the review is kept yet." in bare
    news = (bare_docs / "whats-new" / "index.md").read_text(encoding="utf-8")
    assert "No release has been recorded yet" in news
    home = (bare_docs / "index.md").read_text(encoding="utf-8")
    front = '---\ntitle: "Home"\nhide:\n  - toc\n---\n\n# '
    assert home.startswith(front), "no intro: the page opens on its title (TOC hidden)"
    title_line = home[len(front) - 2 :].split("\n", 1)[0]
    after = home.split(title_line, 1)[1].lstrip("\n")
    assert after.startswith('<div class="evreg-block">\n<section class="evreg-answers"'), (
        "the answers come first"
    )
    funnel = "Funnel plot: pseudo 95% limits"
    assert any(funnel in p.read_text(encoding="utf-8") for p in bare_docs.glob("analyses/*/*.md"))


@pytest.mark.slow
def test_hostile_text_is_escaped_in_every_page(hostile_docs: Path) -> None:
    escaped = html.escape(HOSTILE)
    pages = _page_files(hostile_docs)
    for page in pages:
        name = page.relative_to(hostile_docs).as_posix()
        text = page.read_text(encoding="utf-8")
        assert "<script>alert" not in text and "<img src=x" not in text, name
        assert 'href="javascript:' not in text, name
        if name in ("data/index.md", "contribute/index.md"):
            continue  # file names, fixed texts, the maintainers' own pages: no contributor text
        marker = "&lt;script&gt;alert(" if name == "whats-new/index.md" else escaped
        assert marker in text, f"{name} shows no contributor text"


class _MarkupCalls(ast.NodeVisitor):
    """(file, enclosing function) of every Markup(...) call in a module."""

    def __init__(self, name: str) -> None:
        self.name, self.stack, self.found = name, ["<module>"], set()

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self.stack.append(node.name)
        self.generic_visit(node)
        self.stack.pop()

    def visit_Call(self, node: ast.Call) -> None:
        if ast.unparse(node.func).split(".")[-1] == "Markup":
            self.found.add((self.name, self.stack[-1]))
        self.generic_visit(node)


def test_trusted_markup_is_only_where_reviewed() -> None:
    found: set[tuple[str, str]] = set()
    for path in sorted(SITE.rglob("*.py")):
        calls = _MarkupCalls(path.relative_to(SITE).as_posix())
        calls.visit(ast.parse(path.read_text(encoding="utf-8")))
        found |= calls.found
        text = path.read_text(encoding="utf-8")
        assert "def __html__" not in text, f"{path.name}: a class that bypasses escaping"
    assert found == set(MARKUP_ALLOWLIST)
    for path in sorted(TEMPLATES.rglob("*.j2")):
        text = path.read_text(encoding="utf-8")
        bad = re.findall(r"\|\s*safe\b|autoescape\s+false|\|\s*forceescape", text)
        assert not bad, f"{path.name}: {bad}"


def test_markdown_cells_and_blocks() -> None:
    assert md_cell("a | *b*\n_c_ <d>") == "a &#124; &#42;b&#42; &#95;c&#95; &lt;d&gt;"
    assert raw_block("\n<p>a</p>\n\n  \n<p>b</p>\n") == "<p>a</p>\n<p>b</p>"


def _files(wide: ChartImage, compact: ChartImage | None, scale: float | None) -> Future:
    done: Future = Future()
    done.set_result(FigureFiles(wide, compact, scale))
    return done


def test_figure_offers_a_png_only_when_the_chart_is_not_too_tall() -> None:
    figure = environment().get_template("macros.html.j2").module.figure
    alt = TextAlternative(summary=HOSTILE, items=("one", "two"))
    wide = ChartImage("forest.svg", 700, 400, json_for_html({}))
    out = str(figure(Figure("forest", HOSTILE, "Caption.", _files(wide, None, None), alt)))
    assert "PNG not offered for a chart this tall (use the SVG)" in out and ".png" not in out
    assert "<script>alert" not in out and out.count(html.escape(HOSTILE)) == 4
    assert "<ul><li>one</li><li>two</li></ul>" in out
    assert "<source" not in out  # no compact layout: the wide image at every width
    assert '<script type="application/json" id="spec-forest">{}</script>' in out
    compact = ChartImage("forest-compact.svg", 330, 900, json_for_html({}))
    out = str(figure(Figure("forest", "T", "C.", _files(wide, compact, 2.0), alt)))
    # the browser makes the PNG (evreg.js reveals the offer once the chart is drawn)
    assert '<span class="evreg-png-offer" hidden>' in out
    assert 'data-png-scale="2.0" data-filename="forest.png"' in out
    assert '<source media="(max-width: 599.98px)" srcset="forest-compact.svg"' in out
    assert '<img src="forest.svg" alt="T" aria-describedby="forest-alt"' in out
    assert '<details class="evreg-alt" id="forest-alt">' in out
    assert "data-spec-src" not in out and "charts.json" not in out


def test_a_large_spec_is_read_from_the_page_chart_data_file() -> None:
    figure = environment().get_template("macros.html.j2").module.figure
    wide = ChartImage("forest.svg", 700, 400, None, "charts.json")
    compact = ChartImage("forest-compact.svg", 330, 900, None, "charts.json")
    alt = TextAlternative(summary="S")
    out = str(figure(Figure("forest", "T", "C.", _files(wide, compact, 2.0), alt)))
    assert 'data-spec-src="charts.json"' in out
    assert '<script type="application/json"' not in out
    assert "opened from a file, the image is the chart" in out

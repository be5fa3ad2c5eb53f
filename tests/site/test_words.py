"""Words, not codes; weights that add up; the offline copy; how to cite (built sites, no browser).

Codes and their labels come from each package's Table Schemas (field ``title``, field
``enumLabels``), so the checks follow the data: a new code with a label is checked too.
"""

from __future__ import annotations

import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fixtures.sites import EXAMPLE, ROOT, built_site

from evreg.data.package import load_package, with_release_status
from evreg.review.audit import CHECK_LABELS
from evreg.review.plan import run_plan
from evreg.site.analysis_figures import subgroup_items, subgroup_spec
from evreg.site.labels import Labels

pytestmark = pytest.mark.slow

HIDDEN = {"script", "style", "code", "pre", "head", "title"}  # code is shown as code
SHOWN_ATTRIBUTES = ("alt", "aria-label", "title")


class _Visible(HTMLParser):
    """Text a reader sees or hears: element text outside script/style/code, alt and labels,
    and table cells one by one."""

    def __init__(self) -> None:
        super().__init__()
        self.hidden = 0
        self.texts: list[str] = []
        self.cells: list[str] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in HIDDEN:
            self.hidden += 1
        self.texts += [v for k, v in attrs if k in SHOWN_ATTRIBUTES and v]
        if tag == "td":
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        if tag == "td" and self._cell is not None:
            self.cells.append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.texts.append(data)
            if self._cell is not None:
                self._cell.append(data)


def _svg_text(path: Path) -> list[str]:
    return re.findall(r"<text[^>]*>([^<]*)</text>", path.read_text(encoding="utf-8"))


def _every_schema() -> dict:
    """A descriptor declaring every Table Schema of the registry's own ``schemas/``."""
    files = sorted((ROOT / "schemas").glob("*.json"))
    return {"resources": [{"name": p.stem, "schema": f"schemas/{p.name}"} for p in files]}


def _labelled_codes(package_dir: Path) -> dict[str, str]:
    """Codes a reader should never see: snake_case values and field names with a label, the
    audit's check names, the estimates' and analyses' ids and the resources' names (every page
    shows their labels)."""
    package = load_package(package_dir / "datapackage.json")
    codes = Labels.from_package(package.root, package.descriptor).codes()
    # and evreg's own schemas: a code a package's schemas lack (an optional resource it does
    # not declare) may still reach its pages through the analyses' reasons
    codes |= Labels.from_package(ROOT, _every_schema()).codes()
    shown = {c: label for c, label in codes.items() if "_" in c and label != c}
    shown.update((name, label) for name, label in CHECK_LABELS.items() if "_" in name)
    shown.update((e["estimate_id"], "its study's label") for e in package.estimates)
    shown.update((a["analysis_id"], "its title") for a in package.analyses)
    resources = package.descriptor["resources"]
    shown.update((r["name"], r["title"]) for r in resources if "_" in r["name"] and "title" in r)
    return shown


@pytest.mark.parametrize("name, package", [("main", ROOT), ("example", EXAMPLE)])
def test_no_code_with_a_label_is_shown(tmp_path_factory, name: str, package: Path) -> None:
    site = built_site(name, tmp_path_factory)
    codes = _labelled_codes(package)
    assert codes, "the package's schemas label their codes"
    pattern = re.compile(r"(?<![\w./-])(" + "|".join(map(re.escape, codes)) + r")(?![\w.-])")
    seen: dict[str, set[str]] = {}
    for page in sorted(site.rglob("*.html")):
        parser = _Visible()
        parser.feed(page.read_text(encoding="utf-8"))
        rel = page.relative_to(site).as_posix()
        texts = parser.texts + [t for svg in page.parent.glob("*.svg") for t in _svg_text(svg)]
        found = {m for t in texts for m in pattern.findall(t)}
        found |= {c for c in parser.cells if c in ("true", "false")}
        if found:
            seen[rel] = found
    assert not seen


def test_labels_come_from_the_schemas() -> None:
    package = load_package(ROOT / "datapackage.json")
    words = Labels.from_package(package.root, package.descriptor)
    assert words.title("studies", "hbv_all_patients") == "All patients HBV-related"
    assert words.value("studies", "hbv_all_patients", "true") == "yes"
    assert words.value("studies", "hbv_all_patients", "false") == "no"
    assert words.values("estimates", "timepoint", "baseline;on_treatment") == (
        "baseline, on treatment"
    )
    assert words.value("estimates", "status", "unlisted") == "unlisted"  # no label: as is
    assert words.title("studies", "no_such_field") == "No such field"
    # every enumerated code of a labelled field has its label, and only those codes
    for (resource, name), f in words.fields.items():
        enum = f.get("constraints", {}).get("enum", [])
        if f.get("enumLabels"):
            assert set(f["enumLabels"]) == set(enum), (resource, name)


def test_subgroup_weights_are_within_each_subgroup_and_sum_to_its_subtotal() -> None:
    package = load_package(EXAMPLE / "datapackage.json")
    analyses = [a for a in run_plan(package).analyses if a.subgroups and a.subgroups.fixed]
    assert analyses, "the example has a subgroup analysis"
    for a in analyses:
        items, footer = subgroup_items(a, "Design", {})
        assert any("within each subgroup" in line for line in footer)
        levels: list[list] = []
        for item in items:
            if item.kind == "heading":
                levels.append([])
            elif levels:
                levels[-1].append(item)
        checked = 0
        for rows in levels:
            studies = [i.weight for i in rows if i.kind == "study"]
            subtotals = [i for i in rows if i.kind.startswith("diamond")]
            if not studies or not subtotals or not subtotals[0].label.startswith("Subtotal"):
                continue
            assert sum(studies) == pytest.approx(100.0, abs=0.05)
            assert all(s.weight == pytest.approx(sum(studies), abs=0.05) for s in subtotals)
            checked += 1
        assert checked == len(a.subgroups.levels)
        # the rows the chart draws carry the same within-subgroup weights
        spec = subgroup_spec(a, "OR", ("lower", "higher"), "Design", {})["wide"]
        drawn = [r["weight"] for r in spec["datasets"]["rows"] if r["kind"] == "study"]
        listed = [i.weight for i in items if i.kind == "study"]
        assert drawn == listed


def test_each_studys_subgroup_weight_is_from_the_subgroups_own_tau2() -> None:
    """Random effects within a level: 100 (1 / (se_i^2 + tau2_level)) / sum, with the level's
    own tau2 (not the overall one), each on its own study's row (not only the right sum)."""
    package = load_package(EXAMPLE / "datapackage.json")
    a = run_plan(package).get("ets-lung-design")
    sg = a.subgroups
    assert a.primary == "random" and sg is not None and sg.random is not None
    tau2s = {level: sg.random.groups[level].tau2 for level in sg.levels}
    assert any(t > 0 and abs(t - a.random.tau2) > 1e-3 for t in tau2s.values())
    items, _ = subgroup_items(a, "Design", {})
    shown = {}
    level = None
    for item in items:
        if item.kind == "heading":
            level = next((x for x in sg.levels if item.label == f"Design: {x}"), None)
        elif item.kind == "study" and level is not None:
            shown[(level, item.label)] = item.weight
    for level, tau2 in tau2s.items():
        members = [u for u in a.used if u.subgroup_level == level]
        w = [1 / (u.se**2 + tau2) for u in members]
        for u, wi in zip(members, w, strict=True):
            assert shown[(level, u.label)] == pytest.approx(100 * wi / sum(w), rel=1e-9)
    assert len(shown) == sum(u.subgroup_level is not None for u in a.used)


def test_the_site_offers_a_zip_of_itself_for_offline_reading(tmp_path_factory) -> None:
    site = built_site("example", tmp_path_factory)
    data_page = (site / "data" / "index.html").read_text(encoding="utf-8")
    href = re.search(r'href="([^"]+-site\.zip)"', data_page)
    assert href, "the Data page links the zip of the site"
    with zipfile.ZipFile(site / "data" / href.group(1)) as zf:
        names = zf.namelist()
    prefix = names[0].split("/")[0]
    assert f"{prefix}/index.html" in names
    assert f"{prefix}/analyses/ets-lung/forest.svg" in names
    on_disk = {
        p.relative_to(site).as_posix()
        for p in site.rglob("*")
        if p.is_file() and p.name not in (href.group(1), ".evreg-site")
    }
    assert {n.split("/", 1)[1] for n in names} == on_disk


@pytest.mark.parametrize("name, package", [("main", ROOT), ("example", EXAMPLE)])
def test_the_footer_says_how_to_cite_the_data_version(tmp_path_factory, name, package) -> None:
    site = built_site(name, tmp_path_factory)
    shown = with_release_status(load_package(package / "datapackage.json")).shown_version
    for page in ("index.html", "methods/index.html"):
        footer = (site / page).read_text(encoding="utf-8").split('class="md-copyright"')[1]
        assert "How to cite:" in footer and shown in footer


@pytest.mark.parametrize("name", ["main", "example"])
def test_every_page_has_one_title(tmp_path_factory, name: str) -> None:
    site = built_site(name, tmp_path_factory)
    counts = {
        page.relative_to(site).as_posix(): page.read_text(encoding="utf-8").count("<h1")
        for page in site.rglob("*.html")
    }
    assert {p: n for p, n in counts.items() if n != 1} == {}
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "What\u2019s new" in home and "Whats new" not in home


def test_one_study_results_explain_a_last_digit_difference(tmp_path_factory) -> None:
    from evreg.data.formats import fmt_ci

    site = built_site("main", tmp_path_factory)
    results = run_plan(load_package(ROOT / "datapackage.json"))
    for a in results.analyses:
        res = a.primary_result
        if res is None or res.k != 1:
            continue
        u = a.used[0]
        page = (site / "analyses" / a.analysis_id / "index.html").read_text(encoding="utf-8")
        differs = fmt_ci(res.estimate, res.ci_lower, res.ci_upper) != fmt_ci(*u.printed_high_vs_low)
        assert ("can differ in the last digit" in page) is differs, a.analysis_id


def test_sources_link_the_study_doi_where_there_is_one(tmp_path_factory) -> None:
    site = built_site("main", tmp_path_factory)
    package = load_package(ROOT / "datapackage.json")
    with_doi = {s["study_id"]: s["doi"] for s in package.studies if s.get("doi")}
    estimates = {e["study_id"] for e in package.estimates if e.get("source_url")}
    checked = 0
    for sid, doi in with_doi.items():
        if sid not in estimates:
            continue
        page = (site / "studies" / sid / "index.html").read_text(encoding="utf-8")
        assert f'href="https://doi.org/{doi}"' in page, sid
        checked += 1
    assert checked, "the shipped studies with a DOI have estimates with a source"

"""The built site (no browser): pages, links, data files, determinism, failure safety, escaping.

Each site is built once per session by the real ``evreg build`` (see fixtures.sites).
"""

from __future__ import annotations

import csv
import html
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from fixtures.sites import (
    EXAMPLE,
    EXTERNAL_RESOURCE,
    HOSTILE,
    HOSTILE_ANALYSIS,
    HOSTILE_AUTHOR,
    HOSTILE_STUDY,
    ROOT,
    build,
    built_site,
    copy_package,
    crawl,
    page_links,
    tree_digest,
)
from fixtures.synthetic import ADDED_STUDY, write_package

from evreg.cli import main
from evreg.data.package import load_package, with_release_status
from evreg.data.versions import version_key
from evreg.review.plan import run_plan

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def main_site(tmp_path_factory) -> Path:
    return built_site("main", tmp_path_factory)


@pytest.fixture(scope="session")
def example_site(tmp_path_factory) -> Path:
    return built_site("example", tmp_path_factory)


@pytest.fixture(scope="session")
def hostile_site(tmp_path_factory) -> Path:
    return built_site("hostile", tmp_path_factory)


@pytest.fixture(scope="session")
def synthetic_site(tmp_path_factory) -> Path:
    return built_site("synthetic", tmp_path_factory)


@pytest.fixture(scope="session")
def added_site(tmp_path_factory) -> Path:
    return built_site("added", tmp_path_factory)


def _html_files(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def test_every_page_of_the_issue_exists(main_site: Path) -> None:
    package = load_package(ROOT / "datapackage.json")
    expected = [
        "index.html",
        "methods/index.html",
        "data/index.html",
        "studies/index.html",
        "audit/index.html",
        "whats-new/index.html",
    ]
    expected += [f"analyses/{a['analysis_id']}/index.html" for a in package.analyses]
    expected += [f"studies/{s['study_id']}/index.html" for s in package.studies]
    missing = [p for p in expected if not (main_site / p).is_file()]
    assert not missing


def test_every_page_reachable_and_no_broken_internal_link(main_site: Path) -> None:
    reachable, broken = crawl(main_site)
    assert not broken
    pages = {p for p in _html_files(main_site) if p.name != "404.html"}
    unreachable = sorted(str(p.relative_to(main_site)) for p in pages - reachable)
    assert not unreachable


def test_example_site_links_and_reachability(example_site: Path) -> None:
    reachable, broken = crawl(example_site)
    assert not broken
    assert (example_site / "studies" / "fontham-1994" / "index.html") in reachable


def test_no_page_loads_anything_from_another_host(main_site: Path, example_site: Path) -> None:
    offenders = [
        str(p)
        for site in (main_site, example_site)
        for p in _html_files(site)
        if EXTERNAL_RESOURCE.search(p.read_text(encoding="utf-8"))
    ]
    assert not offenders
    css = [p for p in main_site.rglob("*.css") if "googleapis" in p.read_text(encoding="utf-8")]
    assert not css


def test_vega_bundle_is_vendored_and_referenced(main_site: Path) -> None:
    import vl_convert as vlc

    from evreg.site.pages import classic_script

    bundle = main_site / "assets" / "javascripts" / "vega-bundle.js"
    assert bundle.read_text(encoding="utf-8") == classic_script(vlc.javascript_bundle())
    first = load_package(ROOT / "datapackage.json").analyses[0]["analysis_id"]
    page = (main_site / "analyses" / first / "index.html").read_text(encoding="utf-8")
    assert 'src="../../assets/javascripts/vega-bundle.js"' in page
    assert 'type="module"' not in page  # module scripts do not run from file://


def test_data_files_byte_identical_to_the_package(main_site: Path) -> None:
    package = load_package(ROOT / "datapackage.json")
    for res in package.descriptor["resources"]:
        for rel in (res["path"], res["schema"]):
            assert (main_site / "data" / rel).read_bytes() == (ROOT / rel).read_bytes(), rel
    assert (main_site / "data" / "datapackage.json").read_bytes() == (
        ROOT / "datapackage.json"
    ).read_bytes()


def test_package_zip_holds_the_package(main_site: Path) -> None:
    package = with_release_status(load_package(ROOT / "datapackage.json"))
    name = f"{package.descriptor['name']}-{package.version_slug}.zip"
    zips = sorted(p.name for p in (main_site / "data").glob("*.zip"))
    assert zips == [f"{name.removesuffix('.zip')}-site.zip", name]  # the package, the site
    with zipfile.ZipFile(main_site / "data" / name) as zf:
        names = zf.namelist()
        prefix = package.descriptor["name"] + "/"
        assert prefix + "datapackage.json" in names
        for res in package.descriptor["resources"]:
            assert zf.read(prefix + res["path"]) == (ROOT / res["path"]).read_bytes()


def test_results_json_and_csv_match_the_engine(main_site: Path) -> None:
    results = run_plan(load_package(ROOT / "datapackage.json"))
    on_site = json.loads((main_site / "data" / "results.json").read_text(encoding="utf-8"))
    unreleased = on_site.pop("unreleased")
    assert on_site == json.loads(json.dumps(results.to_dict()))
    status = with_release_status(load_package(ROOT)).unreleased
    assert unreleased == (status.to_dict() if status else None)
    schema = json.loads((main_site / "data" / "results-schema.json").read_text(encoding="utf-8"))
    rows = list(
        csv.DictReader(
            io.StringIO((main_site / "data" / "results.csv").read_text(encoding="utf-8"))
        )
    )
    assert list(rows[0]) == [f["name"] for f in schema["fields"]]
    keys = ("analysis_id", "studies", "subgroup_level", "model")
    by_key = {tuple(r[k] for k in keys): r for r in rows}
    assert len(by_key) == len(rows), "one row per analysis x studies x level x model"
    for a in results.analyses:
        for view in (a.all_view, a.review_view):
            for res in (view.fixed, view.random):
                if res is not None:
                    row = by_key[(a.analysis_id, view.studies, "", res.model)]
                    assert float(row["estimate"]) == res.estimate
                    assert row["primary"] == ("true" if res.model == view.primary else "false")


def test_results_csv_is_valid_against_its_schema(example_site: Path) -> None:
    from frictionless import Resource, Schema

    data = example_site / "data"
    schema = Schema.from_descriptor(json.loads((data / "results-schema.json").read_text()))
    report = Resource(path="results.csv", basepath=str(data), schema=schema).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "message"])


def test_home_summary_of_findings_lists_every_analysis(main_site: Path) -> None:
    package = load_package(ROOT / "datapackage.json")
    home = (main_site / "index.html").read_text(encoding="utf-8")
    for a in package.analyses:
        assert f'href="analyses/{a["analysis_id"]}/index.html"' in home
    status = with_release_status(package).unreleased
    if status is None:
        assert f"Data version <strong>{package.version}</strong> of {package.created[:10]}" in home
    else:
        assert f"<strong>Unreleased data: changes since data version {status.since}" in home
    assert "Summary of findings" in home


def test_analysis_page_with_no_data_says_so(synthetic_site: Path) -> None:
    """sii-os of the synthetic package has one qualifying estimate, not found."""
    page = (synthetic_site / "analyses" / "sii-os" / "index.html").read_text(encoding="utf-8")
    assert "Nothing can be pooled yet" in page
    assert "not_found" in page  # pending estimates listed with status
    counts = "0 of the review's 1 study has a usable estimate, and no study added since has one"
    assert counts in _text(synthetic_site / "analyses" / "sii-os" / "index.html")


def _text(page: Path) -> str:
    """The article of a built page as plain text (tags dropped, entities decoded)."""
    import html
    import re

    source = page.read_text(encoding="utf-8")
    article = source[source.index("<article") : source.index("</article>")]
    article = re.sub(r"<script.*?</script>", " ", article, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", article)).split())


def test_the_shipped_site_with_an_added_study_shows_it_as_added_everywhere(
    added_site: Path,
) -> None:
    """The shipped package plus a fictional added study (fixtures.sites): every count is split
    and every place the study appears marks it; expectations come from results.json."""
    results = json.loads((added_site / "data" / "results.json").read_text(encoding="utf-8"))
    touched = [a for a in results["analyses"] if a["k_added_with_data"]]
    assert touched, "the added study has a usable estimate in some analysis"
    for a in results["analyses"]:
        assert a["k_with_data"] == a["k_review_with_data"] + a["k_added_with_data"]
        added = [u for u in a["used"] if not u["in_review"]]
        assert len(added) == a["k_added_with_data"]
        assert all(u["label"].endswith("(added)") for u in added)
    for a in touched:
        page = added_site / "analyses" / a["analysis_id"] / "index.html"
        text = _text(page)
        n = a["k_added_with_data"]
        studies = "study" if n == 1 else "studies"
        of = f"{a['k_in_review']} {'study' if a['k_in_review'] == 1 else 'studies'}"
        counts = (
            f"{a['k_review_with_data']} of the review's {of} and "
            f"{n} {studies} added since have usable estimates"
        )
        assert counts in text, (a["analysis_id"], text[:400])
        assert "All eligible studies (the living answer)" in text
        assert "The review's studies only (reproduction, audit)" in text
        label = next(u["label"] for u in a["used"] if not u["in_review"])
        assert label in text and f'"label":"{label}"' in page.read_text(encoding="utf-8")
        review = a["review_studies"]
        if review["primary"]:
            pooled = review[review["primary"]]
            shown = f"{pooled['estimate']:.2f} [{pooled['ci_lower']:.2f}, {pooled['ci_upper']:.2f}]"
            assert shown in text
    study = next(u for a in touched for u in a["used"] if u["study_id"] == ADDED_STUDY["study_id"])
    page = _text(added_site / "studies" / study["study_id"] / "index.html")
    version = study["added_in_version"]
    released = load_package(added_site.parent / "pkg").version
    assert (
        f"Added since data version {released} (unreleased; due in {version}) — not part of the "
        "source review." in page
        if version_key(version) > version_key(released)
        else f"Added in data version {version} — not part of the source review." in page
    )
    assert "N (review) not applicable (added study)" in page
    total = sum(int(ADDED_STUDY[k]) for k in ("nos_selection", "nos_comparability", "nos_outcome"))
    assert f"NOS total (0-9; the sum of the contributor's domains) {total}" in page
    studies = _text(added_site / "studies" / "index.html")
    assert f"{study['label']}" in studies and "no: added in" in studies
    package = load_package(added_site.parent / "pkg")
    added = sum(1 for s in package.studies if not s["in_review"])
    home = _text(added_site / "index.html")
    assert f"{len(package.studies) - added} from the source review, {added} added since" in home
    if any(not a["k_added_with_data"] for a in results["analyses"]):
        assert "same (no study added)" in home
    methods = _text(added_site / "methods" / "index.html")
    assert f"New studies included (n = {added})" in methods
    assert f"New studies included (added since the review) {added}" in methods


def test_example_site_shows_k10_features(example_site: Path) -> None:
    d = example_site / "analyses" / "ets-lung"
    page = (d / "index.html").read_text(encoding="utf-8")
    for name in ("forest", "funnel", "cumulative", "leave-one-out"):
        assert (d / f"{name}.svg").stat().st_size > 1000, name
        assert not (d / f"{name}.png").exists(), name  # PNGs are made in the browser
        assert f'id="{name}"' in page
    assert "Egger" in page and "Trim-and-fill (L0)" in page
    sub = (example_site / "analyses" / "ets-lung-design" / "index.html").read_text(encoding="utf-8")
    assert "Test for subgroup differences: Chi² =" in sub


def test_two_builds_are_byte_identical(main_site: Path, tmp_path: Path) -> None:
    # the second build renders every chart afresh (no cache): same bytes as the first
    assert build(ROOT / "datapackage.json", tmp_path / "again", "--no-cache") == 0
    assert tree_digest(tmp_path / "again") == tree_digest(main_site)


def test_dates_come_from_the_data_version(main_site: Path) -> None:
    import datetime as dt
    import struct

    created = load_package(ROOT / "datapackage.json").created[:10]
    day = dt.datetime.strptime(created, "%Y-%m-%d").replace(tzinfo=dt.UTC)
    gz = (main_site / "sitemap.xml.gz").read_bytes()
    assert struct.unpack("<I", gz[4:8])[0] == int(day.timestamp())  # gzip header mtime
    with zipfile.ZipFile(next((main_site / "data").glob("*.zip"))) as zf:
        assert {i.date_time[:3] for i in zf.infolist()} == {(day.year, day.month, day.day)}
    assert "SOURCE_DATE_EPOCH" not in os.environ  # restored after the build


def test_failing_build_leaves_previous_output_untouched(tmp_path: Path) -> None:
    pkg = copy_package(EXAMPLE, tmp_path / "pkg")
    out = tmp_path / "out"
    assert build(pkg / "datapackage.json", out) == 0
    before = tree_digest(out)
    est = pkg / "data" / "estimates.csv"
    est.write_text(
        est.read_text(encoding="utf-8").replace(",1.18,0.9,1.54,", ",1.18,1.9,1.54,"),
        encoding="utf-8",
    )
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "evreg.cli",
            "build",
            "--package",
            str(pkg / "datapackage.json"),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "CI": "1"},
    )
    assert proc.returncode == 1
    assert "data/estimates.csv:2:" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert tree_digest(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "pkg"]  # no temp dirs left


def test_build_refuses_to_replace_a_directory_that_is_not_a_site(tmp_path: Path) -> None:
    out = tmp_path / "precious"
    out.mkdir()
    (out / "thesis.tex").write_text("do not delete", encoding="utf-8")
    assert (
        main(
            ["build", "--package", str(EXAMPLE / "datapackage.json"), "--out", str(out), "--quiet"]
        )
        == 1
    )
    assert (out / "thesis.tex").read_text(encoding="utf-8") == "do not delete"


def test_build_is_quiet_when_not_a_terminal(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            str(Path(sys.executable).with_name("evreg")),
            "build",
            "--package",
            str(EXAMPLE / "datapackage.json"),
            "--out",
            str(tmp_path / "s"),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert "\r" not in proc.stderr and "\033[" not in proc.stderr
    assert proc.stdout.startswith("built ")


def test_hostile_text_is_escaped_everywhere(hostile_site: Path) -> None:
    raw_hits, escaped_seen = [], False
    for p in sorted(hostile_site.rglob("*")):
        rel = p.relative_to(hostile_site).as_posix()
        if p.suffix not in (".html", ".json", ".js", ".xml", ".svg") or rel.startswith("data/"):
            continue  # data/ holds the package files themselves (downloads, not pages)
        if p.name == "vega-bundle.js":
            continue
        text = p.read_text(encoding="utf-8")
        if any(bad in text for bad in ('<script>alert("x")', "<img src=x", 'href="javascript:')):
            raw_hits.append(rel)
        escaped_seen = escaped_seen or "&lt;script&gt;alert(" in text
    assert escaped_seen
    assert not raw_hits
    page = (hostile_site / "analyses" / HOSTILE_ANALYSIS / "index.html").read_text("utf-8")
    assert "\\u003cscript\\u003e" in page  # inline chart JSON escapes < and >


def test_hostile_descriptor_text_is_escaped_on_every_page(hostile_site: Path) -> None:
    """The registry's title and the source review's authors (datapackage.json) reach every
    page through the footer's citation: escaped there on each page, never raw."""
    escaped = html.escape(HOSTILE_AUTHOR)
    pages = sorted(hostile_site.rglob("*.html"))
    assert len(pages) > 10
    texts = {p.relative_to(hostile_site).as_posix(): p.read_text("utf-8") for p in pages}
    assert [rel for rel, text in texts.items() if escaped not in text] == []
    assert [rel for rel, text in texts.items() if "<img src=x onerror=alert(5)" in text] == []


def test_hostile_changelog_and_notes_render_as_text(hostile_site: Path) -> None:
    news = (hostile_site / "whats-new" / "index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;" in news and "<script>alert" not in news
    assert 'href="javascript:' not in news
    study = (hostile_site / "studies" / HOSTILE_STUDY / "index.html").read_text(encoding="utf-8")
    assert 'href="javascript:' not in study and "&lt;img src=x" in study
    assert HOSTILE not in study


def test_invalid_package_message_names_file_row_field(tmp_path: Path, capsys) -> None:
    pkg = write_package(tmp_path / "pkg")
    est = pkg / "data" / "estimates.csv"
    rows = list(csv.reader(io.StringIO(est.read_text(encoding="utf-8"))))
    col = rows[0].index("ci_lower")
    line = next(i for i, r in enumerate(rows) if r and r[0] == "alpha-2020-il6-os")
    rows[line][col] = "2.61"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    est.write_text(buf.getvalue(), encoding="utf-8")
    assert main(["build", "--package", str(pkg), "--out", str(tmp_path / "o"), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert f"data/estimates.csv:{line + 1}:ci_lower" in err
    assert not (tmp_path / "o").exists()


def test_ids_that_are_not_plain_names_never_become_paths() -> None:
    import dataclasses

    from evreg.errors import EvregError
    from evreg.site.pages import check_page_ids

    package = load_package(ROOT / "datapackage.json")
    check_page_ids(package)
    for bad in ("../evil", "a/b", "..", ""):
        tables = dict(package.tables)
        tables["studies"] = (dict(tables["studies"][0], study_id=bad),) + tables["studies"][1:]
        with pytest.raises(EvregError, match=r"data/studies.csv:2:study_id"):
            check_page_ids(dataclasses.replace(package, tables=tables))


def test_no_page_has_duplicate_element_ids(main_site: Path, example_site: Path) -> None:
    dupes = []
    for site in (main_site, example_site):
        for page in _html_files(site):
            _, ids = page_links(page)
            dupes += [f"{page.relative_to(site)}#{i}" for i in sorted(set(ids)) if ids.count(i) > 1]
    assert not dupes

"""`evreg diff REF`: results at a git ref against the working tree, as markdown and JSON, with
contributor text escaped. Expected numbers come from running the plan on each version."""

from __future__ import annotations

import csv
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import markdown
import pytest
from fixtures.living_repo import EXAMPLE_ESTIMATES, add_example, git, make_repo, run_cli
from fixtures.synthetic import ANALYSES

from evreg.data.package import load_package
from evreg.data.validate.certainty import DOMAIN_LABELS
from evreg.living import diff as living_diff
from evreg.living import report
from evreg.review.plan import run_plan


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo")


def _results(package: Path) -> dict[str, dict]:
    return {a["analysis_id"]: a for a in run_plan(load_package(package)).to_dict()["analyses"]}


def _render(md: str) -> str:
    return markdown.markdown(md, extensions=["tables"])


def test_diff_after_adding_a_study(repo: Path, capsys) -> None:
    old = _results(repo / "datapackage.json")
    add_example(repo)
    new = _results(repo / "datapackage.json")

    code, out, err = run_cli(["diff", "v1.0.0"], repo, capsys)
    assert code == 0, err
    code, js, _ = run_cli(["diff", "v1.0.0", "--format", "json"], repo, capsys)
    diff = json.loads(js)

    changed = {a for a in new if new[a] != old[a]}
    assert changed, "adding an extracted SII estimate must change an SII analysis"
    statuses = {a["analysis_id"]: a["status"] for a in diff["analyses"]}
    assert {a for a, s in statuses.items() if s != "unchanged"} == changed
    assert diff["results_changed"] and diff["data_changed"]
    tables = {t["resource"]: t for t in diff["tables"]}
    assert tables["studies"]["added"] == ["example-2026"]
    assert tables["estimates"]["added"] == ["example-2026-sii-pfs", "example-2026-sii-os"]
    rows = {
        line.split(" | ")[0].lstrip("| "): line
        for line in out.splitlines()
        if line.startswith("| ")
    }
    for aid in changed:
        a, b = new[aid], old[aid]
        k = (
            f"{b['k_with_data']} → {a['k_with_data']}"
            if a["k_with_data"] != b["k_with_data"]
            else ""
        )
        assert k in rows[aid]
        pooled = a[a["primary"]]
        hr = f"{pooled['estimate']:.2f} [{pooled['ci_lower']:.2f}, {pooled['ci_upper']:.2f}]"
        assert hr in rows[aid], (hr, rows[aid])
        split = f"(review {a['k_review_with_data']} of {a['k_in_review']}"
        assert split in rows[aid] and f"added {a['k_added_with_data']})" in rows[aid]
        entry = next(x for x in diff["analyses"] if x["analysis_id"] == aid)
        assert entry["after"]["k"] == a["k_with_data"] and entry["before"]["k"] == b["k_with_data"]
        assert entry["after"]["pooled"]["estimate"] == pytest.approx(pooled["estimate"])
    assert "example-2026-sii-pfs" in out and "Example A 2026" in out
    html = _render(out)
    assert "<table>" in html and html.count("<tr>") == len(changed) + 1


def test_no_change_says_so(repo: Path, capsys) -> None:
    code, out, _ = run_cli(["diff", "HEAD", "--package", "."], repo, capsys)
    assert code == 0
    n = len(ANALYSES)
    assert f"**0 of {n} analyses change**" in out and "| Analysis |" not in out
    assert f"Unchanged: {', '.join(a['analysis_id'] for a in ANALYSES)}." in out


def _synthetic(k, est, lo, hi, model, i2) -> living_diff.PackageState:
    pooled = {"k": k, "estimate": est, "ci_lower": lo, "ci_upper": hi, "p": 0.2, "I2": i2}
    result = {
        "analysis_id": "sii-pfs",
        "title": "t",
        "k_with_data": k,
        "used": [],
        "pending": [],
        "primary": model,
        "rule": {"model": model},
        model: pooled,
    }
    return living_diff.PackageState("1.0.0", {}, {"analyses": [result]}, (), ())


def test_significance_and_model_flip_are_flagged() -> None:
    before = _synthetic(2, 1.3, 0.9, 1.9, "fixed", 10.0)
    after = _synthetic(3, 1.5, 1.1, 2.0, "random", 60.0)
    diff = living_diff.compare("main", "0" * 40, before, after)
    change = diff.analyses[0]
    assert {"k", "model", "HR and CI", "significance"} <= set(change.changes)
    assert "direction" not in change.changes
    md = report.render_markdown(diff)
    assert "**not significant → significant**" in md
    assert "fixed → random" in md and "10% → 60%" in md and "2 → 3" in md
    assert "1 change significance; 1 change the model" in md


def test_direction_flip_is_flagged() -> None:
    before = _synthetic(2, 0.9, 0.6, 1.4, "fixed", 0.0)
    after = _synthetic(3, 1.1, 0.7, 1.6, "fixed", 0.0)
    change = living_diff.compare("main", "0" * 40, before, after).analyses[0]
    assert "direction" in change.changes and "significance" not in change.changes


class _Tags(HTMLParser):
    """Start tags with their attributes, and the visible text, of rendered HTML."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append((tag, attrs))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


SAFE_TAGS = {
    "h2",
    "h3",
    "h4",
    "p",
    "strong",
    "em",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "ul",
    "li",
    "sub",
}


def _renderers() -> list:
    renderers = [_render]
    try:
        from markdown_it import MarkdownIt
    except ImportError:  # only Python-Markdown (what MkDocs uses) is a dependency
        return renderers
    gfm = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    return [*renderers, gfm.render]


def test_hostile_text_is_inert(repo: Path, capsys) -> None:
    hostile = (
        "<script>alert(1)</script> <img src=x onerror=alert(2)> **bold** [link](javascript:x)"
        " @octocat #12 | cell | `code` ~~strike~~ $x$ https://evil.example"
    )
    add_example(repo, study={"title": json.dumps(hostile)})
    code, out, _ = run_cli(["diff", "v1.0.0"], repo, capsys)
    assert code == 0
    for render in _renderers():
        page = _Tags(render(out))
        assert {tag for tag, _ in page.tags} <= SAFE_TAGS, page.tags
        assert all(not attrs for tag, attrs in page.tags if tag not in {"th", "td"})
        text = "".join(page.text).replace("\u200b", "")
        assert hostile in text, "the hostile title must be shown as plain text"
    assert "@&#8203;octocat" in out and "#&#8203;12" in out and "https:&#8203;//" in out
    line = next(x for x in out.splitlines() if "example-2026 (" in x)
    assert "&#124;" in line and "&#91;link&#93;" in line and "|" not in line


def test_md_escape_neutralises_markdown_and_html() -> None:
    text = report.md_escape("a\nb\r\x00<b>*x*_y_</b> & 'q' \"r\" www.evil.com", limit=300)
    assert "\n" not in text and "\x00" not in text
    assert "<" not in text and ">" not in text and "'" not in text and '"' not in text
    assert "&#42;x&#42;&#95;y&#95;" in text and "&amp;" in text and "www&#8203;." in text
    assert report.md_escape("x" * 500, limit=50).endswith("…")


def test_validation_warning_is_reported_new(repo: Path, capsys) -> None:
    # a p value that does not fit the CI: the validator warns, the diff reports it as new
    est = {**EXAMPLE_ESTIMATES[0], "p_as_printed": '"0.6"'}
    add_example(repo, estimates=[est])
    code, out, _ = run_cli(["diff", "v1.0.0", "--format", "json"], repo, capsys)
    new = json.loads(out)["new_warnings"]
    line = len((repo / "data/estimates.csv").read_text(encoding="utf-8").splitlines())
    assert any(w.startswith(f"data/estimates.csv:{line}:p_as_printed") for w in new), new


def test_working_tree_errors_exit_1_and_are_listed(repo: Path, capsys) -> None:
    path = repo / "data/estimates.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    col = rows[0].index("hr")
    row = next(i for i, r in enumerate(rows[1:], 1) if r[col])
    rows[row][col] = "<b>-1</b>"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    code, out, _ = run_cli(["diff", "v1.0.0"], repo, capsys)
    assert code == 1
    assert "Validation errors" in out and f"data/estimates.csv:{row + 1}:hr" in out
    assert {tag for tag, _ in _Tags(_render(out)).tags} <= SAFE_TAGS


@pytest.mark.parametrize("ref", ["no-such-ref", "--output=x"])
def test_bad_ref_is_a_clear_error(repo: Path, capsys, ref: str) -> None:
    code, _, err = run_cli(
        ["diff", "--", ref] if ref.startswith("-") else ["diff", ref], repo, capsys
    )
    assert code == 1 and "Traceback" not in err and "is not" in err


def test_not_a_git_repository(tmp_path: Path, capsys) -> None:
    pkg = make_repo(tmp_path / "r")
    import shutil

    shutil.rmtree(pkg / ".git")
    code, _, err = run_cli(["diff", "HEAD"], pkg, capsys)
    assert code == 1 and "git" in err and "Traceback" not in err


def test_package_missing_at_ref_and_package_in_subfolder(tmp_path: Path, capsys) -> None:
    top = tmp_path / "top"
    top.mkdir()
    (top / "README.md").write_text("x\n")
    git(top, "init", "-q", "-b", "main")
    git(top, "add", "-A")
    git(top, "commit", "-q", "-m", "no package yet")
    make_repo_dir = make_repo(tmp_path / "tmp-src", tag=None)
    import shutil

    shutil.copytree(make_repo_dir, top / "registry", ignore=shutil.ignore_patterns(".git"))
    code, out, err = run_cli(
        ["diff", "HEAD", "--package", "registry/datapackage.json", "--format", "json"], top, capsys
    )
    assert code == 0, err
    diff = json.loads(out)
    assert diff["package_at_ref"] is False
    assert {a["status"] for a in diff["analyses"]} == {"added"}
    git(top, "add", "-A")
    git(top, "commit", "-q", "-m", "package")
    code, out, _ = run_cli(["diff", "HEAD", "--package", "registry/datapackage.json"], top, capsys)
    assert code == 0 and f"**0 of {len(ANALYSES)} analyses change**" in out


def test_markdown_is_deterministic(repo: Path, capsys) -> None:
    add_example(repo)
    outs = {run_cli(["diff", "v1.0.0"], repo, capsys)[1] for _ in range(2)}
    assert len(outs) == 1
    assert re.search(r"^## Results: v1\.0\.0 \([0-9a-f]{10}\) → working tree$", outs.pop(), re.M)


def test_diff_reports_a_change_of_certainty(repo: Path, capsys) -> None:
    """A reviewer's judgement changes no number, only the certainty: the diff says so."""
    before = _results(repo / "datapackage.json")["il6-pfs"]["certainty"]
    domain = next(d for d, j in before["domains"].items() if j["judgement"] == "not serious")
    (repo / "data" / "certainty.csv").write_text(
        "analysis_id,domain,judgement,reason,assessed_by,result_id,data_version,estimate_ids\n"
        f"il6-pfs,{domain},very serious,Cut-offs differ tenfold.,A Reviewer,,,\n",
        encoding="utf-8",
    )
    after = _results(repo / "datapackage.json")["il6-pfs"]["certainty"]
    assert after["level"] != before["level"]
    code, js, _ = run_cli(["diff", "v1.0.0", "--format", "json"], repo, capsys)
    entry = next(a for a in json.loads(js)["analyses"] if a["analysis_id"] == "il6-pfs")
    assert entry["status"] == "changed" and entry["changes"] == ["certainty"]
    assert (entry["before"]["certainty"], entry["after"]["certainty"]) == (
        before["level"],
        after["level"],
    )
    name = DOMAIN_LABELS[domain]
    assert entry["after"]["certainty_domains"][domain] == "very serious"
    code, out, _ = run_cli(["diff", "v1.0.0"], repo, capsys)
    said = f"certainty {before['level']} → {after['level']} ({name}: not serious → very serious)"
    assert said in out


def test_diff_reports_a_domain_change_that_keeps_the_level(repo: Path, capsys) -> None:
    """Judgements can change with the level unchanged (one domain up, another down): the diff
    still names them."""
    before = _results(repo / "datapackage.json")["il6-pfs"]["certainty"]
    down = [d for d, j in before["domains"].items() if j["judgement"] == "serious"]
    fine = [d for d, j in before["domains"].items() if j["judgement"] == "not serious"]
    if not down or not fine:
        pytest.skip("needs one serious and one not serious domain")
    (repo / "data" / "certainty.csv").write_text(
        "analysis_id,domain,judgement,reason,assessed_by,result_id,data_version,estimate_ids\n"
        f"il6-pfs,{down[0]},not serious,Checked.,A Reviewer,,,\n"
        f"il6-pfs,{fine[0]},serious,Checked.,A Reviewer,,,\n",
        encoding="utf-8",
    )
    code, js, _ = run_cli(["diff", "v1.0.0", "--format", "json"], repo, capsys)
    entry = next(a for a in json.loads(js)["analyses"] if a["analysis_id"] == "il6-pfs")
    assert entry["changes"] == ["certainty"]
    assert entry["before"]["certainty"] == entry["after"]["certainty"]
    code, out, _ = run_cli(["diff", "v1.0.0"], repo, capsys)
    assert f"{down[0].replace('_', ' ')}: serious → not serious" in out

"""`evreg release`: MAJOR.MINOR.PATCH bumps decided from the diff since the previous release,
datapackage.json rewritten byte-stably, CHANGELOG.md entries with the diff of results."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
from pathlib import Path

import pytest
from fixtures.living_repo import ROOT, add_example, git, make_repo, run_cli, snapshot

from evreg.errors import EvregError
from evreg.living import release as living


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo")


def _version(repo: Path) -> str:
    return json.loads((repo / "datapackage.json").read_text(encoding="utf-8"))["version"]


def _changed_lines(old: str, new: str) -> list[tuple[str, str]]:
    a, b = old.splitlines(), new.splitlines()
    assert len(a) == len(b), "release must not reformat datapackage.json"
    return [(x, y) for x, y in zip(a, b, strict=True) if x != y]


def test_release_after_adding_a_study_is_minor(repo: Path, capsys) -> None:
    old_descriptor = (repo / "datapackage.json").read_text(encoding="utf-8")
    old_log = (repo / "CHANGELOG.md").read_text(encoding="utf-8")
    add_example(repo)
    code, out, err = run_cli(["release", "--date", "2026-12-01"], repo, capsys)
    assert code == 0, err
    assert "released data version 1.1.0 (minor, since 1.0.0)" in out
    assert _version(repo) == "1.1.0"
    changed = _changed_lines(old_descriptor, (repo / "datapackage.json").read_text("utf-8"))
    assert [y.strip() for _, y in changed] == [
        '"version": "1.1.0",',
        '"created": "2026-12-01T00:00:00Z",',
    ]
    log = (repo / "CHANGELOG.md").read_text(encoding="utf-8")
    first = re.search(r"^## (\S+) — (\S+)$", log, re.M)
    assert first and first.groups() == ("1.1.0", "2026-12-01")
    entry = log[first.start() : log.index("\n## ", first.end())]
    assert "Minor release" in entry and "Data version 1.0.0 → 1.1.0" in entry
    assert "| sii-pfs |" in entry and "example-2026-sii-pfs" in entry
    assert log.endswith(old_log[old_log.index("## 1.0.0") :]), "older entries must stay"
    assert log.startswith(old_log[: old_log.index("## 1.0.0")])


def test_release_keeps_citation_cff_at_the_data_version(repo: Path, capsys) -> None:
    citation = repo / "CITATION.cff"
    before = citation.read_text(encoding="utf-8")
    assert re.search(rf"^version: {re.escape(_version(repo))}$", before, re.M), "in step"
    add_example(repo)
    code, _, err = run_cli(["release", "--date", "2026-12-01"], repo, capsys)
    assert code == 0, err
    after = citation.read_text(encoding="utf-8")
    assert re.search(rf"^version: {re.escape(_version(repo))}$", after, re.M)
    assert re.search(r'^date-released: "2026-12-01"$', after, re.M)
    changed = [
        (a, b) for a, b in zip(before.splitlines(), after.splitlines(), strict=True) if a != b
    ]
    assert len(changed) == 2  # nothing else in the file changes


def test_shipped_citation_cff_is_at_the_data_version() -> None:
    descriptor = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    text = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    assert re.search(rf"^version: {re.escape(descriptor['version'])}$", text, re.M)
    assert f'date-released: "{descriptor["created"][:10]}"' in text


def test_correction_that_changes_no_result_is_patch(repo: Path, capsys) -> None:
    path = repo / "data/studies.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("Journal of Examples", "Journal of Examples (corrected)", 1), "utf-8"
    )
    code, out, err = run_cli(["release", "--date", "2026-12-02"], repo, capsys)
    assert code == 0, err
    assert _version(repo) == "1.0.1" and "(patch, since 1.0.0)" in out
    assert "Patch release" in (repo / "CHANGELOG.md").read_text(encoding="utf-8")


def test_patch_refused_when_results_change(repo: Path, capsys) -> None:
    add_example(repo)
    before = snapshot(repo)
    code, _, err = run_cli(["release", "patch"], repo, capsys)
    assert code == 1 and "use minor" in err
    assert snapshot(repo) == before


def test_major_and_dry_run(repo: Path, capsys) -> None:
    add_example(repo)
    before = snapshot(repo)
    code, out, _ = run_cli(["release", "major", "--dry-run", "--date", "2027-01-05"], repo, capsys)
    assert code == 0 and out.startswith("## 2.0.0 — 2027-01-05") and "new literature search" in out
    assert snapshot(repo) == before
    code, _, _ = run_cli(["release", "major", "--date", "2027-01-05"], repo, capsys)
    assert code == 0 and _version(repo) == "2.0.0"


def test_second_release_finds_the_previous_in_the_history(repo: Path, capsys) -> None:
    """No tag anywhere: the previous release is the commit that set its version."""
    add_example(repo)
    assert run_cli(["release", "--date", "2026-12-01"], repo, capsys)[0] == 0
    git(repo, "commit", "-qam", "Release 1.1.0")
    assert git(repo, "tag") == ""
    code, _, err = run_cli(["release"], repo, capsys)
    assert code == 1 and "nothing changed" in err
    code, out, err = run_cli(["release", "--dry-run", "--since", "v1.0.0"], repo, capsys)
    assert code == 0, err
    assert out.startswith("## 1.2.0") and "Changes since data version 1.0.0" in out


def test_release_of_a_version_no_commit_set_is_refused(repo: Path, capsys) -> None:
    add_example(repo)
    path = repo / "datapackage.json"
    path.write_text(path.read_text("utf-8").replace('"1.0.0"', '"1.3.0"', 1), "utf-8")
    before = snapshot(repo)
    code, _, err = run_cli(["release"], repo, capsys)
    assert code == 1 and "sets version 1.3.0" in err and "1.0.0" in err
    assert snapshot(repo) == before


@pytest.mark.parametrize("date", ["2026-13-01", "01/12/2026", "tomorrow"])
def test_bad_date(repo: Path, capsys, date: str) -> None:
    add_example(repo)
    before = snapshot(repo)
    code, _, err = run_cli(["release", "--date", date], repo, capsys)
    assert code == 1 and "YYYY-MM-DD" in err and snapshot(repo) == before


@pytest.mark.parametrize(
    ("version", "part", "expected"),
    [
        ("1.0.0", "major", "2.0.0"),
        ("1.4.2", "minor", "1.5.0"),
        ("1.4.2", "patch", "1.4.3"),
        ("0.9.9", "minor", "0.10.0"),
    ],
)
def test_bump_version(version: str, part: str, expected: str) -> None:
    assert living.bump_version(version, part) == expected


@pytest.mark.parametrize("bad", ["1.0", "v1.0.0", "01.0.0", ""])
def test_bump_rejects_non_semver(bad: str) -> None:
    with pytest.raises(EvregError, match="MAJOR.MINOR.PATCH"):
        living.bump_version(bad, "patch")


def test_only_the_top_level_version_changes() -> None:
    text = '{\n    "resources": [{"version": "1.0.0"}],\n    "version":"1.0.0",\n  "x": 1\n}\n'
    out = living.set_descriptor_fields(text, {"version": "1.1.0"})
    assert out == text.replace('"version":"1.0.0"', '"version":"1.1.0"')


def test_changelog_created_when_missing() -> None:
    out = living.insert_changelog_entry(None, "## 1.0.1 — 2026-12-01\n\nbody\n")
    assert out.startswith("# What's new") and out.endswith("## 1.0.1 — 2026-12-01\n\nbody\n")


def test_shipped_changelog_matches_the_package_version() -> None:
    version = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))["version"]
    log = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    newest = re.search(r"^## (\S+) — (\d{4}-\d{2}-\d{2})$", log, re.M)
    assert newest and newest.group(1) == version


@pytest.mark.slow
def test_release_entry_is_on_the_built_whats_new_page(repo: Path, capsys) -> None:
    """The site shows CHANGELOG.md as "What's new"; a hostile study title stays text."""
    hostile = "<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(2)>"
    add_example(repo, study={"title": json.dumps(hostile)})
    assert run_cli(["release", "--date", "2026-12-01"], repo, capsys)[0] == 0
    out = repo.parent / "site"
    code, _, err = run_cli(["build", "--out", str(out)], repo, capsys)
    assert code == 0, err
    page = (out / "whats-new/index.html").read_text(encoding="utf-8")
    article = page[page.index("<article") : page.index("</article>")]
    assert re.search(r"<h2[^>]*>1\.1\.0 — 2026-12-01", article)
    assert (
        "<table>" in article and "Example 2026 (added) (SII, progression-free survival)" in article
    )
    assert "example-2026-sii-pfs" not in article  # ids read as labels on the page
    for bad in ("<script", "<img", 'href="javascript'):
        assert bad not in article, bad


def _at_commit(commit: str, rel: str) -> list[dict[str, str]]:
    text = git(ROOT, "show", f"{commit}:{rel}")
    return list(csv.DictReader(io.StringIO(text)))


def test_first_entry_counts_match_the_package_it_released() -> None:
    """The shipped CHANGELOG's 1.0.0 entry states the counts of the package as it was released:
    checked against that package, read from the repository's own history (the commit that
    wrote the entry), so that data added since never makes it wrong."""
    try:
        commits = git(ROOT, "log", "--format=%H", "-S## 1.0.0", "--", "CHANGELOG.md").split()
    except (subprocess.CalledProcessError, FileNotFoundError):
        pytest.skip("not a git checkout: the released package is not at hand")
    if not commits:
        pytest.skip("the repository's history does not hold the 1.0.0 entry")
    first = commits[-1]
    log = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    entry = " ".join(log[log.index("## 1.0.0") :].split())
    estimates = _at_commit(first, "data/estimates.csv")
    status = [e["status"] for e in estimates]
    expected = {
        r"the (\d+) studies the review included": len(_at_commit(first, "data/studies.csv")),
        r"Estimates:\*\* (\d+) rows": len(estimates),
        r"(\d+) extracted": status.count("extracted"),
        r"(\d+) incomplete": status.count("incomplete"),
        r"(\d+) not found": status.count("not_found"),
        r"(\d+) analyses": len(_at_commit(first, "data/analyses.csv")),
        r"its (\d+) published": len(_at_commit(first, "data/published_results.csv")),
        r"Candidates:\*\* (\d+) stud": len(_at_commit(first, "data/candidates.csv")),
    }
    for pattern, count in expected.items():
        match = re.search(pattern, entry)
        assert match and int(match.group(1)) == count, (pattern, count)

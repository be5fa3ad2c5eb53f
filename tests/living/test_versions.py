"""Data versions read from the package's own git history: releases found in a clone without
tags, `evreg diff 1.0.0` / `v1.0.0`, and the unreleased status the site shows (footer, How to
cite, home, zip names, results.json), on the synthetic package in a temporary repository."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from fixtures.living_repo import add_example, git, make_repo, run_cli
from fixtures.sites import build

from evreg.data import history
from evreg.data.package import load_package


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo")


def _descriptor(repo: Path) -> dict:
    return json.loads((repo / "datapackage.json").read_text(encoding="utf-8"))


def _head(repo: Path) -> str:
    return git(repo, "rev-parse", "HEAD").strip()


def test_releases_come_from_the_commit_that_set_each_version(repo: Path, capsys) -> None:
    first = _head(repo)
    add_example(repo)
    git(repo, "commit", "-qam", "Add a study")
    assert run_cli(["release", "--date", "2026-12-01"], repo, capsys)[0] == 0
    git(repo, "commit", "-qam", "Release 1.1.0")
    released = _head(repo)
    (repo / "README.md").write_text("later commit touching no package file\n", "utf-8")
    git(repo, "add", "README.md")
    git(repo, "commit", "-qm", "docs")
    assert git(repo, "tag") == ""
    found = history.releases(repo)
    assert [(r.version, r.commit) for r in found] == [("1.0.0", first), ("1.1.0", released)]
    assert history.release_commit(repo, "v1.1.0") == found[1]
    assert history.release_commit(repo, "2.0.0") is None


def test_outside_git_nothing_is_known(tmp_path: Path) -> None:
    from fixtures.synthetic import write_package

    pkg = write_package(tmp_path / "pkg")
    assert history.releases(pkg) == ()
    assert history.unreleased(pkg, _descriptor(pkg)) is None


def test_diff_accepts_a_data_version_with_or_without_v(repo: Path, capsys) -> None:
    add_example(repo)
    outs = [run_cli(["diff", ref], repo, capsys) for ref in ("1.0.0", "v1.0.0")]
    assert outs[0][0] == outs[1][0] == 0
    assert outs[0][1].replace("v1.0.0", "1.0.0") == outs[1][1].replace("v1.0.0", "1.0.0")
    assert "example-2026-sii-pfs" in outs[0][1]
    code, _, err = run_cli(["diff", "3.1.4"], repo, capsys)
    assert code == 1 and "sets version 3.1.4" in err and "versions found: 1.0.0" in err


def test_unreleased_status_follows_the_files(repo: Path) -> None:
    """Exactly the release: None; uncommitted changes: marked; committed: that commit."""
    assert history.unreleased(repo, _descriptor(repo)) is None
    (repo / "CHANGELOG.md").write_text("not a package file\n", "utf-8")
    assert history.unreleased(repo, _descriptor(repo)) is None
    add_example(repo)
    dirty = history.unreleased(repo, _descriptor(repo))
    assert dirty is not None and dirty.since == "1.0.0" and dirty.uncommitted
    git(repo, "commit", "-qam", "Add a study")
    status = history.unreleased(repo, _descriptor(repo))
    assert status == history.Unreleased("1.0.0", _head(repo)[:7], status.date, False)
    schema = repo / "schemas" / "studies.json"
    schema.write_text(schema.read_text("utf-8") + "\n", "utf-8")
    assert history.unreleased(repo, _descriptor(repo)).uncommitted  # schemas count too


def test_a_package_in_a_subfolder_of_the_repository(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    outer = tmp_path / "outer"
    outer.mkdir()
    shutil.move(repo / ".git", outer / ".git")
    shutil.move(repo, outer / "pkg")
    git(outer, "add", "-A")
    git(outer, "commit", "-qm", "moved into pkg/")
    pkg = outer / "pkg"
    assert [r.version for r in history.releases(pkg)] == ["1.0.0"]
    assert history.unreleased(pkg, _descriptor(pkg)) is None  # same bytes as when released


@pytest.mark.slow
def test_site_of_unreleased_data_says_so_everywhere(repo: Path, tmp_path: Path) -> None:
    """After adding and committing a study: footer, How to cite, home, zip names and
    results.json name the commit, never the plain release; the same commit builds the same
    bytes."""
    add_example(repo)
    git(repo, "commit", "-qam", "Add a study")
    sha = _head(repo)[:7]
    sites = [tmp_path / "site-a", tmp_path / "site-b"]
    for out in sites:
        assert build(repo / "datapackage.json", out) == 0
    site = sites[0]
    results = json.loads((site / "data" / "results.json").read_text("utf-8"))
    assert results["unreleased"]["since"] == "1.0.0" and results["unreleased"]["commit"] == sha
    assert results["unreleased"]["uncommitted"] is False
    name = load_package(repo).descriptor["name"]
    zips = sorted(p.name for p in (site / "data").glob("*.zip"))
    assert zips == [f"{name}-1.0.0-unreleased-{sha}-site.zip", f"{name}-1.0.0-unreleased-{sha}.zip"]
    home = (site / "index.html").read_text("utf-8")
    footer = home.split('class="md-copyright"')[1]
    assert f"Unreleased data: changes since data version 1.0.0 (commit {sha} of" in footer
    assert "Data version 1.0.0" not in footer
    assert "Unreleased data: changes since data version 1.0.0" in home.split("md-copyright")[0]
    study = (site / "studies" / "example-2026" / "index.html").read_text("utf-8")
    assert "Added since data version 1.0.0 (unreleased; due in 1.1.0)" in study
    files = {p.relative_to(site): p.read_bytes() for p in site.rglob("*") if p.is_file()}
    again = {p.relative_to(sites[1]): p.read_bytes() for p in sites[1].rglob("*") if p.is_file()}
    assert files == again


@pytest.mark.slow
def test_site_of_a_release_shows_the_plain_version(repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    assert build(repo / "datapackage.json", out) == 0
    results = json.loads((out / "data" / "results.json").read_text("utf-8"))
    assert results["unreleased"] is None
    footer = (out / "index.html").read_text("utf-8").split('class="md-copyright"')[1]
    assert "Data version 1.0.0 of" in footer and "nreleased" not in footer


def test_structure_changes_are_named(tmp_path: Path) -> None:
    from fixtures.synthetic import write_package

    from evreg.living.structure import structure_changes

    old = write_package(tmp_path / "old") / "datapackage.json"
    new = write_package(tmp_path / "new") / "datapackage.json"
    assert structure_changes(old, new) == ()
    schema = new.parent / "schemas" / "candidates.json"
    fields = json.loads(schema.read_text("utf-8"))
    fields["fields"].append({"name": "priority", "type": "string", "description": "x"})
    fields["fields"] = [f for f in fields["fields"] if f["name"] != "notes"]
    for f in fields["fields"]:
        if f["name"] == "journal":
            f["constraints"] = {"required": True}
    schema.write_text(json.dumps(fields), "utf-8")
    assert structure_changes(old, new) == (
        "candidates: new fields priority; fields removed notes; now required journal",
    )
    descriptor = json.loads(old.read_text("utf-8"))
    descriptor["resources"] = [r for r in descriptor["resources"] if r["name"] != "certainty"]
    old.write_text(json.dumps(descriptor), "utf-8")
    assert structure_changes(old, new)[-1].startswith("new resource certainty: analysis_id")


def test_release_workflow_cuts_tags_and_deploys_with_least_privilege() -> None:
    """The job that runs evreg cannot write; the job that can write runs nothing but git, and
    pushes exactly the release commit and its tag; Pages deploys after the push."""
    import yaml
    from fixtures.living_repo import ROOT

    doc = yaml.safe_load((ROOT / ".github/workflows/release.yml").read_text("utf-8"))
    on = doc.get("on", doc.get(True))
    assert list(on) == ["workflow_dispatch"], "by hand only"
    assert doc["permissions"] == {}
    cut, publish = doc["jobs"]["cut"], doc["jobs"]["publish"]
    assert cut["permissions"] == {"contents": "read"}
    assert publish["permissions"] == {"contents": "write"} and publish["needs"] == "cut"
    steps = cut["steps"]
    checkout = next(s for s in steps if s.get("uses", "").startswith("actions/checkout"))
    assert checkout["with"]["fetch-depth"] == 0, "releases are read from the full history"
    assert checkout["with"]["persist-credentials"] is False
    runs = [s.get("run", "") for s in steps]
    order = [
        next(i for i, r in enumerate(runs) if needle in r)
        for needle in ("bash .ci/setup", 'evreg release "$PART"', "git tag", "evreg build")
    ]
    assert order == sorted(order)
    assert not [s for s in steps if "token" in str(s.get("env", {}))], "no token where evreg runs"
    pushing = [s for s in publish["steps"] if "token" in str(s.get("env", {}))]
    assert len(pushing) == 1 and "git push" in pushing[0]["run"]
    for step in publish["steps"]:
        run = step.get("run", "")
        assert "evreg" not in run and "pip" not in run and ".ci/setup" not in run
    runs += [s.get("run", "") for s in publish["steps"]]
    assert all("-f " not in r and "--force" not in r for r in runs)
    deploy = doc["jobs"]["deploy"]
    assert "publish" in deploy["needs"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}


def test_a_shallow_clone_never_shows_unreleased_data_as_a_release(repo: Path, tmp_path) -> None:
    add_example(repo)
    git(repo, "commit", "-qam", "Add a study")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", str(clone))
    assert history.releases(clone) == ()  # the commit at hand did not necessarily set 1.0.0
    status = history.unreleased(clone, _descriptor(clone))
    assert status is not None and status.since == "1.0.0"
    git(clone, "fetch", "-q", "--unshallow")
    assert [r.version for r in history.releases(clone)] == ["1.0.0"]
    assert history.unreleased(clone, _descriptor(clone)).commit == _head(repo)[:7]


def test_release_note_is_written_escaped_above_the_diff(repo: Path, capsys) -> None:
    add_example(repo)
    note = "Records the new structure <b>fields</b> [link](javascript:x)."
    code, out, err = run_cli(["release", "--dry-run", "--note", note], repo, capsys)
    assert code == 0, err
    head, body = out.split("Minor release: added or changed data.\n\n", 1)
    assert body.startswith("Records the new structure") and "<b>" not in body
    assert body.index("Records the new") < body.index("### Changes since data version 1.0.0")

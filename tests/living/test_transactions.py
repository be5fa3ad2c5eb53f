"""Writes that cannot half-happen: `evreg add-study` and `evreg release` killed (SIGKILL) after
each file operation leave every package file old or every one new once the next run has
recovered; an exception or SIGTERM rolls back at once; a build killed at each step of its swap
leaves a whole site, and concurrent builds take turns. The kill comes from the test-only hook
EVREG_TEST_KILL_AT_STEP (evreg.data.writes)."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from fixtures.living_repo import (
    EXAMPLE_ESTIMATES,
    EXAMPLE_STUDY,
    GIT_ENV,
    add_example,
    git,
    make_repo,
    submission_yaml,
)
from fixtures.synthetic import write_package

from evreg.data.validate import validate_package
from evreg.data.writes import KILL_ENV
from evreg.errors import EvregError
from evreg.living import journal
from evreg.living import release as living_release
from evreg.living.add_study import add_study

STUDY = EXAMPLE_STUDY["study_id"]


def _evreg(args: list[str], cwd: Path, kill_at: int | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, **GIT_ENV}
    env.pop(KILL_ENV, None)
    if kill_at is not None:
        env[KILL_ENV] = str(kill_at)
    return subprocess.run(
        [sys.executable, "-m", "evreg.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _ids(pkg: Path, name: str, key: str) -> list[str]:
    with (pkg / "data" / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return [row[key] for row in csv.DictReader(handle)]


def _added(pkg: Path) -> tuple[int, int]:
    """(rows of the example study in studies.csv, its rows in estimates.csv)."""
    return _ids(pkg, "studies", "study_id").count(STUDY), _ids(pkg, "estimates", "study_id").count(
        STUDY
    )


def _leftovers(pkg: Path) -> list[str]:
    names = [p.name for p in (pkg, pkg / "data", pkg / "schemas") for p in p.iterdir()]
    return [n for n in names if n.endswith((".evreg-new", ".evreg-old", ".tmp"))] + [
        n for n in names if n == journal.JOURNAL
    ]


@pytest.mark.slow
def test_add_study_killed_at_each_write_is_all_or_nothing(tmp_path: Path) -> None:
    pristine = write_package(tmp_path / "pristine")
    submission = tmp_path / "example.yaml"
    submission.write_text(submission_yaml(EXAMPLE_STUDY, EXAMPLE_ESTIMATES), encoding="utf-8")
    whole = (1, len(EXAMPLE_ESTIMATES))
    killed_at = 0
    for n in range(1, 40):
        pkg = tmp_path / f"pkg-{n}"
        shutil.copytree(pristine, pkg)
        proc = _evreg(["add-study", str(submission)], pkg, kill_at=n)
        if proc.returncode == 0:
            assert _added(pkg) == whole and not _leftovers(pkg)
            break
        assert proc.returncode == -signal.SIGKILL, proc.stderr
        killed_at = n
        if not (pkg / journal.JOURNAL).exists():
            assert _added(pkg) in ((0, 0), whole), f"half-written without a journal at {n}"
        result = add_study(pkg / "datapackage.json", submission)  # the next run recovers
        assert result.added or _added(pkg) == whole, (n, result.errors)
        assert _added(pkg) == whole, n
        assert not _leftovers(pkg), (n, _leftovers(pkg))
        assert not [f for f in validate_package(pkg) if f.severity == "error"]
    assert killed_at >= 10, "every write of the transaction was tried"


def _release_state(repo: Path) -> tuple[str, str, str]:
    """(datapackage.json version, CITATION.cff version, newest CHANGELOG entry)."""
    version = json.loads((repo / "datapackage.json").read_text("utf-8"))["version"]
    cff = re.search(r"^version: (\S+)$", (repo / "CITATION.cff").read_text("utf-8"), re.M)
    log = re.search(r"^## (\S+)", (repo / "CHANGELOG.md").read_text("utf-8"), re.M)
    return version, cff.group(1) if cff else "", log.group(1) if log else ""


@pytest.mark.slow
def test_release_killed_at_each_write_is_all_or_nothing(tmp_path: Path) -> None:
    pristine = make_repo(tmp_path / "pristine")
    add_example(pristine)
    git(pristine, "commit", "-qam", "Add a study")
    before = _release_state(pristine)
    killed_at = 0
    for n in range(1, 50):
        repo = tmp_path / f"repo-{n}"
        shutil.copytree(pristine, repo)
        proc = _evreg(["release", "--date", "2026-12-01"], repo, kill_at=n)
        if proc.returncode == 0:
            assert _release_state(repo) == ("1.1.0",) * 3 and not _leftovers(repo)
            break
        assert proc.returncode == -signal.SIGKILL, proc.stderr
        killed_at = n
        state = _release_state(repo)
        if not (repo / journal.JOURNAL).exists():
            assert state in (before, ("1.1.0",) * 3), (n, state)
        journal.recover(repo)  # what the next add-study or release does first
        state = _release_state(repo)
        assert state in (before, ("1.1.0",) * 3), n
        assert not _leftovers(repo), (n, _leftovers(repo))
        if state == before and n == 1:  # rolled back: the release can simply be run again
            again = living_release.release(repo / "datapackage.json", date="2026-12-01")
            assert again.version == "1.1.0" and _release_state(repo) == ("1.1.0",) * 3
    assert killed_at >= 12, "every write of the transaction was tried"


def test_an_exception_midway_restores_every_file(tmp_path: Path, monkeypatch) -> None:
    a, b, c = (tmp_path / name for name in ("a.csv", "b.csv", "new.md"))
    a.write_bytes(b"a\n")
    b.write_bytes(b"b\n")
    calls = []
    real = journal.rename

    def failing_rename(src: Path, dst: Path) -> None:
        calls.append(dst)
        if len(calls) == 3:  # journal, a, then b fails
            raise OSError(28, "No space left on device")
        real(src, dst)

    monkeypatch.setattr(journal, "rename", failing_rename)
    with pytest.raises(EvregError, match="No space left"):
        from evreg.living.files import replace_atomically

        replace_atomically(
            {a: b"A\n", b: b"B\n", c: b"C\n"}, {a: b"a\n", b: b"b\n", c: None}, tmp_path
        )
    assert (a.read_bytes(), b.read_bytes(), c.exists()) == (b"a\n", b"b\n", False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "b.csv"]


def test_sigterm_midway_rolls_back(tmp_path: Path, monkeypatch) -> None:
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_bytes(b"a\n")
    b.write_bytes(b"b\n")
    real = journal.rename
    seen: list[Path] = []

    def rename_then_terminated(src: Path, dst: Path) -> None:
        real(src, dst)
        seen.append(dst)
        if dst == a:
            os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(journal, "rename", rename_then_terminated)
    with pytest.raises(KeyboardInterrupt):
        journal.write_all_or_none(tmp_path, {a: b"A\n", b: b"B\n"}, {a: b"a\n", b: b"b\n"})
    assert a in seen and (a.read_bytes(), b.read_bytes()) == (b"a\n", b"b\n")
    assert not _leftovers_in(tmp_path)
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL, "handler restored"


def _leftovers_in(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name[0] == "."]


def test_stale_files_without_a_journal_are_removed(tmp_path: Path) -> None:
    pkg = write_package(tmp_path / "pkg")
    studies = pkg / "data" / "studies.csv"
    before = studies.read_bytes()
    (pkg / "data" / ".studies.csv.evreg-new").write_bytes(b"half")
    os.link(studies, pkg / "data" / ".studies.csv.evreg-old")
    assert journal.recover(pkg) is None
    assert studies.read_bytes() == before and not _leftovers(pkg)


_SWAP = """
import sys
from pathlib import Path
import evreg.site.output as output
if sys.argv[2] == "rename":
    output._exchange = lambda a, b: False
out = Path(sys.argv[1])
built = out.with_name(".out.build-x") / "site"
built.mkdir(parents=True)
(built / "index.html").write_text("new")
output.swap_in(built, out)
"""


@pytest.mark.parametrize("how", ["exchange", "rename"])
def test_site_swap_killed_at_each_step_leaves_a_whole_site(tmp_path: Path, how: str) -> None:
    """The swap alone (a site is a folder with index.html): where directories are exchanged
    atomically and where out is renamed aside first; the next build's clean-up restores."""
    from evreg.site.output import clean_stale

    for n in range(1, 4):
        work = tmp_path / f"{how}-{n}"
        out = work / "out"
        out.mkdir(parents=True)
        (out / "index.html").write_text("old")
        env = {**os.environ, KILL_ENV: str(n)}
        proc = subprocess.run(
            [sys.executable, "-c", _SWAP, str(out), how], env=env, capture_output=True
        )
        if proc.returncode == 0:
            assert (out / "index.html").read_text() == "new"
            break
        assert proc.returncode == -signal.SIGKILL, proc.stderr
        if how == "exchange":
            assert (out / "index.html").read_text() in ("old", "new"), "never no site"
        clean_stale(out)
        assert (out / "index.html").read_text() in ("old", "new"), n
        assert sorted(p.name for p in work.iterdir()) == ["out"], n
    else:
        pytest.fail("the swap never completed")


@pytest.mark.slow
def test_concurrent_builds_take_turns_and_a_killed_build_is_cleaned(tmp_path: Path) -> None:
    pkg = write_package(tmp_path / "pkg")
    out = tmp_path / "site"
    args = ["build", "--package", str(pkg), "--out", str(out), "--quiet", "--jobs", "1"]
    env = {**os.environ}
    env.pop(KILL_ENV, None)
    cmd = [sys.executable, "-m", "evreg.cli", *args]
    procs = [subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    for proc in procs:
        _, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
    assert (out / "index.html").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pkg", "site"]
    killed = _evreg(args, tmp_path, kill_at=1)  # after the new site is complete, before swap
    assert killed.returncode == -signal.SIGKILL
    assert (out / "index.html").is_file() and any(tmp_path.glob(".site.build-*"))
    assert _evreg(args, tmp_path).returncode == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pkg", "site"]

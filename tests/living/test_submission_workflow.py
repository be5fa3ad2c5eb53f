"""The "Submit a study" workflow's two jobs run for real (issue 20, "reviews that stay
reviewed"): .github/scripts/submit-a-study-check.sh (no token) in one fresh clone of a local
bare "origin", its artifact folder handed to .github/scripts/submit-a-study-publish.sh in
another, with the GitHub CLI replaced by a recorder (GitHub is not reachable from a test). The
origin refuses non-fast-forward pushes, as a protected branch would: a forced push fails."""

from __future__ import annotations

import html
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from fixtures.issue_body import ANSWERS, render_body
from fixtures.living_repo import GIT_ENV, ROOT, git, make_repo

SCRIPTS = ROOT / ".github" / "scripts"
HOSTILE_TITLE = '<script>alert("x")</script> $(touch /tmp/evreg-pwned) @octocat GH-26 #1'
BRANCH = "submit-a-study/issue-7"

FAKE_GH = """#!/usr/bin/env bash
# Records each call of the GitHub CLI (and the file it would post) in $FAKE_GH_LOG; keeps the
# pull request's state (none, OPEN; draft or not) in files there.
set -euo pipefail
n=$(find "$FAKE_GH_LOG" -name 'call-*' | wc -l)
printf '%s\\n' "$@" > "$FAKE_GH_LOG/call-$n"
prev=""
for arg in "$@"; do
  if [ "$prev" = "--body-file" ]; then cp "$arg" "$FAKE_GH_LOG/body-$n"; fi
  prev=$arg
done
case "$1 $2" in
  "pr view") [ -e "$FAKE_GH_LOG/pr-open" ] && echo OPEN ;;
  "pr create") touch "$FAKE_GH_LOG/pr-open" ;;
  "pr ready")
    if [ "${4:-}" = "--undo" ]; then touch "$FAKE_GH_LOG/pr-draft"; else
      rm -f "$FAKE_GH_LOG/pr-draft"; fi ;;
esac
"""


class Remote:
    """A bare origin holding the synthetic package and the workflow's scripts, and a recorder
    standing in for gh."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        seed = make_repo(tmp / "seed")
        shutil.copytree(SCRIPTS, seed / ".github" / "scripts")
        git(seed, "add", "-A")
        git(seed, "commit", "-q", "-m", "the workflow's scripts")
        self.origin = tmp / "origin.git"
        git(tmp, "clone", "-q", "--bare", str(seed), str(self.origin))
        git(self.origin, "config", "receive.denyNonFastForwards", "true")
        self.log = tmp / "gh-log"
        self.log.mkdir()
        self.gh = tmp / "bin" / "gh"
        self.gh.parent.mkdir()
        self.gh.write_text(FAKE_GH, encoding="utf-8")
        self.gh.chmod(self.gh.stat().st_mode | stat.S_IEXEC)
        self.runs = 0

    def clone(self, name: str) -> Path:
        dest = self.tmp / name
        shutil.rmtree(dest, ignore_errors=True)
        git(self.tmp, "clone", "-q", str(self.origin), str(dest))
        return dest

    def submit(self, answers: dict, number: str = "7") -> subprocess.CompletedProcess:
        """One run of the workflow: the check job, then the publish job."""
        self.runs += 1
        body = self.tmp / f"body-{self.runs}.md"
        body.write_text(render_body(answers), encoding="utf-8")
        artifact = self.tmp / f"artifact-{self.runs}"
        evreg = str(Path(sys.executable).with_name("evreg"))
        env = {**os.environ, **GIT_ENV, "ISSUE_NUMBER": number}
        check = self._run(
            "submit-a-study-check.sh",
            self.clone("check"),
            {**env, "BODY_FILE": str(body), "OUT": str(artifact), "EVREG": evreg},
        )
        assert check.returncode == 0, check.stderr
        return self.publish(artifact, number)

    def publish(self, artifact: Path, number: str = "7") -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_AUTHOR", "GIT_COMM"))}
        env |= {
            "GIT_CONFIG_NOSYSTEM": "1",
            "ISSUE_NUMBER": number,
            "BASE_BRANCH": "main",
            "SUBMISSION": str(artifact),
            "GH": str(self.gh),
            "FAKE_GH_LOG": str(self.log),
        }
        return self._run("submit-a-study-publish.sh", self.clone("publish"), env)

    @staticmethod
    def _run(script: str, cwd: Path, env: dict) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["bash", str(cwd / ".github" / "scripts" / script)],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
        )

    def calls(self) -> list[tuple[list[str], str]]:
        out = []
        for i in range(len(list(self.log.glob("call-*")))):
            args = (self.log / f"call-{i}").read_text(encoding="utf-8").split("\n")[:-1]
            body = self.log / f"body-{i}"
            out.append((args, body.read_text(encoding="utf-8") if body.exists() else ""))
        return out

    def branch_log(self) -> list[str]:
        """Commits on the pull request's branch not on main (newest first): sha author."""
        text = git(self.origin, "log", "--format=%H %ae", BRANCH, "--not", "main")
        return text.split("\n")[:-1]


@pytest.fixture
def remote(tmp_path: Path) -> Remote:
    if shutil.which("bash") is None:
        pytest.skip("bash not installed")
    return Remote(tmp_path)


def _verbs(calls: list[tuple[list[str], str]]) -> list[list[str]]:
    return [c[0][:2] for c in calls]


def test_a_valid_submission_opens_a_pull_request(remote: Remote) -> None:
    proc = remote.submit({**ANSWERS, "title": HOSTILE_TITLE})
    assert proc.returncode == 0, proc.stderr
    changed = git(remote.origin, "diff", "--name-only", "main", BRANCH).split()
    assert changed == ["data/estimates.csv", "data/studies.csv"]
    calls = remote.calls()
    assert _verbs(calls) == [
        ["pr", "view"],
        ["pr", "create"],
        ["pr", "comment"],
        ["issue", "comment"],
    ]
    create, pr_body = calls[1]
    assert create[create.index("--head") + 1] == BRANCH
    assert "Closes #7" in pr_body and "example-2026-sii-pfs" in pr_body
    diff = calls[2][1]
    assert diff.startswith("<!-- evreg-results-diff -->") and "| sii-pfs |" in diff
    for raw in ("<script", "@octocat", "GH-26", "#1 "):
        assert raw not in pr_body + diff, raw
    assert not Path("/tmp/evreg-pwned").exists()


def test_an_edit_adds_a_commit_and_a_comment(remote: Remote) -> None:
    remote.submit(ANSWERS)
    first = remote.branch_log()
    proc = remote.submit({**ANSWERS, "journal": "Corrected Journal"})
    assert proc.returncode == 0, proc.stderr
    after = remote.branch_log()
    assert after[1:] == first, "the first commit is kept: a new commit on top, no force push"
    studies = git(remote.origin, "show", f"{BRANCH}:data/studies.csv")
    assert "Corrected Journal" in studies and studies.count("example-2026,") == 1
    again = remote.calls()[4:]
    assert _verbs(again) == [
        ["pr", "view"],
        ["pr", "ready"],
        ["pr", "comment"],
        ["issue", "comment"],
    ]
    assert "--edit-last" not in again[2][0], "a new comment for each edit"
    assert "The issue was edited: commit" in again[2][1] and "| sii-pfs |" in again[2][1]


def test_a_maintainer_s_commit_survives_an_edit_of_the_issue(remote: Remote) -> None:
    remote.submit(ANSWERS)
    maintainer = remote.clone("maintainer")
    git(maintainer, "switch", "-q", BRANCH)
    path = maintainer / "data" / "studies.csv"
    path.write_text(path.read_text("utf-8").replace("Journal of Examples", "J Ex"), "utf-8")
    env = ["-c", "user.name=A Maintainer", "-c", "user.email=maintainer@example.org"]
    git(maintainer, *env, "commit", "-q", "-am", "Fix the journal's name")
    git(maintainer, "push", "-q", "origin", BRANCH)
    fixed = git(maintainer, "rev-parse", "HEAD").strip()

    proc = remote.submit({**ANSWERS, "journal": "Edited Journal"})
    assert proc.returncode == 0, proc.stderr
    assert git(remote.origin, "rev-parse", BRANCH).strip() == fixed, "branch untouched"
    assert "J Ex" in git(remote.origin, "show", f"{BRANCH}:data/studies.csv")
    again = remote.calls()[4:]
    assert _verbs(again) == [["pr", "view"], ["pr", "comment"], ["issue", "comment"]]
    note = again[1][1]
    assert "the bot changed nothing" in note and fixed[:7] in note


def test_an_invalid_edit_marks_the_open_pull_request(remote: Remote) -> None:
    remote.submit(ANSWERS)
    before = git(remote.origin, "rev-parse", BRANCH)
    proc = remote.submit({**ANSWERS, "title": "", "nos_outcome": ""})
    assert proc.returncode == 0, proc.stderr
    assert git(remote.origin, "rev-parse", BRANCH) == before
    again = remote.calls()[4:]
    assert _verbs(again) == [
        ["pr", "view"],
        ["pr", "comment"],
        ["pr", "ready"],
        ["issue", "comment"],
    ]
    assert again[2][0][-1] == "--undo" and (remote.log / "pr-draft").exists()
    comment = html.unescape(again[1][1])
    assert "could not be added: 2 problems." in comment and "now a draft" in comment
    assert "No pull request was opened" not in html.unescape(again[3][1])
    # fixed again: the pull request is ready for review
    remote.submit(ANSWERS)
    assert not (remote.log / "pr-draft").exists()
    assert git(remote.origin, "rev-parse", BRANCH) == before


def test_an_invalid_first_submission_opens_nothing(remote: Remote) -> None:
    proc = remote.submit({**ANSWERS, "title": "", "nos_outcome": ""})
    assert proc.returncode == 0, proc.stderr
    assert git(remote.origin, "branch", "--list", "submit-a-study/*").strip() == ""
    calls = remote.calls()
    assert _verbs(calls) == [["pr", "view"], ["issue", "comment"]]
    comment = html.unescape(calls[1][1])
    assert "- Title: is required — please answer it" in comment
    assert "No pull request was opened." in comment and str(remote.tmp) not in comment


def test_an_edit_after_main_moved_merges_main(remote: Remote) -> None:
    remote.submit(ANSWERS)
    other = remote.clone("other")
    (other / "NOTICE").write_text("main moved on\n", encoding="utf-8")
    git(other, "add", "NOTICE")
    git(other, "commit", "-q", "-m", "main moves on")
    git(other, "push", "-q", "origin", "main")
    proc = remote.submit({**ANSWERS, "journal": "Corrected Journal"})
    assert proc.returncode == 0, proc.stderr
    parents = git(remote.origin, "log", "-1", "--format=%P", BRANCH).split()
    main = git(remote.origin, "rev-parse", "main").strip()
    assert len(parents) == 2 and main in parents
    assert git(remote.origin, "diff", "--name-only", "main", BRANCH).split() == [
        "data/estimates.csv",
        "data/studies.csv",
    ]


@pytest.mark.parametrize("tamper", ["link", "extra-file", "unknown-csv", "bad-status"])
def test_the_publish_job_checks_the_artifact(remote: Remote, tmp_path: Path, tamper: str):
    artifact = tmp_path / "artifact"
    (artifact / "data").mkdir(parents=True)
    base = git(remote.origin, "rev-parse", "main").strip()
    (artifact / "base").write_text(base + "\n", encoding="utf-8")
    (artifact / "status").write_text("valid\n", encoding="utf-8")
    for name in ("outcome.md", "diff.md"):
        (artifact / name).write_text("text\n", encoding="utf-8")
    if tamper == "link":
        (artifact / "data" / "studies.csv").symlink_to("/etc/passwd")
    elif tamper == "extra-file":
        (artifact / "run.sh").write_text("echo pwned\n", encoding="utf-8")
    elif tamper == "unknown-csv":
        (artifact / "data" / "evil.csv").write_text("a\n", encoding="utf-8")
    else:
        (artifact / "status").write_text("pwned\n", encoding="utf-8")
    proc = remote.publish(artifact)
    assert proc.returncode != 0 and "submit-a-study:" in proc.stderr
    assert git(remote.origin, "branch", "--list", "submit-a-study/*").strip() == ""
    assert remote.calls() == []

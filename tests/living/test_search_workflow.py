"""The scheduled search workflow (.github/workflows/search.yml): monthly and on demand; the job
that parses E-utilities responses has no permission, no secret and no stored token; the job that
may write runs neither pip nor evreg and never force-pushes; every action is pinned to a commit."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
PATH = ROOT / ".github" / "workflows" / "search.yml"


def _doc() -> dict:
    doc = yaml.safe_load(PATH.read_text(encoding="utf-8"))
    doc["on"] = doc.get("on", doc.get(True))  # YAML 1.1 reads the key `on` as true
    return doc


def _runs(job: dict) -> str:
    return "\n".join(step.get("run", "") for step in job["steps"])


def test_it_runs_monthly_and_on_demand() -> None:
    on = _doc()["on"]
    assert "workflow_dispatch" in on
    (cron,) = [entry["cron"] for entry in on["schedule"]]
    minute, hour, day, month, weekday = cron.split()
    assert day.isdigit() and (month, weekday) == ("*", "*")


def test_the_job_that_reads_responses_has_no_token() -> None:
    doc = _doc()
    assert doc["permissions"] == {}
    job = doc["jobs"]["search"]
    assert job["permissions"] == {}
    checkout = next(s for s in job["steps"] if "actions/checkout" in s.get("uses", ""))
    assert checkout["with"]["persist-credentials"] is False
    assert "evreg search" in _runs(job)
    assert "secrets." not in yaml.safe_dump(job) and "github.token" not in yaml.safe_dump(job)


def test_the_job_that_writes_runs_no_pip_or_evreg_and_never_forces() -> None:
    job = _doc()["jobs"]["pull-request"]
    assert job["permissions"] == {"contents": "write", "pull-requests": "write"}
    assert job["needs"] == "search" and "new" in job["if"]
    script = _runs(job)
    command = r"(?m)(^\s*|[;&|]\s*|\$\(\s*)(\S*/)?(pip3?|evreg|python3?)\b"
    assert not re.search(command, script) and ".venv" not in script and "-m pip" not in script
    assert "git push" in script and not re.search(r"--force|push[^\n]*\s-f\b|\+HEAD", script)
    assert "gh pr create" in script and "gh pr comment" in script


def test_every_action_is_pinned_to_a_commit_with_its_version() -> None:
    lines = [line for line in PATH.read_text(encoding="utf-8").splitlines() if "uses:" in line]
    assert lines
    for line in lines:
        assert re.search(r"uses: [\w.-]+/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$", line), line

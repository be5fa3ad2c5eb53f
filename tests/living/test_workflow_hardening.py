"""Least privilege in the workflows (issue 20), checked on every file of .github/workflows (so a
workflow added later is checked too): actions pinned to a full commit SHA with the version as a
comment, no pull_request_target, permissions declared per job and none at the top, no token
in a job that reads untrusted text, no pip or evreg in a job that can write, installs from the
hashed lock file, no forced push anywhere; Dependabot for actions and pip."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml

from evreg.cli import COMMANDS

ROOT = Path(__file__).resolve().parents[2]
GITHUB = ROOT / ".github"
WORKFLOWS = sorted((GITHUB / "workflows").glob("*.y*ml"))
SHELL_FILES = [*sorted((GITHUB / "scripts").glob("*.sh")), ROOT / ".ci" / "setup"]
IDS = [p.name for p in WORKFLOWS]

# Text an outsider writes, reaching a job through the event.
UNTRUSTED_TEXT = re.compile(
    r"github\.event\.(issue|comment|review|pull_request|discussion)\.(body|title)"
)
PINNED = re.compile(r"^\s*(?:-\s+)?uses:\s+([\w.-]+/[\w./-]+)@([0-9a-f]{40}) # v\d+(\.\d+)*\s*$")
FORCE_PUSH = re.compile(r"\bpush\b[^\n]*(\s--force\b|\s-f\b|--force-with-lease|\s\+\S)")
WRITE_SCOPES = ("write",)


def _doc(path: Path) -> dict:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["on"] = doc.pop(True, doc.get("on"))  # YAML 1.1 reads the key `on` as True
    return doc


def _job_text(job: dict) -> str:
    return yaml.safe_dump(job, sort_keys=True)


def _writes(permissions: object) -> bool:
    if permissions in ("write-all",):
        return True
    return isinstance(permissions, dict) and any(v == "write" for v in permissions.values())


@pytest.mark.parametrize("path", WORKFLOWS, ids=IDS)
def test_every_action_is_pinned_to_a_commit_sha(path: Path) -> None:
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if re.match(r"^\s*(-\s+)?uses:", line) and not line.split("uses:")[1].strip().startswith(
            "./"
        ):
            assert PINNED.match(line), f"{path.name}:{n}: pin to a 40-hex SHA + '# vX.Y.Z'"


@pytest.mark.parametrize("path", WORKFLOWS, ids=IDS)
def test_permissions_are_declared_per_job(path: Path) -> None:
    doc = _doc(path)
    assert doc.get("permissions") == {}, f"{path.name}: top-level permissions: {{}}"
    for name, job in doc["jobs"].items():
        assert "permissions" in job, f"{path.name}: job {name} declares no permissions"
        assert job["permissions"] != "write-all", f"{path.name}: job {name}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=IDS)
def test_no_pull_request_target(path: Path) -> None:
    """pull_request_target runs with a write token on the base repository: checking out the
    pull request's code there hands it the token. None of our workflows uses it."""
    assert "pull_request_target" not in _doc(path)["on"]


@pytest.mark.parametrize("path", WORKFLOWS, ids=IDS)
def test_jobs_reading_untrusted_text_hold_no_token(path: Path) -> None:
    for name, job in _doc(path)["jobs"].items():
        text = _job_text(job)
        if not UNTRUSTED_TEXT.search(text):
            continue
        assert job.get("permissions") == {}, f"{path.name}: job {name} reads untrusted text"
        assert "secrets." not in text and "github.token" not in text, f"{path.name}: {name}"
        assert "GH_TOKEN" not in text and "GITHUB_TOKEN" not in text, f"{path.name}: {name}"
        for step in job.get("steps", []):
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step.get("with", {}).get("persist-credentials") is False, name


def _commands(text: str) -> list[str]:
    """Lines of shell that run something (comments and echoed text left out)."""
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith(("#", "echo "))]


QUOTED = re.compile(r"\"[^\"$]*\"|'[^']*'")  # text passed as an argument, not run
RUNS_CODE = re.compile(
    r"(?<![\w-])(pip3?\s+install|evreg\s+(" + "|".join(COMMANDS) + r")\b|\$\{?EVREG\b|\.ci/setup)"
)


@pytest.mark.parametrize("path", WORKFLOWS, ids=IDS)
def test_jobs_that_write_run_no_pip_or_evreg(path: Path) -> None:
    """A job holding a write token runs only trusted, pinned tools: no package install, no
    evreg reading contributed data. (Pages deployment writes no repository content.)"""
    for name, job in _doc(path)["jobs"].items():
        if not _writes(job.get("permissions")):
            continue
        runs = "\n".join(s.get("run", "") for s in job.get("steps", []))
        scripts = re.findall(r"\.github/scripts/[\w.-]+\.sh", runs)
        runs += "\n".join((ROOT / s).read_text(encoding="utf-8") for s in scripts)
        found = [
            line
            for line in _commands(runs)
            if RUNS_CODE.search(QUOTED.sub('""', line)) or "EVREG" in line
        ]
        assert not found, f"{path.name}: job {name} writes and runs: {found[0]}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=IDS)
def test_installs_come_from_the_hashed_lock_file(path: Path) -> None:
    for line in path.read_text(encoding="utf-8").splitlines():
        if re.search(r"pip install", line) and "--no-deps" not in line:
            assert "--require-hashes -r requirements/ci.txt" in line, line.strip()


@pytest.mark.parametrize("path", [*WORKFLOWS, *SHELL_FILES], ids=lambda p: p.name)
def test_nothing_is_force_pushed(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert not FORCE_PUSH.search(text), FORCE_PUSH.search(text).group(0)


def test_setup_installs_the_lock_file_and_upgrades_the_packaging_tools() -> None:
    setup = (ROOT / ".ci" / "setup").read_text(encoding="utf-8")
    assert "--require-hashes -r requirements/ci.txt" in setup
    lock = (ROOT / "requirements" / "ci.txt").read_text(encoding="utf-8")
    pins = dict(re.findall(r"^([a-z0-9][a-z0-9._-]*)==(\S+) \\$", lock, re.M))
    assert {"pip", "setuptools"} <= set(pins)
    assert int(pins["setuptools"].split(".")[0]) >= 77


def _names(requirements: list[str]) -> set[str]:
    return {
        re.split(r"[<>=!~\[; ]", r, maxsplit=1)[0].lower().replace("_", "-") for r in requirements
    }


def test_the_lock_file_pins_every_dependency_with_hashes() -> None:
    """Every requirement of pyproject.toml (with the test extras) is pinned in the lock file,
    and every pin carries at least one sha256 (pip --require-hashes refuses it otherwise).
    After changing the dependencies, run .ci/lock."""
    lock = (ROOT / "requirements" / "ci.txt").read_text(encoding="utf-8")
    lines = [line for line in lock.splitlines() if line.strip() and not line.startswith("#")]
    entries = re.split(r"\n(?=[a-z0-9])", "\n".join(lines))
    pinned = {}
    for entry in entries:
        match = re.match(r"([a-z0-9][a-z0-9._-]*)==\S+", entry)
        assert match, entry[:80]
        assert "--hash=sha256:" in entry, f"{match.group(1)} has no hash"
        pinned[match.group(1).lower()] = entry
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = _names(project["dependencies"] + project["optional-dependencies"]["test"])
    missing = wanted - set(pinned)
    assert not missing, f"not in requirements/ci.txt (run .ci/lock): {sorted(missing)}"


def test_dependabot_watches_actions_and_pip() -> None:
    config = yaml.safe_load((GITHUB / "dependabot.yml").read_text(encoding="utf-8"))
    ecosystems = {u["package-ecosystem"] for u in config["updates"]}
    assert {"github-actions", "pip"} <= ecosystems

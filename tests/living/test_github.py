"""The GitHub side of living updates: workflows, the issue form, the pull-request template and
the contributor guide. The guide's example YAML is run through `evreg add-study` for real."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml
from fixtures.living_repo import ROOT, make_repo, run_cli

from evreg.cli import COMMANDS

GITHUB = ROOT / ".github"
WORKFLOWS = sorted((GITHUB / "workflows").glob("*.yml"))


def _workflow(name: str) -> dict:
    doc = yaml.safe_load((GITHUB / "workflows" / name).read_text(encoding="utf-8"))
    doc["on"] = doc.pop(True, doc.get("on"))  # YAML 1.1 reads the key `on` as True
    return doc


def _steps(doc: dict) -> list[dict]:
    return [s for job in doc["jobs"].values() for s in job.get("steps", [])]


def _runs(doc: dict) -> str:
    return "\n".join(s.get("run", "") for s in _steps(doc))


def _uses(doc: dict) -> list[str]:
    return [s["uses"].split("@")[0] for s in _steps(doc) if "uses" in s]


def _readme_test_command() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("```", 2)[1]
    return [line for line in block.splitlines() if line.strip()][1].strip()


def test_pull_request_workflow_validates_tests_and_diffs() -> None:
    doc = _workflow("pull-request.yml")
    assert "pull_request" in doc["on"]
    runs = _runs(doc)
    assert "bash .ci/setup" in runs
    assert ".venv/bin/evreg validate" in runs
    assert '.venv/bin/evreg diff "$BASE_SHA"' in runs and "GITHUB_STEP_SUMMARY" in runs
    assert _readme_test_command() in runs
    assert doc["permissions"] == {"contents": "read"}
    assert next(s for s in _steps(doc) if "uses" in s)["with"]["fetch-depth"] == 0


def test_comment_workflow_runs_only_trusted_code() -> None:
    doc = _workflow("results-comment.yml")
    assert doc["on"]["workflow_run"]["workflows"] == [_workflow("pull-request.yml")["name"]]
    checkout = next(s for s in _steps(doc) if s.get("uses", "").startswith("actions/checkout"))
    assert "ref" not in checkout.get("with", {}), "must check out the default branch, not the PR"
    runs = _runs(doc)
    assert 'git checkout "$HEAD_SHA" -- datapackage.json schemas data' in runs
    assert ".venv/bin/evreg diff" in runs and "issues/comments" in runs
    assert "pull_request_target" not in doc["on"]


def test_pages_workflow_builds_and_deploys() -> None:
    doc = _workflow("pages.yml")
    assert doc["on"]["push"]["branches"] == ["main"]
    assert "bash .ci/setup" in _runs(doc) and "evreg build --out site_build" in _runs(doc)
    assert {"actions/upload-pages-artifact", "actions/deploy-pages"} <= set(_uses(doc))
    deploy = doc["jobs"]["deploy"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"


@pytest.mark.parametrize("path", WORKFLOWS, ids=[p.name for p in WORKFLOWS])
def test_workflow_scripts_are_valid_bash(path: Path) -> None:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    for step in _steps(doc):
        if "run" in step:
            script = re.sub(r"\$\{\{[^}]*\}\}", "x", step["run"])
            proc = subprocess.run(["bash", "-n"], input=script, text=True, capture_output=True)
            assert proc.returncode == 0, f"{step.get('name')}: {proc.stderr}"


def test_every_evreg_command_named_in_workflows_and_docs_exists() -> None:
    texts = [p.read_text(encoding="utf-8") for p in WORKFLOWS]
    texts += [(GITHUB / "CONTRIBUTING.md").read_text(encoding="utf-8")]
    texts += [(ROOT / "site/contribute.md").read_text(encoding="utf-8")]
    named = {m for t in texts for m in re.findall(r"(?:bin/evreg|`evreg) ([a-z][a-z-]+)", t)}
    assert named and named <= set(COMMANDS), named - set(COMMANDS)


def test_issue_form_is_well_formed() -> None:
    form = yaml.safe_load((GITHUB / "ISSUE_TEMPLATE/submit-a-study.yml").read_text("utf-8"))
    assert form["name"] == "Submit a study" and form["description"]
    ids = [item["id"] for item in form["body"] if "id" in item]
    assert len(ids) == len(set(ids))
    for item in form["body"]:
        assert item["type"] in {"markdown", "input", "textarea", "dropdown", "checkboxes"}
        attrs = item["attributes"]
        assert ("value" if item["type"] == "markdown" else "label") in attrs
        if item["type"] in {"dropdown", "checkboxes"}:
            assert attrs["options"]
    assert "citation" in ids and "estimates" in ids


def test_pull_request_template_has_the_checklist() -> None:
    text = (GITHUB / "pull_request_template.md").read_text(encoding="utf-8")
    for needle in ("exactly as printed", "source_location", "evreg validate", "evreg diff"):
        assert needle in text
    assert text.count("- [ ]") >= 6


def _contributing_yaml() -> str:
    text = (GITHUB / "CONTRIBUTING.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", text, re.S)
    assert len(blocks) == 1
    return blocks[0]


def test_contributing_example_adds_cleanly(tmp_path: Path, capsys) -> None:
    """The guide's worked example goes through add-study and diff as the guide says."""
    repo = make_repo(tmp_path / "repo")
    example = tmp_path / "smith-2026.yaml"
    example.write_text(_contributing_yaml(), encoding="utf-8")
    assert "FICTIONAL" in example.read_text(encoding="utf-8")
    code, out, err = run_cli(["add-study", str(example)], repo, capsys)
    assert code == 0, err
    text = (GITHUB / "CONTRIBUTING.md").read_text(encoding="utf-8")
    assert out.strip() in text, "the guide must show the real output of add-study"
    code, out, _ = run_cli(["diff", "v1.0.0"], repo, capsys)
    assert code == 0 and "example-2026-sii-pfs" in out


def test_contributing_error_example_is_real(tmp_path: Path, capsys) -> None:
    repo = make_repo(tmp_path / "repo")
    example = tmp_path / "smith-2026.yaml"
    example.write_text(_contributing_yaml().replace("hr: 1.62", "hr: -1.62"), encoding="utf-8")
    code, _, err = run_cli(["add-study", str(example)], repo, capsys)
    assert code == 1
    text = (GITHUB / "CONTRIBUTING.md").read_text(encoding="utf-8")
    shown = re.search(r"```text\n(data/estimates\.csv:\d+:hr: .*?)\n", text)
    assert shown, "the guide shows the error a negative hazard ratio gives"
    printed = err.replace(str(example), "../smith-2026.yaml")
    assert shown.group(1) in printed, (shown.group(1), printed)


def test_changelog_is_markdown_with_version_headings() -> None:
    log = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert log.startswith("# What's new")
    versions = re.findall(r"^## (\d+\.\d+\.\d+) — \d{4}-\d{2}-\d{2}$", log, re.M)
    assert versions and versions == sorted(
        versions, key=lambda v: tuple(map(int, v.split("."))), reverse=True
    )

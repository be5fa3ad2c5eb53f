"""The GitHub side of living updates: workflows, the issue form, the pull-request template and
the contributor guide. The guide's example YAML is run through `evreg add-study` for real."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
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
    assert "bash .ci/simulate-contribution" in runs, "the contribution simulation on every PR"
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert ci.index('eval "$test_cmd"') < ci.index("bash .ci/simulate-contribution")
    simulation = (ROOT / ".ci" / "simulate-contribution").read_text(encoding="utf-8")
    assert ".ci/contributing.py --example" in simulation and "evreg add-study" in simulation
    assert doc["jobs"]["check"]["permissions"] == {"contents": "read"}
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


def _run_blocks(path: Path) -> list[tuple[str, str]]:
    """(step name, script) of each `run:` block as the runner sees it: ${{ }} expressions
    become a plain word."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        (f"{path.name}: {step.get('name')}", re.sub(r"\$\{\{[^}]*\}\}", "x", step["run"]))
        for step in _steps(doc)
        if "run" in step
    ]


@pytest.mark.parametrize("path", WORKFLOWS, ids=[p.name for p in WORKFLOWS])
def test_workflow_scripts_are_valid_bash(path: Path) -> None:
    for name, script in _run_blocks(path):
        proc = subprocess.run(["bash", "-n"], input=script, text=True, capture_output=True)
        assert proc.returncode == 0, f"{name}: {proc.stderr}"


def test_every_evreg_command_named_in_workflows_and_docs_exists() -> None:
    texts = [p.read_text(encoding="utf-8") for p in WORKFLOWS]
    texts += [(GITHUB / "CONTRIBUTING.md").read_text(encoding="utf-8")]
    texts += [(ROOT / "site/contribute.md").read_text(encoding="utf-8")]
    named = {m for t in texts for m in re.findall(r"(?:bin/evreg|`evreg) ([a-z][a-z-]+)", t)}
    assert named and named <= set(COMMANDS), named - set(COMMANDS)


FORMS = sorted((GITHUB / "ISSUE_TEMPLATE").glob("*-a-study.yml"))


@pytest.mark.parametrize("path", FORMS, ids=[p.name for p in FORMS])
def test_issue_forms_are_well_formed(path: Path) -> None:
    form = yaml.safe_load(path.read_text("utf-8"))
    assert form["name"] and form["description"] and form["labels"]
    ids = [item["id"] for item in form["body"] if "id" in item]
    assert len(ids) == len(set(ids))
    for item in form["body"]:
        assert item["type"] in {"markdown", "input", "textarea", "dropdown", "checkboxes"}
        attrs = item["attributes"]
        assert ("value" if item["type"] == "markdown" else "label") in attrs
        if item["type"] in {"dropdown", "checkboxes"}:
            assert attrs["options"]
    labels = [item["attributes"]["label"] for item in form["body"] if "id" in item]
    assert len(labels) == len(set(labels)), "the parser reads sections by label"


def test_the_workflow_handles_the_form_s_label() -> None:
    form = yaml.safe_load((GITHUB / "ISSUE_TEMPLATE/submit-a-study.yml").read_text("utf-8"))
    doc = _workflow("submit-a-study.yml")
    condition = doc["jobs"]["check"]["if"]
    assert all(f"'{label}'" in condition for label in form["labels"])


def _check_jsonschema() -> str:
    exe = Path(sys.executable).with_name("check-jsonschema")
    if not exe.exists():
        pytest.skip("check-jsonschema not installed (pip install -e '.[test]' installs it)")
    return str(exe)


@pytest.mark.parametrize(
    ("schema", "paths"),
    [
        ("vendor.github-workflows", WORKFLOWS),
        ("vendor.github-issue-forms", FORMS),
        ("vendor.dependabot", [GITHUB / "dependabot.yml"]),
    ],
    ids=["workflows", "issue-forms", "dependabot"],
)
def test_github_files_pass_github_s_schemas(schema: str, paths: list[Path]) -> None:
    """GitHub's own schemas (bundled with check-jsonschema: offline)."""
    proc = subprocess.run(
        [_check_jsonschema(), "--builtin-schema", schema, *map(str, paths)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


SCRIPTS = [
    *sorted((GITHUB / "scripts").glob("*.sh")),
    ROOT / ".ci" / "lock",
    ROOT / ".ci" / "run",
    ROOT / ".ci" / "setup",
    ROOT / ".ci" / "simulate-contribution",
]


def _shellcheck(script: str, name: str) -> None:
    exe = shutil.which("shellcheck")
    if exe is None:
        pytest.skip("shellcheck not installed (.ci/setup installs the Debian package)")
    proc = subprocess.run([exe, "--shell=bash", "-"], input=script, capture_output=True, text=True)
    assert proc.returncode == 0, f"{name}:\n{proc.stdout}"


@pytest.mark.parametrize("path", SCRIPTS, ids=[p.name for p in SCRIPTS])
def test_scripts_pass_shellcheck(path: Path) -> None:
    _shellcheck(path.read_text(encoding="utf-8"), str(path))


@pytest.mark.parametrize("path", WORKFLOWS, ids=[p.name for p in WORKFLOWS])
def test_workflow_run_blocks_pass_shellcheck(path: Path) -> None:
    for name, script in _run_blocks(path):
        _shellcheck(script, name)


# Expressions whose value an outsider writes: never inside a shell line (script injection).
UNTRUSTED = re.compile(
    r"\$\{\{[^}]*github\.event\.(issue|comment|pull_request|review|head_commit|workflow_run)"
    r"\.[^}]*(body|title|name|label|message|ref|head_branch)[^}]*\}\}"
)


@pytest.mark.parametrize("path", WORKFLOWS, ids=[p.name for p in WORKFLOWS])
def test_no_untrusted_text_is_interpolated_into_a_shell_line(path: Path) -> None:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    for step in _steps(doc):
        assert not UNTRUSTED.search(step.get("run", "")), (path.name, step.get("name"))


def test_submit_workflow_runs_only_trusted_code() -> None:
    doc = _workflow("submit-a-study.yml")
    assert doc["on"] == {"issues": {"types": ["opened", "edited"]}}
    check, publish = doc["jobs"]["check"], doc["jobs"]["publish"]
    assert check["permissions"] == {} and publish["needs"] == "check"
    assert publish["permissions"] == {
        "contents": "write",
        "pull-requests": "write",
        "issues": "write",
    }
    for job in (check, publish):
        checkout = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/checkout"))
        assert not {"ref", "repository"} & set(checkout.get("with", {})), "the default branch"
    step = next(s for s in check["steps"] if "submit-a-study-check.sh" in s.get("run", ""))
    assert step["env"]["ISSUE_BODY"] == "${{ github.event.issue.body }}"
    assert '"$ISSUE_BODY"' in step["run"]
    assert any("submit-a-study-publish.sh" in s.get("run", "") for s in publish["steps"])
    assert "github.event.issue.body" not in yaml.safe_dump(publish)


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
    """The guide's worked example goes through add-study and diff as the guide says, on a
    package the test builds."""
    repo = make_repo(tmp_path / "repo")
    example = tmp_path / "smith-2026.yaml"
    example.write_text(_contributing_yaml(), encoding="utf-8")
    assert "FICTIONAL" in example.read_text(encoding="utf-8")
    code, out, err = run_cli(["add-study", str(example)], repo, capsys)
    assert code == 0, err
    assert "added study example-2026" in out
    code, out, _ = run_cli(["diff", "v1.0.0"], repo, capsys)
    assert code == 0 and "example-2026-sii-pfs" in out


def _contributing_tool():
    spec = importlib.util.spec_from_file_location("contributing", ROOT / ".ci" / "contributing.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# What changes with the data and not with the code: CSV line numbers and data versions.
_DATA_DEPENDENT = re.compile(r"(\.csv:)\d+(:)|\b\d+\.\d+\.\d+\b")


def _mask(text: str) -> str:
    return _DATA_DEPENDENT.sub(lambda m: f"{m.group(1)}N{m.group(2)}" if m.group(1) else "V", text)


def test_contributing_outputs_are_from_a_real_run() -> None:
    """The guide's printed messages are written by .ci/contributing.py from a real run of
    evreg add-study on the registry as it is before the contribution. Line numbers and data
    versions move as data arrive; every other character must be what the run prints."""
    tool = _contributing_tool()
    guide = (GITHUB / "CONTRIBUTING.md").read_text(encoding="utf-8")
    shown = tool.blocks(guide)
    assert set(shown) == {"added", "refused"}
    real = tool.outputs(ROOT)
    assert {k: _mask(v) for k, v in shown.items()} == {k: _mask(v) for k, v in real.items()}
    assert "added study example-2026" in real["added"]
    assert ":hr: -1.62 must be a finite number above 0" in real["refused"]
    assert ":n: '120' given, but n is what the source review reported" in real["refused"]
    assert tool.example_yaml(guide) == _contributing_yaml()


def test_changelog_is_markdown_with_version_headings() -> None:
    log = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert log.startswith("# What's new")
    versions = re.findall(r"^## (\d+\.\d+\.\d+) — \d{4}-\d{2}-\d{2}$", log, re.M)
    assert versions and versions == sorted(
        versions, key=lambda v: tuple(map(int, v.split("."))), reverse=True
    )

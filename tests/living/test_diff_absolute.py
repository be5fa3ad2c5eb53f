"""evreg diff reports a change of absolute effects (a baseline added: the pooled HR is the same,
its absolute effect is new). On the synthetic package in a git repository (fixtures)."""

from __future__ import annotations

import json
from pathlib import Path

from fixtures.living_repo import make_repo, run_cli
from fixtures.synthetic import TRIAL_BASELINE, add_resource

from evreg.data.formats import MISSING


def test_diff_reports_new_absolute_effects(tmp_path: Path, capsys) -> None:
    repo = make_repo(tmp_path / "repo")
    add_resource(repo, "baseline_risks", [TRIAL_BASELINE])
    code, js, err = run_cli(["diff", "v1.0.0", "--format", "json"], repo, capsys)
    assert code == 0, err
    entry = next(a for a in json.loads(js)["analyses"] if a["analysis_id"] == "il6-pfs")
    assert entry["status"] == "changed" and entry["changes"] == ["absolute effects"]
    assert entry["before"]["absolute"] == []
    assert entry["after"]["absolute"][0].startswith("12-month PFS: 40 vs ")
    code, out, _ = run_cli(["diff", "v1.0.0"], repo, capsys)
    assert f"absolute {MISSING} → 12-month PFS: 40 vs " in out

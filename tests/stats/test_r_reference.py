"""The committed R outputs (tests/stats/r_reference/, fixtures.r_reference): every script the
comparison tests use has one, made from that script and its inputs; where R runs, each equals
what R prints now (else it is stale: record it again); without R, the tests read them."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import needs_r
from fixtures.r_reference import (
    GROUPS,
    RECORD,
    ROOT,
    Reference,
    StaleReference,
    differences,
    input_hashes,
    outputs,
    r_versions,
    stored,
)

ALL = [ref for refs in GROUPS.values() for ref in refs]


@pytest.mark.parametrize("ref", ALL, ids=[r.name for r in ALL])
def test_every_r_script_has_its_committed_output(ref: Reference) -> None:
    """Recorded from the script and input files the tests use now, with the versions."""
    record = stored(ref)
    assert record["output"] is not None
    assert {"R", "metafor", "metadat"} <= set(record["versions"])


@needs_r
@pytest.mark.r
@pytest.mark.parametrize("group", list(GROUPS))
def test_committed_outputs_are_what_r_prints_now(tmp_path_factory, group: str) -> None:
    """CI runs R: a committed output whose script, inputs, R or package versions or numbers
    (beyond 1e-10 relative) differ from R's now is stale."""
    live = outputs(tmp_path_factory, group)
    versions = r_versions()
    stale = []
    for ref in GROUPS[group]:
        record = json.loads(ref.path.read_text(encoding="utf-8")) if ref.path.exists() else {}
        found = [
            *(["script"] if record.get("script") != ref.script.split("\n") else []),
            *(["inputs"] if record.get("inputs") != input_hashes(ref) else []),
            *(["versions"] if record.get("versions") != versions else []),
            *differences(record.get("output"), live[ref.name])[:5],
        ]
        if found:
            stale.append(f"{ref.path.name}: {'; '.join(found)}")
    assert not stale, f"stale R outputs (record them again: {RECORD}):\n" + "\n".join(stale)


def test_differences_finds_numbers_keys_and_lengths() -> None:
    ours = {"a": [1.0, 2.0], "b": {"c": None, "d": "x"}, "e": True}
    assert differences(ours, json.loads(json.dumps(ours))) == []
    assert differences({"a": [1.0, 2.0 * (1 + 1e-8)]}, {"a": [1.0, 2.0]}) == [
        "/a[1]: 2.00000002 vs 2.0"
    ]
    assert differences({"a": 1.0, "b": 2}, {"b": 2, "a": 1.0})  # order is part of R's output
    assert differences({"a": [1.0]}, {"a": [1.0, 2.0]}) == ["/a: 1 items vs 2"]
    assert differences({"a": None}, {"a": 0.0}) and differences(True, 1)


def test_a_changed_script_or_input_makes_the_committed_output_stale() -> None:
    ref = GROUPS["example"][0]
    with pytest.raises(StaleReference, match="R script changed"):
        stored(Reference(ref.name, ref.script + "\n# changed", ref.inputs))
    with pytest.raises(StaleReference, match="changed since R's output"):
        stored(Reference(ref.name, ref.script, ref.inputs[:1]))
    with pytest.raises(StaleReference, match="missing"):
        stored(Reference("no-such-reference", ref.script))


def test_without_rscript_on_path_the_committed_outputs_are_used(tmp_path) -> None:
    """A PATH without Rscript (and no EVREG_R) selects the committed outputs."""
    env = {k: v for k, v in os.environ.items() if k != "EVREG_R"}
    env.update(PATH=str(tmp_path), PYTHONPATH=str(ROOT / "tests"))
    code = "from fixtures.r_reference import MODE; print(MODE)"
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "stored"

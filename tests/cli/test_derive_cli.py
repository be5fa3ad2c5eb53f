"""`evreg derive logrank|oe|ci|km`: JSON shape, text, examples in --help, one-line errors
with exit 1 and nothing written."""

from __future__ import annotations

import json
import math
import shlex
import subprocess
import sys

import pytest
from fixtures.km_sim import LABELS, write_inputs
from fixtures.r_survival import stored, trial

from evreg.cli import main
from evreg.cli.derive import EXAMPLES

KEYS = {"hr", "ci_lower", "ci_upper", "log_hr", "se", "method", "inputs", "notes"}


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_logrank_json(capsys) -> None:
    code, out, _ = run(
        [
            "derive",
            "logrank",
            "--p",
            "0.004",
            "--events",
            "80",
            "--worse",
            "high",
            "--format",
            "json",
        ],
        capsys,
    )
    data = json.loads(out)
    assert code == 0 and set(data) >= KEYS
    assert data["method"] == "logrank" and data["inputs"]["p"] == "0.004"
    assert data["se"] == pytest.approx(1 / math.sqrt(20), abs=1e-12)


def test_ci_says_which_method_was_used(capsys) -> None:
    _, out, _ = run(["derive", "ci", "--hr", "1.85", "--p", "0.004", "--format", "json"], capsys)
    assert json.loads(out)["method"] == "p"
    _, out, _ = run(
        ["derive", "ci", "--hr", "1.85", "--ci-lower", "1.21", "--ci-upper", "2.83"], capsys
    )
    assert "SE derived from the printed confidence interval" in out
    code, _, err = run(
        ["derive", "ci", "--hr", "1.85", "--p", "0.004", "--ci-lower", "1.2"], capsys
    )
    assert code == 1 and "--ci-lower and --ci-upper, or --p" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["logrank", "--p", "1.3", "--events", "80", "--worse", "high"], "p 1.3"),
        (["logrank", "--p", "0", "--events", "80", "--worse", "high"], "p 0"),
        (["logrank", "--p", "0.01", "--events", "0", "--worse", "high"], "events 0"),
        (["oe", "--o-minus-e", "2", "--variance", "-3"], "variance -3"),
    ],
)
def test_bad_inputs_give_one_line_and_exit_1(argv: list[str], message: str, capsys) -> None:
    code, out, err = run(["derive", *argv], capsys)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and message in err and "Traceback" not in err


def test_km_text_json_and_ipd(tmp_path, capsys) -> None:
    inputs = write_inputs(trial("hr0.55-n150"), tmp_path)
    argv = [
        "derive",
        "km",
        *[f"--curve={lab}={inputs['curves'][lab]}" for lab in LABELS],
        "--at-risk",
        inputs["at_risk"],
        "--reference",
        "low",
    ]
    code, out, _ = run([*argv, "--ipd", str(tmp_path / "ipd.csv"), "--format", "json"], capsys)
    data = json.loads(out)
    assert code == 0 and set(data) >= KEYS and data["method"] == "km"
    ref = stored()["cases"]["hr0.55-n150"]
    assert abs(data["log_hr"] - ref["log_hr"]) <= 0.06
    rows = (tmp_path / "ipd.csv").read_text().splitlines()
    assert rows[0] == "group,time,event" and len(rows) == 1 + 300
    assert data["details"]["groups"]["low"]["at_risk"][0] == {
        "time": 0.0,
        "printed": 150,
        "reconstructed": 150,
    }
    _, text, _ = run(argv, capsys)
    assert text.startswith("HR ") and "reconstructed from Kaplan\u2013Meier curves" in text
    assert "printed  reconstructed" in text


def test_km_bad_input_writes_nothing(tmp_path, capsys) -> None:
    inputs = write_inputs(trial("hr0.55-n150"), tmp_path)
    out_file = tmp_path / "ipd.csv"
    code, out, err = run(
        [
            "derive",
            "km",
            f"--curve=low={inputs['curves']['low']}",
            f"--curve=other={inputs['curves']['high']}",
            "--at-risk",
            inputs["at_risk"],
            "--reference",
            "low",
            "--ipd",
            str(out_file),
        ],
        capsys,
    )
    assert code == 1 and out == "" and not out_file.exists()
    assert "at-risk.csv:1: column 'high' matches no curve label (low, other)" in err


@pytest.mark.parametrize("method", sorted(EXAMPLES))
def test_help_of_each_method_has_a_working_example(method: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "evreg", "derive", method, "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "examples:" in proc.stdout and f"evreg derive {method} " in proc.stdout
    if method != "km":  # km's example needs files
        for example in EXAMPLES[method].split("\n"):
            words = shlex.split(example.strip())
            assert main(words[1:]) == 0

"""`evreg pool FILE.csv`: JSON shape, agreement with evreg.stats, text format, bad files."""

from __future__ import annotations

import csv
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from fixtures.pool_files import hackshaw_csv, run_json, write

from evreg import stats
from evreg.cli import main

EVREG = str(Path(sys.executable).with_name("evreg"))
TOP = {
    "k",
    "method",
    "measure",
    "hksj",
    "test",
    "tau2_algorithm",
    "estimate",
    "ci_lower",
    "ci_upper",
    "log_estimate",
    "se",
    "p",
    "tau2",
    "I2",
    "H2",
    "Q",
    "Q_df",
    "Q_p",
    "pi_lower",
    "pi_upper",
}
STUDY = {"study", "estimate", "ci_lower", "ci_upper", "weight", "flipped"}
EXTRA = {"studies", "egger", "flipped", "notes"}
LOO = {"omitted", "estimate", "ci_lower", "ci_upper", "p", "I2"}


@pytest.fixture
def hackshaw(tmp_path: Path) -> Path:
    return hackshaw_csv(tmp_path)


@pytest.fixture
def small(tmp_path: Path) -> Path:
    return write(
        tmp_path / "small.csv",
        ["study", "log_hr", "se", "group"],
        [
            ["A", -0.3, 0.2, "x"],
            ["B", 0.1, 0.15, "x"],
            ["C", -0.5, 0.3, "y"],
            ["D", -0.2, 0.25, "y"],
            ["E", 0.05, 0.1, "z"],
        ],
    )


def columns(path: Path) -> dict[str, list[str]]:
    with path.open() as fh:
        rows = list(csv.DictReader(fh))
    return {key: [r[key] for r in rows] for key in rows[0]}


def test_json_shape_and_values_match_the_engine(capsys, hackshaw: Path) -> None:
    out = run_json(capsys, str(hackshaw), "--method", "REML", "--hksj")
    assert set(out) == TOP | EXTRA
    col = columns(hackshaw)
    y, se = stats.ci_to_se(
        np.array(col["hr"], float),
        np.array(col["ci_lower"], float),
        np.array(col["ci_upper"], float),
    )
    ref = stats.pool(y, se, "REML", hksj=True)
    assert out["k"] == 37 and out["method"] == "REML" and out["hksj"] is True
    for key in TOP - {"k", "method", "hksj", "measure", "test", "tau2_algorithm"}:
        assert out[key] == pytest.approx(getattr(ref, key), rel=1e-12), key
    assert (out["measure"], out["test"]) == ("HR", "t")
    assert out["tau2_algorithm"] == ref.tau2_algorithm and out["notes"][: len(ref.notes)] == list(
        ref.notes
    )
    assert out["estimate"] == pytest.approx(math.exp(ref.log_estimate))
    assert 0 <= out["I2"] <= 100 and out["I2"] == pytest.approx(ref.I2)  # percent
    assert [s["study"] for s in out["studies"]] == col["study"]
    assert all(set(s) == STUDY for s in out["studies"])
    assert sum(s["weight"] for s in out["studies"]) == pytest.approx(100.0)
    eg = stats.egger(y, se)
    assert out["egger"] == {
        "bias": pytest.approx(eg.bias),
        "t": pytest.approx(eg.t),
        "p": pytest.approx(eg.p),
    }


def test_log_and_ci_inputs_agree(capsys, tmp_path: Path) -> None:
    z = 1.959963984540054
    ci = write(
        tmp_path / "ci.csv",
        ["study", "hr", "ci_lower", "ci_upper", "ci_level"],
        [["a", 0.5, 0.25, 1.0, ""], ["b", 2.0, 1.2, 3.5, "0.90"], ["c", 1.1, 0.8, 1.5, 95]],
    )
    se_b = (math.log(3.5) - math.log(1.2)) / (2 * 1.6448536269514722)
    log = write(
        tmp_path / "log.csv",
        ["study", "log_hr", "se"],
        [
            ["a", math.log(0.5), math.log(4) / (2 * z)],
            ["b", math.log(2.0), se_b],
            ["c", math.log(1.1), (math.log(1.5) - math.log(0.8)) / (2 * z)],
        ],
    )
    a, b = run_json(capsys, str(ci)), run_json(capsys, str(log))
    assert a["estimate"] == pytest.approx(b["estimate"], rel=1e-12)
    assert a["se"] == pytest.approx(b["se"], rel=1e-12)


def test_small_k_has_null_egger_and_prediction_interval_rules(capsys, small: Path) -> None:
    out = run_json(capsys, str(small))
    assert out["egger"] is None and out["k"] == 5
    assert out["pi_lower"] is not None  # k >= 3
    fe = run_json(capsys, str(small), "--method", "FE")
    assert fe["pi_lower"] is None and fe["tau2"] == 0  # unavailable -> null


def test_leave_one_out_and_subgroups_in_input_order(capsys, small: Path) -> None:
    out = run_json(capsys, str(small), "--leave-one-out", "--subgroup", "group")
    assert set(out) == TOP | EXTRA | {"leave_one_out", "subgroups"}
    assert [r["omitted"] for r in out["leave_one_out"]] == list("ABCDE")
    assert all(set(r) == LOO for r in out["leave_one_out"])
    ref = stats.leave_one_out([-0.3, 0.1, -0.5, -0.2, 0.05], [0.2, 0.15, 0.3, 0.25, 0.1], "DL")
    assert [r["estimate"] for r in out["leave_one_out"]] == pytest.approx(
        [r.estimate for r in ref.rows]
    )
    sg = out["subgroups"]
    assert set(sg) == {"groups", "Q_between", "Q_between_df", "Q_between_p"}
    assert list(sg["groups"]) == ["x", "y", "z"] and sg["Q_between_df"] == 2
    for level in sg["groups"].values():
        assert set(level) == TOP | {"studies"}
    assert sg["groups"]["z"]["k"] == 1 and sg["groups"]["z"]["I2"] is None
    assert sg["groups"]["z"]["estimate"] == pytest.approx(math.exp(0.05))


def test_cumulative_orders_by_column(capsys, hackshaw: Path) -> None:
    out = run_json(capsys, str(hackshaw), "--cumulative", "year")
    years = [int(s.split()[-1]) for s in (r["added"] for r in out["cumulative"])]
    assert years == sorted(years) and out["cumulative"][-1]["k"] == 37
    assert out["cumulative"][-1]["estimate"] == pytest.approx(out["estimate"])


def test_text_output_is_a_revman_style_summary(capsys, hackshaw: Path) -> None:
    assert main(["pool", str(hackshaw), "--subgroup", "design", "--leave-one-out"]) == 0
    text = capsys.readouterr().out
    for phrase in (
        "Random effects, method DL",
        "Garfinkel 1981",
        "Total (95% CI), k = 37",
        "Prediction interval",
        "Heterogeneity: Tau²",
        "Test for overall effect: Z",
        "Subgroup: cohort",
        "Test for subgroup differences",
        "Leave-one-out",
        "Egger's test",
        "Notes:",
        "DerSimonian-Laird",
    ):
        assert phrase in text, phrase


def test_text_output_neutralises_control_characters(capsys, tmp_path: Path) -> None:
    f = write(
        tmp_path / "evil.csv",
        ["study", "log_hr", "se"],
        [["\x1b[31mred\x1b[0m", 0.1, 0.2], ["ok", 0.2, 0.3]],
    )
    assert main(["pool", str(f)]) == 0
    text = capsys.readouterr().out
    assert "\x1b" not in text and "?[31mred" in text


BAD = [
    ("missing column", "study,hr,ci_lower\na,1,0.5\n", "needs columns log_ratio + se"),
    ("no study column", "name,log_hr,se\na,0.1,0.2\n", "missing column 'study'"),
    ("not a number", "study,log_hr,se\na,0.1,0.2\nb,abc,0.2\n", ":3:log_hr: 'abc' is not a number"),
    ("negative se", "study,log_hr,se\na,0.1,-0.2\n", ":2:se: -0.2 must be positive"),
    ("empty value", "study,log_hr,se\na,,0.2\n", ":2:log_hr: empty"),
    ("ci order", "study,hr,ci_lower,ci_upper\na,1.2,1.5,1.1\n", ":2:ci_lower"),
    ("hr outside ci", "study,hr,ci_lower,ci_upper\na,2.5,1.1,1.5\n", ":2:hr: 2.5 is outside"),
    ("zero hr", "study,hr,ci_lower,ci_upper\na,0,0,1.5\n", ":2:hr: 0 must be positive"),
    ("bad level", "study,hr,ci_lower,ci_upper,ci_level\na,1,0.5,2,150\n", ":2:ci_level"),
    ("ragged", "study,log_hr,se\na,0.1,0.2,9\n", ":2: 4 fields, header has 3"),
    ("no rows", "study,log_hr,se\n", "no study rows"),
    ("empty file", "", "empty file"),
    ("empty study", "study,log_hr,se\n,0.1,0.2\n", ":2:study: empty"),
    ("infinite", "study,log_hr,se\na,inf,0.2\n", ":2:log_hr: 'inf' is not a finite number"),
    ("duplicate", "study,log_hr,se,se\na,0.1,0.2,0.3\n", ":1: duplicate column(s): 'se'"),
]


@pytest.mark.parametrize(("label", "content", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_files_give_one_clear_line_and_exit_1(capsys, tmp_path, label, content, message):
    f = tmp_path / "bad.csv"
    f.write_text(content, encoding="utf-8")
    assert main(["pool", str(f)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"evreg pool: error: {f}") and message in err, err
    assert "Traceback" not in err and err.count("\n") == 1


def test_missing_file_directory_binary_and_unknown_column(capsys, tmp_path, small) -> None:
    binary = tmp_path / "bin.csv"
    binary.write_bytes(b"\xff\xfe\x00\x81garbage")
    cases = [
        (str(tmp_path / "nope.csv"), [], "no such file"),
        (str(tmp_path), [], "is a directory"),
        (str(binary), [], "not a UTF-8"),
        (str(small), ["--subgroup", "hbv"], "no column 'hbv'"),
        (str(small), ["--cumulative", "year"], "no column 'year'"),
    ]
    for path, extra, message in cases:
        assert main(["pool", path, *extra]) == 1
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err


def test_real_process_json_and_usage_error(small: Path) -> None:
    proc = subprocess.run(
        [EVREG, "pool", str(small), "--format", "json", "--method", "reml"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["method"] == "REML"
    bad = subprocess.run(
        [EVREG, "pool", str(small), "--method", "XX"], capture_output=True, text=True
    )
    assert bad.returncode == 2 and "invalid choice" in bad.stderr


def test_pool_command_keeps_heavy_imports_out(hackshaw: Path) -> None:
    """evreg pool must start fast: no pandas, frictionless, scipy, altair."""
    code = (
        "import sys, io, contextlib\nfrom evreg.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()): main(['pool', sys.argv[1]])\n"
        "print([m for m in ('pandas', 'frictionless', 'scipy.special', 'scipy.stats', "
        "'scipy.optimize', 'altair') if m in sys.modules])"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(hackshaw)], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_option_errors_are_clear(capsys, small: Path) -> None:
    assert main(["pool", str(small), "--level", "1.5"]) == 1
    assert "--level 1.5 must be between 0 and 1" in capsys.readouterr().err
    assert main(["pool", str(small), "--subgroup", "group", "--common-tau2", "--hksj"]) == 1
    assert "--common-tau2 cannot be combined with --hksj" in capsys.readouterr().err


def test_common_tau2_subgroups_share_one_tau2(capsys, small: Path) -> None:
    out = run_json(capsys, str(small), "--subgroup", "group", "--common-tau2", "--method", "REML")
    tau2s = {g["tau2"] for g in out["subgroups"]["groups"].values()}
    ref = stats.subgroups(
        [-0.3, 0.1, -0.5, -0.2, 0.05],
        [0.2, 0.15, 0.3, 0.25, 0.1],
        list("xxyyz"),
        "REML",
        common_tau2=True,
    )
    assert tau2s == {ref.groups["x"].tau2}
    assert out["subgroups"]["Q_between"] == pytest.approx(ref.Q_between)

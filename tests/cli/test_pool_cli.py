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

from evreg import stats
from evreg.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "hackshaw1998" / "source"
HACKSHAW = EXAMPLE / "hackshaw1998_ets_lung_cancer.csv"
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


def write(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(header)
        out.writerows(rows)
    return path


@pytest.fixture
def hackshaw(tmp_path: Path) -> Path:
    """The in-repo 37-study example (examples/hackshaw1998) as hr + CI, design and year."""
    with HACKSHAW.open() as fh:
        rows = list(csv.DictReader(fh))
    return write(
        tmp_path / "hackshaw.csv",
        ["study", "hr", "ci_lower", "ci_upper", "design", "year"],
        [
            [f"{r['author']} {r['year']}", r["or"], r["or.lb"], r["or.ub"], r["design"], r["year"]]
            for r in rows
        ],
    )


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


def run_json(capsys, *args: str) -> dict:
    assert main(["pool", *args, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


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


# ---- direction, measure, delimiter, notes, extremes (issue 11) ---------------------------

DIRECTION = [  # study, hr, ci_lower, ci_upper, comparison (as the data package writes them)
    ["Ayes 2019", 0.62, 0.45, 0.85, "low_vs_high"],
    ["Bern 2020", 1.35, 1.05, 1.74, "high_vs_low"],
    ["Chao 2020", 0.71, 0.52, 0.97, "decrease_vs_increase"],
    ["Dutt 2021", 1.22, 0.98, 1.52, "increase_vs_decrease"],
    ["Eke 2021", 1.48, 1.10, 1.99, "high_vs_low"],
    ["Fok 2022", 0.80, 0.61, 1.05, "low_vs_high"],
]


def test_comparison_column_is_harmonised_as_the_build_does(capsys, tmp_path: Path) -> None:
    from evreg.stats import FLIPPED

    f = write(
        tmp_path / "dir.csv", ["study", "hr", "ci_lower", "ci_upper", "comparison"], DIRECTION
    )
    out = run_json(capsys, str(f))
    flip = [row[4] in FLIPPED for row in DIRECTION]
    hr = [1 / r[1] if fl else r[1] for r, fl in zip(DIRECTION, flip, strict=True)]
    lo = [1 / r[3] if fl else r[2] for r, fl in zip(DIRECTION, flip, strict=True)]
    up = [1 / r[2] if fl else r[3] for r, fl in zip(DIRECTION, flip, strict=True)]
    ref = stats.pool(*stats.ci_to_se(hr, lo, up), "DL")
    assert out["estimate"] == pytest.approx(ref.estimate, rel=1e-12)
    assert out["ci_lower"] == pytest.approx(ref.ci_lower, rel=1e-12)
    assert out["flipped"] == [r[0] for r, fl in zip(DIRECTION, flip, strict=True) if fl]
    assert [s["flipped"] for s in out["studies"]] == flip
    assert out["studies"][0]["estimate"] == pytest.approx(1 / 0.62, rel=1e-6)
    assert any("harmonised to high vs low" in n and "Ayes 2019" in n for n in out["notes"])
    unflipped = stats.pool(*stats.ci_to_se(*zip(*[r[1:4] for r in DIRECTION], strict=True)), "DL")
    assert abs(math.log(unflipped.estimate / out["estimate"])) > 0.01  # direction matters


def test_log_form_flips_the_sign_like_the_ratio_form(capsys, tmp_path: Path) -> None:
    z = float(stats.dist.norm_ppf(0.975))
    rows = [
        [r[0], math.log(r[1]), (math.log(r[3]) - math.log(r[2])) / (2 * z), r[4]] for r in DIRECTION
    ]
    log = write(tmp_path / "log.csv", ["study", "log_hr", "se", "comparison"], rows)
    ci = write(
        tmp_path / "ci.csv", ["study", "hr", "ci_lower", "ci_upper", "comparison"], DIRECTION
    )
    a, b = (
        run_json(capsys, str(log), "--method", "REML"),
        run_json(capsys, str(ci), "--method", "REML"),
    )
    assert a["log_estimate"] == pytest.approx(b["log_estimate"], rel=1e-12)
    assert a["flipped"] == b["flipped"]


def test_every_package_comparison_value_is_understood(root: Path) -> None:
    """The schema's comparison values: flipped exactly where the build flips, unknown refused."""
    from evreg.review import pooling
    from evreg.stats import FLIPPED

    schema = json.loads((root / "schemas" / "estimates.json").read_text())
    field = next(f for f in schema["fields"] if f["name"] == "comparison")
    values = field["constraints"]["enum"]
    assert set(values) == set(pooling.COMPARISONS) | {"unknown"}
    flipped = stats.harmonise([2.0] * len(values), [1.0] * len(values), [4.0] * len(values), values)
    assert [r == 0.5 for r in flipped[0]] == [v in FLIPPED for v in values]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("unknown", ":3:comparison: 'unknown': a study of unknown direction"),
        ("lowvshigh", ":3:comparison: 'lowvshigh' is not a comparison"),
        ("", ":3:comparison: empty; a value is required"),
    ],
)
def test_bad_comparison_is_an_error_naming_the_row(capsys, tmp_path, value, message) -> None:
    rows = [DIRECTION[0], [*DIRECTION[1][:4], value]]
    f = write(tmp_path / "c.csv", ["study", "hr", "ci_lower", "ci_upper", "comparison"], rows)
    assert main(["pool", str(f)]) == 1
    err = capsys.readouterr().err
    assert message in err and "high_vs_low" in err and err.count("\n") == 1


def test_measure_labels_and_column_names(capsys, tmp_path: Path) -> None:
    rows = [[r[0], *r[1:4]] for r in DIRECTION]
    odds = write(tmp_path / "or.csv", ["study", "or", "ci_lower", "ci_upper"], rows)
    plain = write(tmp_path / "r.csv", ["study", "ratio", "ci_lower", "ci_upper"], rows)
    assert run_json(capsys, str(odds))["measure"] == "OR"
    assert run_json(capsys, str(plain))["measure"] == "Ratio"
    assert run_json(capsys, str(plain), "--measure", "rr")["measure"] == "RR"
    assert main(["pool", str(odds), "--measure", "OR"]) == 0
    text = capsys.readouterr().out
    assert "OR [95% CI]" in text and "HR" not in text
    assert main(["pool", str(odds), "--measure", "HR"]) == 1
    err = capsys.readouterr().err
    assert "column 'or' holds odds ratios but --measure HR" in err
    both = write(
        tmp_path / "b.csv", ["study", "hr", "or", "ci_lower", "ci_upper"], [["a", 1, 1, 0.5, 2]]
    )
    assert main(["pool", str(both)]) == 1
    assert "more than one effect column (hr, or)" in capsys.readouterr().err


@pytest.mark.parametrize(("delimiter", "name"), [(";", "semicolons"), ("\t", "tabs")])
def test_delimiter_is_detected_and_named(capsys, tmp_path, delimiter, name) -> None:
    f = tmp_path / "d.csv"
    lines = ["study,hr,ci_lower,ci_upper"] + [",".join(map(str, r[:4])) for r in DIRECTION]
    f.write_text("\n".join(line.replace(",", delimiter) for line in lines) + "\n")
    comma = write(
        tmp_path / "c.csv", ["study", "hr", "ci_lower", "ci_upper"], [r[:4] for r in DIRECTION]
    )
    a, b = run_json(capsys, str(f)), run_json(capsys, str(comma))
    assert a["estimate"] == b["estimate"] and a["k"] == 6
    assert f"fields separated by {name} (detected)" in a["notes"]
    assert not any("separated" in n for n in b["notes"])


def test_semicolon_file_with_decimal_commas_names_row_field_and_delimiter(capsys, tmp_path) -> None:
    f = tmp_path / "eu.csv"
    f.write_text("study;hr;ci_lower;ci_upper\nA;0,85;0,70;1,02\n")
    assert main(["pool", str(f)]) == 1
    err = capsys.readouterr().err
    assert ":2:hr: '0,85' is not a number (decimal comma? use a point)" in err
    g = tmp_path / "wrong.csv"
    g.write_text("name;log_hr;se\nA;0.1;0.2\n")
    assert main(["pool", str(g)]) == 1
    assert "missing column 'study' (read as semicolon-separated)" in capsys.readouterr().err


def test_k1_with_hksj_reports_the_z_test_it_used(capsys, tmp_path: Path) -> None:
    f = write(tmp_path / "one.csv", ["study", "log_hr", "se"], [["a", 0.1, 0.2]])
    out = run_json(capsys, str(f), "--hksj")
    assert out["hksj"] is False and out["test"] == "z"
    assert any("HKSJ needs k >= 2" in n for n in out["notes"])
    assert main(["pool", str(f), "--hksj"]) == 0
    text = capsys.readouterr().out
    assert "Test for overall effect: Z" in text and ", HKSJ" not in text


def test_json_carries_every_note_including_zero_hksj_variance(capsys, tmp_path: Path) -> None:
    f = write(tmp_path / "same.csv", ["study", "log_hr", "se"], [["a", 0.1, 0.2], ["b", 0.1, 0.2]])
    out = run_json(capsys, str(f), "--hksj")
    assert any("HKSJ variance is zero" in n for n in out["notes"])
    assert out["p"] is None and out["test"] == "t"


EXTREMES = [
    ("se 1e-160", "study,log_hr,se\na,0.1,1e-160\nb,0.2,0.3\n"),
    ("se 1e-60", "study,log_hr,se\na,0.1,1e-60\nb,0.2,0.3\nc,0.3,0.2\n"),
    ("se 1e150", "study,log_hr,se\na,0.1,1e150\nb,0.2,0.3\nc,0.3,0.2\n"),
    ("se 1e300", "study,log_hr,se\na,0.1,1e300\nb,0.2,0.3\n"),
    ("log 700", "study,log_hr,se\na,700,0.1\nb,0.2,0.3\nc,-700,0.2\n"),
    ("log 1e200", "study,log_hr,se\na,1e200,0.1\nb,-1e200,0.3\nc,1,1\n"),
    ("hr 1e-300", "study,hr,ci_lower,ci_upper\na,1e-300,1e-301,1e-299\nb,1,0.5,2\n"),
    (
        "ci 1 ulp",
        "study,hr,ci_lower,ci_upper\na,1,0.9999999999999999,1.0000000000000002\nb,1,0.5,2\n",
    ),
    ("identical", "study,log_hr,se\na,0.1,0.2\nb,0.1,0.2\nc,0.1,0.2\n"),
]


@pytest.mark.parametrize(("label", "content"), EXTREMES, ids=[e[0] for e in EXTREMES])
def test_numeric_extremes_never_warn_or_trace(tmp_path: Path, label: str, content: str) -> None:
    """Real processes, every method, with and without HKSJ and leave-one-out: either a result
    (valid strict JSON) or one clear error line; stderr never holds a warning or traceback."""
    f = tmp_path / "x.csv"
    f.write_text(content)
    code = (
        "import sys, io, contextlib\nfrom evreg.cli import main\n"
        "for m in ('FE', 'DL', 'REML', 'ML', 'PM', 'EB', 'SJ', 'HE'):\n"
        "    for extra in ([], ['--hksj'], ['--leave-one-out', '--hksj-adhoc']):\n"
        "        out = io.StringIO()\n"
        "        with contextlib.redirect_stdout(out):\n"
        "            rc = main(['pool', sys.argv[1], '--method', m, '--format', 'json', *extra])\n"
        "        print(rc, out.getvalue().replace(chr(10), ' '))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-W", "default", "-c", code, str(f)], capture_output=True, text=True
    )
    assert "Warning" not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    for line in proc.stdout.splitlines():
        rc, _, payload = line.partition(" ")
        assert rc in ("0", "1"), line
        if rc == "0":
            json.loads(payload, parse_constant=lambda c: pytest.fail(f"non-strict JSON {c}"))
    errors = [e for e in proc.stderr.splitlines() if e]
    assert all(e.startswith("evreg pool: error: ") for e in errors)


def test_help_documents_measure_with_an_example() -> None:
    proc = subprocess.run([EVREG, "pool", "--help"], capture_output=True, text=True)
    assert proc.returncode == 0
    assert "--measure" in proc.stdout and "evreg pool trials.csv --measure OR" in proc.stdout
    assert "comparison" in proc.stdout


def test_fast_and_csv_module_readers_agree(capsys, tmp_path: Path, hackshaw: Path) -> None:
    """Quote-free files take the split path, quoted ones the csv module: same results,
    blank lines skipped and the same line numbers in errors."""
    plain = hackshaw.read_text()
    quoted = tmp_path / "quoted.csv"
    lines = plain.splitlines()
    quoted.write_text(
        "\n".join([lines[0], *(f'"{ln.split(",")[0]}",{ln.split(",", 1)[1]}' for ln in lines[1:])])
        + "\n\n"
    )
    spaced = tmp_path / "spaced.csv"
    spaced.write_text("\n".join([lines[0], "", *lines[1:], ",,,,,"]) + "\n")
    outs = [run_json(capsys, str(p), "--leave-one-out") for p in (hackshaw, quoted, spaced)]
    assert outs[0] == outs[1] == outs[2]
    for body in (
        "study,log_hr,se\n\na,0.1,0.2\nb,x,0.2\n",
        'study,log_hr,se\n\n"a",0.1,0.2\nb,x,0.2\n',
    ):
        bad = tmp_path / "bad.csv"
        bad.write_text(body)
        assert main(["pool", str(bad)]) == 1
        assert f"{bad}:4:log_hr: 'x' is not a number" in capsys.readouterr().err

"""`evreg pool FILE.csv` inputs: comparison direction, measure labels, delimiters, notes and
numeric extremes (issue 11)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
from fixtures.pool_files import hackshaw_csv, run_json, write

from evreg import stats
from evreg.cli import main

EVREG = str(Path(sys.executable).with_name("evreg"))


@pytest.fixture
def hackshaw(tmp_path: Path) -> Path:
    return hackshaw_csv(tmp_path)


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

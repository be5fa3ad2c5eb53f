"""Reviewer judgements that know what they judged (``evreg certainty judge``): the row records
the data version and the pooled estimates; a new study in the analysis makes it stale (shown,
not applied; ``evreg validate`` warns); bad input writes nothing. Packages built by the tests."""

from __future__ import annotations

from pathlib import Path

from fixtures.breakage import read_rows
from fixtures.synthetic import ADDED_ESTIMATES, ADDED_STUDY, ESTIMATES, STUDIES, write_package

from evreg.cli import main
from evreg.data.package import load_package
from evreg.review.plan import run_plan

JUDGE = ["certainty", "judge", "sii-pfs", "imprecision", "very serious"]
WHY = ["--reason", "Two small cohorts; the CI is wide.", "--by", "A Reviewer"]


def _run(argv: list[str], capsys) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def _imprecision(pkg: Path, analysis_id: str = "sii-pfs"):
    return run_plan(load_package(pkg)).get(analysis_id).certainty.domains["imprecision"]


def _add_study(pkg: Path) -> None:
    """A third SII PFS study arrives (the pooled set of sii-pfs changes)."""
    row = {**ADDED_STUDY, "in_review": "false", "added_in_version": "1.1.0"}
    write_package(pkg, {"studies": [*STUDIES, row], "estimates": [*ESTIMATES, *ADDED_ESTIMATES]})


def test_a_judgement_records_what_it_judged_and_goes_stale_with_a_new_study(
    package_copy: Path, capsys
) -> None:
    code, out, err = _run([*JUDGE, *WHY, "--package", str(package_copy)], capsys)
    assert code == 0, err
    header, row = read_rows(package_copy, "certainty")
    rec = dict(zip(header, row, strict=True))
    assert rec["data_version"] == "1.0.0" and rec["result_id"] == ""
    pooled = [u.estimate_id for u in run_plan(load_package(package_copy)).get("sii-pfs").used]
    assert rec["estimate_ids"].split(";") == pooled
    applied = _imprecision(package_copy)
    assert (applied.judgement, applied.source, applied.reviewer_stale) == (
        "very serious",
        "reviewer",
        False,
    )
    code, out, err = _run(["validate", str(package_copy)], capsys)
    assert code == 0 and "estimate_ids" not in out
    # a new study: the row is kept but not applied; the computed judgement shows, flagged
    _add_study(package_copy)
    (package_copy / "data" / "certainty.csv").write_text(
        ",".join(header) + "\n" + ",".join(f'"{c}"' for c in row) + "\n", encoding="utf-8"
    )
    stale = _imprecision(package_copy)
    assert stale.source == "computed" and stale.reviewer_stale
    assert stale.reviewer_note.startswith("made on other studies (version 1.0.0): very serious")
    assert "A Reviewer" in stale.reviewer_note
    code, out, err = _run(["validate", str(package_copy)], capsys)
    assert code == 0
    assert "data/certainty.csv:2:estimate_ids: warning: sii-pfs imprecision: made on other" in out
    # judged again on the new set, it applies again and replaces the old row
    assert _run([*JUDGE, *WHY, "--package", str(package_copy)], capsys)[0] == 0
    assert len(read_rows(package_copy, "certainty")) == 2
    assert _imprecision(package_copy).source == "reviewer"


def test_a_row_without_its_estimates_applies_with_a_warning(package_copy: Path, capsys) -> None:
    header = "analysis_id,domain,judgement,reason,assessed_by,result_id,data_version,estimate_ids"
    (package_copy / "data" / "certainty.csv").write_text(
        f"{header}\nsii-pfs,imprecision,serious,r,A,,,\n", encoding="utf-8"
    )
    assert _imprecision(package_copy).source == "reviewer"
    code, out, _ = _run(["validate", str(package_copy)], capsys)
    assert code == 0 and "records no estimate_ids" in out


def test_a_judgement_can_target_a_published_result(package_copy: Path, capsys) -> None:
    argv = [*JUDGE, *WHY, "--result", "sii-pfs", "--package", str(package_copy)]
    assert _run(argv, capsys)[0] == 0
    a = run_plan(load_package(package_copy)).get("sii-pfs")
    assert a.certainty.domains["imprecision"].source == "computed"
    published = next(p for p in a.published if p["result_id"] == "sii-pfs")
    assert published["certainty"].domains["imprecision"].source == "reviewer"


def test_bad_judgements_exit_1_and_write_nothing(package_copy: Path, capsys) -> None:
    before = (package_copy / "data" / "certainty.csv").read_bytes()
    bad = [
        ["certainty", "judge", "nope", "imprecision", "serious", *WHY],
        ["certainty", "judge", "sii-pfs", "imprecision", "large", *WHY],
        ["certainty", "judge", "sii-pfs", "tone", "serious", *WHY],
        [*JUDGE, *WHY, "--result", "il6-pfs"],
        [*JUDGE, "--reason", "  ", "--by", "A"],
        [*JUDGE, "--reason", "r\x1b[31m", "--by", "A"],
        ["certainty", "judge", "sii-os", "imprecision", "serious", *WHY],  # nothing pooled
    ]
    for argv in bad:
        code, out, err = _run([*argv, "--package", str(package_copy)], capsys)
        assert code == 1 and "Traceback" not in err and err.startswith("evreg certainty: error")
    assert (package_copy / "data" / "certainty.csv").read_bytes() == before


def test_the_certainty_rows_are_validated(tmp_path: Path, capsys) -> None:
    pkg = write_package(tmp_path / "pkg")
    header = "analysis_id,domain,judgement,reason,assessed_by,result_id,data_version,estimate_ids"
    rows = [
        "sii-pfs,imprecision,serious,r,A,,1.0.0,x",
        "sii-pfs,imprecision,serious,r,A,,1.0.0,x",
        "sii-pfs,imprecision,serious,r,A,il6-pfs,1.0.0,x",
    ]
    (pkg / "data" / "certainty.csv").write_text("\n".join([header, *rows]) + "\n", "utf-8")
    code, out, _ = _run(["validate", str(pkg)], capsys)
    assert code == 1
    assert "data/certainty.csv:3:domain: sii-pfs imprecision is judged twice" in out
    assert "data/certainty.csv:4:result_id: 'il6-pfs' is not a published result of sii-pfs" in out

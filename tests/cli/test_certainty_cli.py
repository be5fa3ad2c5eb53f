"""`evreg certainty`: every analysis and published result with its level and the reason for
each judgement, as text or JSON, on packages the tests build; invalid data exit 1."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fixtures.breakage import write_rows
from fixtures.synthetic import CERTAINTY_HEADER, add_resource

from evreg import cli
from evreg.data.package import load_package
from evreg.review.certainty import DOMAINS
from evreg.review.certainty.target import describe
from evreg.review.plan import run_plan
from evreg.site.labels import Labels
from evreg.site.views.names import Words


def _labels(pkg: Path) -> Labels:
    """The schemas' labels of the package at ``pkg`` (codes -> readers' words)."""
    package = load_package(pkg)
    return Labels.from_package(package.root, package.descriptor)


def _run(args: list[str], capsys: pytest.CaptureFixture) -> tuple[int, str, str]:
    code = cli.main(["certainty", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_text_gives_every_rating_with_its_reasons(package_copy: Path, capsys) -> None:
    code, out, err = _run(["--package", str(package_copy)], capsys)
    assert code == 0 and err == ""
    results = run_plan(load_package(package_copy))
    say = Words({}, _labels(package_copy))  # the site's words: codes as labels, notation
    blocks = out.strip().split("\n\n")
    assert len(blocks) == len(results.analyses)
    for a, block in zip(results.analyses, blocks, strict=True):
        assert block.startswith(f"{a.analysis_id} ({a.title}): {a.certainty.level}.")
        for d in DOMAINS:
            j = a.certainty.domains[d]
            assert say(f"    {d}: {j.judgement}: {j.reason}") in block
        assert f"    what is rated: {describe(a.certainty.target)}" in block
        for p in a.published:
            assert f"  published {p['result_id']}" in block
            cred = p.get("subgroup_credibility")
            if cred is not None and not cred.credible:
                assert f": {p['certainty'].level} (the rating of {cred.applies})" in block
                assert "subgroup effect not credible: between-study comparison only" in block
            else:
                assert f": {p['certainty'].level}. {p['certainty'].summary}" in block
            assert f"printed result: {p['reliability'].verdict}" in block


def test_json_is_the_ratings_of_the_plan(package_copy: Path, capsys) -> None:
    code, out, _ = _run(["--package", str(package_copy), "--format", "json"], capsys)
    assert code == 0
    rows = json.loads(out)
    results = run_plan(load_package(package_copy))
    assert [r["analysis_id"] for r in rows] == [a.analysis_id for a in results.analyses]
    for row, a in zip(rows, results.analyses, strict=True):
        assert row["certainty"] == json.loads(json.dumps(a.certainty.to_dict()))
        assert [p["result_id"] for p in row["published"]] == [p["result_id"] for p in a.published]
        for printed, p in zip(row["published"], a.published, strict=True):
            assert printed["reliability"]["verdict"] == p["reliability"].verdict
            cred = p.get("subgroup_credibility")
            assert printed["subgroup_credibility"] == (cred.to_dict() if cred else None)


def test_a_reviewer_row_is_marked_and_invalid_rows_exit_1(package_copy: Path, capsys) -> None:
    header = CERTAINTY_HEADER
    write_rows(
        package_copy,
        "certainty",
        [header, ["il6-pfs", "indirectness", "serious", "r", "Q", "", "", ""]],
    )
    code, out, _ = _run(["--package", str(package_copy)], capsys)
    assert code == 0 and "    indirectness: serious (reviewer: Q; computed: " in out
    write_rows(
        package_copy,
        "certainty",
        [header, ["il6-pfs", "indirectness", "large", "r", "Q", "", "", ""]],
    )
    code, out, err = _run(["--package", str(package_copy)], capsys)
    assert code == 1 and out == "" and "Traceback" not in err
    assert "data/certainty.csv:2:judgement: 'large' is not a judgement for indirectness" in err


def test_text_says_codes_as_the_schemas_labels(package_copy: Path, capsys) -> None:
    """GRADE domains and the codes reasons name (QUIPS domains, cut-off methods) read as the
    labels the package's schemas give them, never as codes."""
    add_resource(package_copy, "risk_of_bias", [])  # declares the QUIPS domains' schema
    code, out, _ = _run(["--package", str(package_copy)], capsys)
    assert code == 0
    codes = {c: label for c, label in _labels(package_copy).codes().items() if "_" in c}
    shown = [c for c in codes if re.search(rf"(?<![\w-]){re.escape(c)}(?![\w-])", out)]
    assert shown == [], f"codes printed instead of their labels: {shown}"
    for domain in ("risk_of_bias", "dose_response"):  # every analysis rates every domain
        assert f"\n    {codes[domain]}: " in out
    # a reason that names a QUIPS domain (Beta 2021's estimate is from an abstract only)
    assert f"({codes['statistical_analysis']}: extracted from the abstract only)" in out


def test_text_says_a_stale_reviewer_judgement_is_not_applied(package_copy: Path, capsys) -> None:
    """A reviewer's row made on other estimates is shown (not applied) in the text, as in the
    JSON's ``reviewer_stale`` and ``reviewer_note``."""
    row = ["il6-pfs", "imprecision", "very serious", "Too few events", "A Reviewer", "", "1.0.0"]
    other = [e.estimate_id for e in run_plan(load_package(package_copy)).get("il6-os").used]
    write_rows(package_copy, "certainty", [CERTAINTY_HEADER, [*row, ";".join(other)]])
    code, out, _ = _run(["--package", str(package_copy), "--format", "json"], capsys)
    judged = next(r for r in json.loads(out) if r["analysis_id"] == "il6-pfs")
    j = judged["certainty"]["domains"]["imprecision"]
    assert code == 0 and j["reviewer_stale"] and j["source"] == "computed"
    code, out, _ = _run(["--package", str(package_copy)], capsys)
    block = next(b for b in out.split("\n\n") if b.startswith("il6-pfs "))
    line = next(x for x in block.splitlines() if x.startswith("    imprecision: "))
    assert line.endswith(f"; a reviewer's judgement, not applied: {j['reviewer_note']}")
    assert "made on other studies (version 1.0.0): very serious" in line

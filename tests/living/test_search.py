"""`evreg search` against a local stand-in for NCBI E-utilities (recorded responses in NCBI's
JSON format, tests/fixtures/eutils/): the query and window sent, paging, deduplication by PMID,
DOI (other case, doi.org prefix) and title, new records added awaiting screening, a second run
adding nothing, and a failing server (errors, hangs, bad JSON) changing nothing."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fixtures.eutils_standin import QUERY, StandIn, make_package, running
from fixtures.living_repo import run_cli, snapshot

from evreg.data.validate import validate_package
from evreg.errors import EvregError
from evreg.living.eutils import Eutils, SearchError
from evreg.living.pubmed import read_summary
from evreg.living.search import SearchRequest, run_search

NEW = {"90000005": "zeta-2026", "90000006": "muller-ludenscheidt-2026"}


@pytest.fixture
def eutils() -> Iterator[StandIn]:
    with running() as standin:
        yield standin


@pytest.fixture
def package(tmp_path: Path) -> Path:
    return make_package(tmp_path / "pkg")


def client(standin: StandIn, sleeps: list[float] | None = None, **kwargs) -> Eutils:
    """A client of the stand-in that records its waits instead of waiting."""
    waits = sleeps if sleeps is not None else []
    return Eutils(base=standin.url, sleep=waits.append, backoff=0.01, **kwargs)


def rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def search(package: Path, standin: StandIn, **request) -> object:
    defaults = {"since": "2026-01-01", "until": "2026-12-01", "today": "2026-12-02"}
    return run_search(package, SearchRequest(**{**defaults, **request}), client(standin))


def test_the_package_query_is_sent_with_the_date_window(package: Path, eutils: StandIn) -> None:
    search(package, eutils)
    first = eutils.of("esearch")[0].params
    assert first["term"] == QUERY
    assert (first["db"], first["datetype"], first["retmode"]) == ("pubmed", "pdat", "json")
    assert (first["mindate"], first["maxdate"]) == ("2026/01/01", "2026/12/01")
    assert first["retstart"] == "0" and first["tool"] == "evreg"
    assert "api_key" not in first
    asked = {i for r in eutils.of("esummary") for i in r.params["id"].split(",")}
    assert asked == {f"9000000{n}" for n in range(1, 8)}


def test_known_records_are_left_out_and_new_ones_added_awaiting(
    package: Path, eutils: StandIn
) -> None:
    result = search(package, eutils)
    why = dict(result.known)
    assert why["90000001"].startswith("DOI 10.5555/ALPHA.2020 is data/studies.csv alpha-2020")
    assert why["90000002"].startswith("DOI 10.5555/Gamma.2022 is data/studies.csv gamma-2022")
    assert why["90000003"] == "title, first author and year are data/candidates.csv zeta-2025"
    assert why["90000004"] == "PMID 90000004 is data/candidates.csv eta-2024"
    added = {r["pmid"]: r for r in rows(package.parent / "data/candidates.csv")[2:]}
    assert {p: r["candidate_id"] for p, r in added.items()} == NEW
    for pmid, row in added.items():
        assert row["screening_status"] == "awaiting"
        assert row["search_id"] == "pubmed-2026-12-02"
        assert row["identified_in_version"] == "1.1.0"
        assert row["source_url"] == f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/"
    assert added["90000005"]["doi"] == "10.5555/zeta.2026"
    assert added["90000005"]["title"].startswith("Baseline SII and survival")  # tags removed
    assert added["90000006"]["first_author"] == "Müller-Lüdenscheidt B"  # not the group
    history = rows(package.parent / "data/search_history.csv")
    assert [(h["since"], h["until"], h["records_returned"], h["new_records"]) for h in history] == [
        ("2026-01-01", "2026-12-01", "7", "2")
    ]
    assert history[0]["query"] == QUERY and history[0]["database"] == "PubMed"
    assert not [f for f in validate_package(package) if f.severity == "error"]


def test_a_second_run_adds_nothing(package: Path, eutils: StandIn) -> None:
    search(package, eutils)
    candidates = (package.parent / "data/candidates.csv").read_bytes()
    second = run_search(package, SearchRequest(today="2026-12-02"), client(eutils))
    assert second.new == () and len(second.known) == 6
    assert (package.parent / "data/candidates.csv").read_bytes() == candidates
    history = rows(package.parent / "data/search_history.csv")
    assert [h["search_id"] for h in history] == ["pubmed-2026-12-02", "pubmed-2026-12-02-2"]
    assert history[1]["since"] == "2026-12-01"  # the default: where the last search ended
    assert eutils.of("esearch")[-1].params["mindate"] == "2026/12/01"
    assert history[1]["new_records"] == "0"


def test_the_first_search_starts_where_the_review_search_ended(
    package: Path, eutils: StandIn
) -> None:
    run_search(package, SearchRequest(today="2026-12-02"), client(eutils))
    sent = eutils.of("esearch")[0].params
    assert (sent["mindate"], sent["maxdate"]) == ("2025/12/01", "2026/12/02")


def test_paging_reads_every_page(package: Path, eutils: StandIn) -> None:
    request = SearchRequest(since="2026-01-01", until="2026-12-01", today="2026-12-02")
    result = run_search(package, request, client(eutils), page=2, batch=3)
    assert [r.params["retstart"] for r in eutils.of("esearch")] == ["0", "2", "4", "6"]
    assert [len(r.params["id"].split(",")) for r in eutils.of("esummary")] == [3, 3, 1]
    assert len(result.new) + len(result.known) + len(result.warnings) == 7
    assert {r["pmid"] for r in result.new} == set(NEW)


def test_a_malformed_record_is_skipped_with_a_warning(package: Path, eutils: StandIn) -> None:
    result = search(package, eutils)
    assert result.warnings == ("PMID 90000007: skipped: missing title, author",)


@pytest.mark.parametrize(
    ("failures", "fail_on", "message"),
    [
        ([500] * 4, "esearch", "esearch.fcgi: HTTP 500"),
        ([429] * 4, "esummary", "esummary.fcgi: HTTP 429"),
        (["hang"] * 2, "esummary", "esummary.fcgi: no answer"),
        (["garbage"], "esummary", "esummary.fcgi: the response is not valid JSON"),
        ([404], "esearch", "esearch.fcgi: HTTP 404"),
    ],
)
def test_a_failing_server_changes_nothing(
    package: Path, eutils: StandIn, failures: list, fail_on: str, message: str
) -> None:
    before = snapshot(package.parent)
    eutils.failures, eutils.fail_on, eutils.hang_seconds = list(failures), fail_on, 0.6
    request = SearchRequest(since="2026-01-01", until="2026-12-01", today="2026-12-02")
    attempts = 2 if failures[0] == "hang" else 4
    with pytest.raises(SearchError) as caught:
        run_search(package, request, client(eutils, timeout=0.2, attempts=attempts))
    assert f"{eutils.url}{message}" in str(caught.value)
    assert "nothing was written" in str(caught.value)
    assert snapshot(package.parent) == before
    retried = 1 if failures[0] in (404, "garbage") else attempts
    assert len(eutils.of(fail_on)) == retried


def test_answers_after_transient_errors_are_used_with_backoff(
    package: Path, eutils: StandIn
) -> None:
    eutils.failures = [503, 503]
    sleeps: list[float] = []
    request = SearchRequest(since="2026-01-01", until="2026-12-01", today="2026-12-02")
    result = run_search(package, request, client(eutils, sleeps))
    assert {r["pmid"] for r in result.new} == set(NEW)
    assert [s for s in sleeps if s < 0.1][:2] == [0.01, 0.02]  # doubled each retry


def test_requests_are_paced_to_ncbi_rates(eutils: StandIn) -> None:
    now = [0.0]
    times: list[float] = []

    def sleep(seconds: float) -> None:
        now[0] += seconds

    for key, gap in (("", 1 / 3), ("secret-key", 1 / 10)):
        times.clear()
        api = Eutils(base=eutils.url, api_key=key, sleep=sleep, clock=lambda: now[0])
        for _ in range(4):
            api.get("esearch", {"db": "pubmed", "term": "x", "retmode": "json"})
            times.append(now[0])
        assert all(b - a >= gap - 1e-9 for a, b in zip(times, times[1:], strict=False))
    assert eutils.requests[-1].params["api_key"] == "secret-key"


def test_dry_run_prints_and_writes_nothing(package: Path, eutils: StandIn, capsys) -> None:
    before = snapshot(package.parent)
    args = ["search", "--endpoint", eutils.url, "--since", "2026-01-01", "--until", "2026-12-01"]
    code, out, err = run_cli([*args, "--dry-run"], package.parent, capsys)
    assert code == 0, err
    assert "(dry run: nothing written)" in out
    assert "7 record(s) returned, 4 already known, 1 skipped, 2 new" in out
    assert "new zeta-2026: PMID 90000005" in out
    assert "PMID 90000007: skipped" in err
    assert snapshot(package.parent) == before
    code, out, err = run_cli([*args, "--dry-run", "--format", "json"], package.parent, capsys)
    assert json.loads(out)["new_records"] == 2


def test_the_cli_reports_a_failure_in_one_line(package: Path, eutils: StandIn, capsys) -> None:
    eutils.failures, eutils.fail_on = [404], "esearch"
    code, out, err = run_cli(["search", "--endpoint", eutils.url], package.parent, capsys)
    assert code == 1 and out == ""
    assert err.startswith(f"evreg search: error: {eutils.url}esearch.fcgi: HTTP 404")
    assert "Traceback" not in err


def test_the_summary_escapes_pubmed_text(package: Path, eutils: StandIn, capsys) -> None:
    summary = package.parent / "summary.md"
    args = ["search", "--endpoint", eutils.url, "--since", "2026-01-01", "--summary", str(summary)]
    code, _, err = run_cli(args, package.parent, capsys)
    assert code == 0, err
    text = summary.read_text(encoding="utf-8")
    assert "@someone" not in text and "[with" not in text and "| a fictional" not in text
    assert "muller-ludenscheidt-2026" in text


def test_bad_dates_are_refused(package: Path) -> None:
    api = Eutils(base="http://127.0.0.1:9/")
    with pytest.raises(EvregError, match="--since '2026-13-01': expected a date"):
        run_search(package, SearchRequest(since="2026-13-01"), api)
    with pytest.raises(EvregError, match="is after --until"):
        run_search(package, SearchRequest(since="2026-12-01", until="2026-01-01"), api)


def test_the_history_is_checked_against_the_screening_records(
    package: Path, eutils: StandIn
) -> None:
    search(package, eutils)
    data = package.parent / "data"
    history = (data / "search_history.csv").read_text(encoding="utf-8")
    (data / "search_history.csv").write_text(history.replace(",7,2,", ",1,2,"), "utf-8")
    candidates = (data / "candidates.csv").read_text(encoding="utf-8")
    (data / "candidates.csv").write_text(
        candidates.replace(
            "awaiting,,,1.1.0,pubmed-2026-12-02,", "awaiting,,,1.1.0,pubmed-2026-01-01,", 1
        ),
        "utf-8",
    )
    errors = {f.field: f for f in validate_package(package) if f.severity == "error"}
    assert errors["new_records"].code == "search-new-exceeds-returned"
    assert dict(errors["new_records"].values) == {"new": 2, "returned": 1}
    assert errors["search_id"].code == "unknown-search"
    assert errors["search_id"].values["value"] == "'pubmed-2026-01-01'"


def test_a_new_record_gets_an_id_no_study_or_record_has(package: Path, eutils: StandIn) -> None:
    path = package.parent / "data/candidates.csv"
    header = path.read_text(encoding="utf-8").splitlines()[0].split(",")
    row = {"candidate_id": "zeta-2026", "first_author": "Zeta Z", "year": "2026"}
    row |= {"title": "Another fictional zeta record", "screening_status": "awaiting"}
    with path.open("a", encoding="utf-8") as out:
        out.write(",".join(row.get(column, "") for column in header) + "\n")
    result = search(package, eutils)
    assert {r["pmid"]: r["candidate_id"] for r in result.new}["90000005"] == "zeta-2026a"


def test_hostile_summary_text_is_made_inert() -> None:
    doc = {
        "uid": "123",
        "title": '=HYPERLINK("http://x")\u202e<b>bold</b>\u0000' + "x" * 600,
        "authors": [{"name": "@Evil E", "authtype": "Author"}],
        "pubdate": "2026 Jan",
        "articleids": [{"idtype": "doi", "value": "not a doi"}],
    }
    record, problem = read_summary("123", doc)
    assert record is not None, problem
    assert record.title.startswith('\'=HYPERLINK("http://x") bold ')
    assert len(record.title) == 500 and "\u202e" not in record.title
    assert record.first_author == "'@Evil E" and record.doi == ""
    assert read_summary("123", {**doc, "uid": "124"})[0] is None
    assert read_summary("123", ["not", "a", "dict"]) == (None, "no summary in the esummary answer")


def test_an_ncbi_error_answer_is_reported_and_changes_nothing(
    package: Path, eutils: StandIn
) -> None:
    before = snapshot(package.parent)
    eutils.esearch = {"header": {"type": "esearch"}, "esearchresult": {"ERROR": "Invalid query"}}
    with pytest.raises(SearchError, match=r"esearch\.fcgi: NCBI says: Invalid query"):
        search(package, eutils)
    eutils.esearch = {"esearchresult": {"count": "1", "idlist": ["0123"]}}
    with pytest.raises(SearchError, match=r"esearch\.fcgi: '0123' is not a PMID"):
        search(package, eutils)
    assert snapshot(package.parent) == before

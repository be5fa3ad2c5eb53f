"""PubMed through E-utilities: esearch (ids in a publication-date window, paged with
``retstart``/``retmax``), then esummary (JSON document summaries, in batches), each record read
into a :class:`PubmedRecord` or skipped with a warning naming its PMID.

Responses are untrusted: ids must be digits, text is cut to a sane length and stripped of
control characters and markup, a DOI must look like one, and a record without a title, an
author or a year is skipped (never a traceback).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

from evreg.living.eutils import Eutils, SearchError

DATABASE = "PubMed"
DB = "pubmed"
ESEARCH_PAGE = 500  # ids per esearch page
ESUMMARY_BATCH = 200  # ids per esummary request
MAX_RECORDS = 9_999  # PubMed esearch cannot page past 10,000 ids: narrow the window instead
MAX_TEXT = 500  # characters kept of a title or journal (the schema's maxLength)
# What a spreadsheet reads as the start of a formula (OWASP, "CSV Injection"): such a text is
# kept after an apostrophe, so the screening record is neither refused nor run.
FORMULA_STARTS = ("=", "+", "-", "@")
PUBMED_URL = "https://pubmed.ncbi.nlm.nih.gov/{pmid}/"
DOI_PATTERN = re.compile(r"^10\.[0-9]{4,9}/\S+$")  # as schemas/candidates.json (doi)
_PMID = re.compile(r"^[1-9][0-9]{0,8}$")  # as schemas/studies.json (pmid), no leading zero
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_YEAR = re.compile(r"\b(19|20|21)[0-9]{2}\b")
_TAG = re.compile(r"<[^<>]{0,200}>")


@dataclass(frozen=True)
class PubmedRecord:
    """One PubMed record, as its esummary gives it (text cleaned, never interpreted)."""

    pmid: str
    doi: str
    title: str
    first_author: str
    year: int
    journal: str
    volume_issue: str

    @property
    def source_url(self) -> str:
        return PUBMED_URL.format(pmid=self.pmid)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "source_url": self.source_url}


@dataclass(frozen=True)
class Found:
    """What a search returned: PubMed's count, the ids, the records read, the warnings."""

    count: int
    pmids: tuple[str, ...]
    records: tuple[PubmedRecord, ...]
    warnings: tuple[str, ...]


def esearch_params(query: str, since: str, until: str, retstart: int, retmax: int) -> dict:
    """The esearch parameters: the query in a publication-date window (dates YYYY/MM/DD)."""
    return {
        "db": DB,
        "term": query,
        "datetype": "pdat",
        "mindate": since.replace("-", "/"),
        "maxdate": until.replace("-", "/"),
        "retmode": "json",
        "retstart": str(retstart),
        "retmax": str(retmax),
        "sort": "pub_date",
    }


def search_pubmed(
    client: Eutils,
    query: str,
    since: str,
    until: str,
    progress: Callable[[str], None] = lambda _: None,
    page: int = ESEARCH_PAGE,
    batch: int = ESUMMARY_BATCH,
) -> Found:
    """Every PubMed record matching ``query`` published in [since, until] (ISO dates); ids
    ``page`` at a time, summaries ``batch`` at a time."""
    count, pmids = _all_ids(client, query, (since, until), page, progress)
    records: list[PubmedRecord] = []
    warnings: list[str] = []
    for start in range(0, len(pmids), batch):
        ids = pmids[start : start + batch]
        progress(f"PubMed: reading summaries {start + len(ids)}/{len(pmids)}")
        answer = client.get("esummary", {"db": DB, "id": ",".join(ids), "retmode": "json"})
        result = answer.get("result")
        if not isinstance(result, dict):
            raise SearchError(f"{client.endpoint('esummary')}: {_error_text(answer)}")
        for pmid in ids:
            record, problem = read_summary(pmid, result.get(pmid))
            if record is None:
                warnings.append(f"PMID {pmid}: skipped: {problem}")
            else:
                records.append(record)
    return Found(count, tuple(pmids), tuple(records), tuple(warnings))


def _all_ids(
    client: Eutils,
    query: str,
    window: tuple[str, str],
    page: int,
    progress: Callable[[str], None],
) -> tuple[int, list[str]]:
    url = client.endpoint("esearch")
    pmids: list[str] = []
    count = None
    while count is None or len(pmids) < count:
        params = esearch_params(query, *window, len(pmids), page)
        result = client.get("esearch", params).get("esearchresult")
        if not isinstance(result, dict) or "ERROR" in result:
            raise SearchError(f"{url}: {_error_text(result)}")
        page_count, ids = _page(result, url)
        if count is None:
            count = page_count
            if count > MAX_RECORDS:
                raise SearchError(
                    f"{url}: {count} records in the window, more than {MAX_RECORDS} "
                    "(esearch's limit); search a shorter window (--since/--until)"
                )
        known = set(pmids)
        new = [i for i in dict.fromkeys(ids) if i not in known]
        if not new:  # an empty or repeated page: stop (the count check below reports it)
            break
        pmids += new
        progress(f"PubMed: {len(pmids)}/{count} ids")
    if count is not None and len(pmids) != count:
        raise SearchError(f"{url}: PubMed counted {count} records but listed {len(pmids)}")
    return count or 0, pmids


def _page(result: dict, url: str) -> tuple[int, list[str]]:
    try:
        count = int(str(result.get("count", "")))
        ids = result.get("idlist")
        if not isinstance(ids, list):
            raise ValueError("no idlist")
    except ValueError as exc:
        raise SearchError(f"{url}: unexpected esearch answer ({exc})") from None
    bad = [i for i in ids if not isinstance(i, str) or not _PMID.match(i)]
    if bad:
        raise SearchError(f"{url}: {_clean(repr(bad[0]), 40)} is not a PMID")
    return count, ids


def _error_text(answer: object) -> str:
    if isinstance(answer, dict):
        for key in ("ERROR", "error", "esummaryresult"):
            if answer.get(key):
                return f"NCBI says: {_clean(str(answer[key]), 200)}"
    return "unexpected answer (no result)"


def read_summary(pmid: str, doc: object) -> tuple[PubmedRecord | None, str]:
    """A record from one esummary document, or (None, why it was skipped)."""
    if not isinstance(doc, dict):
        return None, "no summary in the esummary answer"
    if doc.get("error"):
        return None, f"NCBI says: {_clean(str(doc['error']), 200)}"
    if str(doc.get("uid", "")) != pmid:
        return None, f"the summary is for uid {_clean(str(doc.get('uid')), 20)!r}"
    title = _clean(doc.get("title"))
    author = _first_author(doc.get("authors")) or _clean(doc.get("sortfirstauthor"), 100)
    year = _year(doc)
    missing = [n for n, v in (("title", title), ("author", author), ("year", year)) if not v]
    if missing:
        return None, f"missing {', '.join(missing)}"
    volume, issue = _clean(doc.get("volume"), 40), _clean(doc.get("issue"), 40)
    return (
        PubmedRecord(
            pmid=pmid,
            doi=_doi(doc),
            title=title,
            first_author=author,
            year=int(year),
            journal=_clean(doc.get("fulljournalname")) or _clean(doc.get("source")),
            volume_issue=f"{volume}({issue})" if volume and issue else volume,
        ),
        "",
    )


def _first_author(authors: object) -> str:
    if not isinstance(authors, list):
        return ""
    for a in authors:
        if isinstance(a, dict) and a.get("authtype", "Author") == "Author":
            return _clean(a.get("name"), 100)
    return ""


def _year(doc: dict) -> str:
    for key in ("pubdate", "epubdate", "sortpubdate"):
        match = _YEAR.search(_clean(doc.get(key), 40))
        if match:
            return match.group(0)
    return ""


def _doi(doc: dict) -> str:
    ids = doc.get("articleids")
    values = [
        _clean(a.get("value"), 300)
        for a in (ids if isinstance(ids, list) else [])
        if isinstance(a, dict) and a.get("idtype") == "doi"
    ]
    location = _clean(doc.get("elocationid"), 300)
    values += [location] if location.lower().startswith("doi:") else []
    return next((d for d in map(strip_doi_prefix, values) if DOI_PATTERN.match(d)), "")


def strip_doi_prefix(doi: str) -> str:
    """A DOI without resolver or scheme prefixes (``https://doi.org/``, ``http://dx.doi.org/``,
    ``doi:``), case kept."""
    text = (doi or "").strip()
    while (stripped := _DOI_PREFIX.sub("", text).strip()) != text:
        text = stripped
    return text


def _clean(value: object, width: int = MAX_TEXT) -> str:
    """Text from a response: markup tags and control characters removed, spaces collapsed,
    cut to ``width`` characters, an apostrophe before a formula start; "" for anything that
    is not a string or a number."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return ""
    text = _TAG.sub("", str(value))
    text = "".join(" " if unicodedata.category(c)[0] in "CZ" else c for c in text)
    text = " ".join(text.split())
    text = f"'{text}" if text.startswith(FORMULA_STARTS) else text
    return text if len(text) <= width else text[: width - 1] + "…"


def pmids_in(text: str) -> Iterator[str]:
    """PMIDs named in a PubMed URL (``pubmed.ncbi.nlm.nih.gov/123/``) within ``text``."""
    yield from re.findall(r"pubmed(?:\.ncbi\.nlm\.nih\.gov)?/(?:\?term=)?([1-9][0-9]{0,9})", text)

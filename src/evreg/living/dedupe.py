"""Is a found record already known? Matched against the package's studies and screening
records by PMID, by DOI (normalised) and by normalised title + first author + year.

DOIs are case-insensitive (DOI Handbook 2.4) and are printed with resolver or scheme prefixes
(``https://doi.org/``, ``http://dx.doi.org/``, ``doi:``): these are removed before comparing.
Titles are compared lower case, accents and punctuation removed; authors by family name (the
first word of "Liu C" or "van der Berg A" up to the initials).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from evreg.living.pubmed import PubmedRecord, pmids_in, strip_doi_prefix


def normal_doi(doi: str | None) -> str:
    """``HTTPS://doi.org/10.1/ABC`` -> ``10.1/abc``; "" for none."""
    return strip_doi_prefix(doi or "").lower()


def _ascii_words(text: str) -> list[str]:
    plain = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", " ", plain.lower()).split()


def normal_title(title: str | None) -> str:
    """Lower case, accents and punctuation removed, one space between words."""
    return " ".join(_ascii_words(title or ""))


def family_name(author: str | None) -> str:
    """The family name of "Liu C", "van der Berg AB" or "He": the words before the initials."""
    words = (author or "").replace(",", " ").split()
    if len(words) > 1 and re.fullmatch(r"[A-Z]{1,4}", words[-1].replace(".", "").replace("-", "")):
        words.pop()
    return "-".join(_ascii_words(" ".join(words)))


def title_key(title: str | None, author: str | None, year: object) -> tuple[str, str, str]:
    return normal_title(title), family_name(author), str(year or "").strip()


@dataclass
class Known:
    """Every PMID, DOI and (title, family name, year) of the package's rows, each with the
    id of the row that holds it (``studies.csv liu-2023``)."""

    pmids: dict[str, str] = field(default_factory=dict)
    dois: dict[str, str] = field(default_factory=dict)
    titles: dict[tuple[str, str, str], str] = field(default_factory=dict)

    def add(self, row: Mapping[str, object], where: str) -> None:
        """Index a study or screening record row (columns as in the package's CSVs)."""
        pmids = [str(row.get("pmid") or "").strip(), *pmids_in(str(row.get("source_url") or ""))]
        for pmid in filter(None, pmids):
            self.pmids.setdefault(pmid, where)
        doi = normal_doi(str(row.get("doi") or ""))
        if doi:
            self.dois.setdefault(doi, where)
        key = title_key(
            str(row.get("title") or ""), str(row.get("first_author") or ""), row.get("year")
        )
        if all(key):
            self.titles.setdefault(key, where)

    def match(self, record: PubmedRecord) -> str:
        """How the record is already known ("PMID 123 is studies.csv liu-2023"), or ""."""
        if record.pmid in self.pmids:
            return f"PMID {record.pmid} is {self.pmids[record.pmid]}"
        doi = normal_doi(record.doi)
        if doi and doi in self.dois:
            return f"DOI {record.doi} is {self.dois[doi]}"
        key = title_key(record.title, record.first_author, record.year)
        if all(key) and key in self.titles:
            return f"title, first author and year are {self.titles[key]}"
        return ""


def known_rows(tables: Iterable[tuple[str, Iterable[Mapping[str, object]], str]]) -> Known:
    """Index rows: (file label, rows, id column) for each table."""
    known = Known()
    for label, rows, id_column in tables:
        for row in rows:
            known.add(row, f"{label} {row.get(id_column, '')}".strip())
    return known

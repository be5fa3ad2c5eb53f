"""Links into the contributors' repository: its address, contributor guide and issue forms.

One source of truth for the repository's address: ``repo_url`` in the package's mkdocs.yml;
without it, GitHub Actions' ``GITHUB_SERVER_URL`` + ``GITHUB_REPOSITORY`` (set when the Pages
workflow builds the site). With neither, no link to a repository is made (never a dead link):
the site's own Contribute page, which carries the contributor guide's text, is the way in.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from evreg.site.html import rel
from evreg.site.viewmodel import Link

CONTRIBUTE_DIR = "contribute"
GUIDE = ".github/CONTRIBUTING.md"
SUBMIT_FORM = "submit-a-study.yml"
CORRECT_FORM = "correct-a-study.yml"
SCREEN_FORM = "screen-a-record.yml"
# The Contribute page's section "Send a study or a correction" (MkDocs toc's id for it).
SEND_ANCHOR = "send-a-study-or-a-correction"
_URL = re.compile(r"^https?://[^\s\"'<>`]+$")


def repo_url(config: Mapping[str, object], environ: Mapping[str, str] | None = None) -> str:
    """The repository's address: mkdocs.yml's ``repo_url``, else the GitHub Actions run's
    repository, else "" (unknown). Only plain http(s) addresses are used."""
    env = os.environ if environ is None else environ
    url = str(config.get("repo_url") or "").strip()
    if not url and env.get("GITHUB_SERVER_URL") and env.get("GITHUB_REPOSITORY"):
        url = f"{env['GITHUB_SERVER_URL'].rstrip('/')}/{env['GITHUB_REPOSITORY'].strip('/')}"
    return url.rstrip("/") if _URL.match(url) else ""


def site_url(config: Mapping[str, object], environ: Mapping[str, str] | None = None) -> str:
    """The address the site is served at, for the pages MkDocs links from the site's root
    (404.html, served for any missing address): mkdocs.yml's ``site_url``, else
    ``$EVREG_SITE_URL``, else the GitHub Pages address of the Actions run's repository
    (``https://OWNER.github.io/REPO/``; the owner's own ``OWNER.github.io`` repository is served
    at the root), else "" (served at the root of its host). Only plain http(s) addresses."""
    env = os.environ if environ is None else environ
    url = str(config.get("site_url") or env.get("EVREG_SITE_URL") or "").strip()
    repository = env.get("GITHUB_REPOSITORY", "").strip("/")
    if not url and re.fullmatch(r"[A-Za-z0-9-]+/[A-Za-z0-9._-]+", repository):
        owner, name = repository.split("/")
        pages = f"https://{owner.lower()}.github.io/"
        url = pages if name.lower() == f"{owner.lower()}.github.io" else f"{pages}{name}/"
    return url.rstrip("/") + "/" if _URL.match(url) else ""


@dataclass(frozen=True)
class RepoLinks:
    """Links into the repository ("" when its address is unknown) and whether the site has
    its own Contribute page."""

    repo: str = ""
    contribute_page: bool = False

    @property
    def guide(self) -> str:
        """The contributor guide on the repository's default branch."""
        return f"{self.repo}/blob/HEAD/{GUIDE}" if self.repo else ""

    @property
    def submit(self) -> str:
        """The "Submit a study" issue form."""
        return f"{self.repo}/issues/new?template={SUBMIT_FORM}" if self.repo else ""

    def correct(self, study_id: str, label: str) -> str:
        """The "Correct or complete a study" issue form, with the study filled in."""
        if not self.repo:
            return ""
        query = urlencode(
            {"template": CORRECT_FORM, "title": f"[Correction]: {label}", "study_id": study_id},
            quote_via=quote,
        )
        return f"{self.repo}/issues/new?{query}"

    def screen_link(self, candidate_id: str, label: str) -> Link | None:
        """The "Screen this record" issue form, with the record filled in (None when the
        repository is unknown)."""
        if not self.repo:
            return None
        query = urlencode(
            {
                "template": SCREEN_FORM,
                "title": f"[Screening]: {label}",
                "candidate_id": candidate_id,
            },
            quote_via=quote,
        )
        return Link(f"{self.repo}/issues/new?{query}", "screen this record", external=True)

    def correct_link(self, here: str, study_id: str, label: str) -> Link | None:
        """The "Correct or complete this study" link of a study page: the form when the
        repository is known, else the site's Contribute page, else None."""
        text = "Correct or complete this study"
        if self.repo:
            return Link(self.correct(study_id, label), text, external=True)
        if self.contribute_page:
            return Link(rel(here, f"{CONTRIBUTE_DIR}/") + f"#{SEND_ANCHOR}", text)
        return None

"""A small NCBI E-utilities client (standard library only): rate-limited, retried, capped.

NCBI asks for at most 3 requests a second without an API key and 10 with one, and for
``tool`` and ``email`` parameters naming the software and a contact (Sayers, "A General
Introduction to the E-utilities", NCBI Bookshelf NBK25497). Every request has a timeout;
HTTP 429 and 5xx answers and network failures are retried with exponential backoff
(``Retry-After`` honoured, capped); a response larger than ``max_bytes`` or not a JSON object
is refused. Errors name the endpoint (never the API key) and the status.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from evreg import __version__
from evreg.errors import EvregError

EUTILS_BASE = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"
TOOL = "evreg"
API_KEY_ENV = "NCBI_API_KEY"
EMAIL_ENV = "NCBI_EMAIL"
RATE_WITHOUT_KEY = 3.0  # requests a second (NBK25497)
RATE_WITH_KEY = 10.0
TIMEOUT = 30.0  # seconds, per request
ATTEMPTS = 4  # one try and three retries
BACKOFF = 1.0  # seconds before the first retry, doubled each time
MAX_WAIT = 60.0  # longest wait between tries, whatever Retry-After says
MAX_BYTES = 16 * 1024 * 1024  # a response larger than this is refused
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


class SearchError(EvregError):
    """The search failed: names the endpoint and what went wrong; nothing was written."""

    def __init__(self, message: str) -> None:
        super().__init__(f"{message}; nothing was written")


@dataclass
class Eutils:
    """E-utilities at ``base`` (tests point it at a local stand-in).

    ``sleep`` and ``clock`` are injectable so tests need not wait; ``backoff`` is the first
    retry's wait.
    """

    base: str = EUTILS_BASE
    api_key: str = ""
    email: str = ""
    timeout: float = TIMEOUT
    attempts: int = ATTEMPTS
    backoff: float = BACKOFF
    max_bytes: int = MAX_BYTES
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    requests: int = 0
    _last: float | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, base: str | None = None, **kwargs: Any) -> Eutils:
        """A client using ``NCBI_API_KEY`` and ``NCBI_EMAIL`` when set."""
        return cls(
            base=base or EUTILS_BASE,
            api_key=os.environ.get(API_KEY_ENV, "").strip(),
            email=os.environ.get(EMAIL_ENV, "").strip(),
            **kwargs,
        )

    def __post_init__(self) -> None:
        parts = urllib.parse.urlsplit(self.base)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise SearchError(f"--endpoint {self.base!r}: expected an http(s):// URL")
        if not self.base.endswith("/"):
            self.base += "/"

    @property
    def interval(self) -> float:
        """Seconds between two requests: NCBI's rate with or without an API key."""
        return 1.0 / (RATE_WITH_KEY if self.api_key else RATE_WITHOUT_KEY)

    def endpoint(self, util: str) -> str:
        """The URL of one E-utility, without parameters (safe to print)."""
        return urllib.parse.urljoin(self.base, f"{util}.fcgi")

    def get(self, util: str, params: Mapping[str, str]) -> dict[str, Any]:
        """One E-utility's JSON answer (POSTed form: long id lists fit), retried as needed."""
        query = {**params, "tool": TOOL, **({"email": self.email} if self.email else {})}
        if self.api_key:
            query["api_key"] = self.api_key
        body = urllib.parse.urlencode(query).encode("ascii")
        url = self.endpoint(util)
        problem, wait = "", 0.0
        for attempt in range(self.attempts):
            if attempt:
                self.sleep(wait or min(self.backoff * 2 ** (attempt - 1), MAX_WAIT))
            wait = 0.0
            self._pace()
            try:
                return parse_json(self._fetch(url, body), url)
            except urllib.error.HTTPError as exc:
                problem = f"HTTP {exc.code} {exc.reason}"
                if exc.code not in RETRY_STATUS:
                    break
                wait = _retry_after(exc.headers.get("Retry-After"))
            except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
                reason = getattr(exc, "reason", exc)
                problem = f"no answer ({reason or type(exc).__name__})"
        tries = f"after {attempt + 1} attempt(s)"
        raise SearchError(f"{url}: {problem} {tries}")

    def _pace(self) -> None:
        now = self.clock()
        if self._last is not None and now - self._last < self.interval:
            self.sleep(self.interval - (now - self._last))
        self._last = self.clock()
        self.requests += 1

    def _fetch(self, url: str, body: bytes) -> bytes:
        request = urllib.request.Request(
            url,
            data=body,
            headers={
                "User-Agent": f"evreg/{__version__} (living evidence registry)",
                "Accept": "application/json",
                "Content-Type": "application/x-www-form-urlencoded",
            },
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
            data = response.read(self.max_bytes + 1)
        if len(data) > self.max_bytes:
            raise SearchError(f"{url}: response larger than {self.max_bytes} bytes; refused")
        return data


def _retry_after(value: str | None) -> float:
    """Seconds from a Retry-After header (delta-seconds only), capped; 0 if absent."""
    try:
        return min(max(float(value or 0), 0.0), MAX_WAIT)
    except ValueError:
        return 0.0


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_json(data: bytes, url: str) -> dict[str, Any]:
    """A JSON object from a response; SearchError naming the URL if it is anything else."""
    try:
        value = json.loads(data.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise SearchError(f"{url}: the response is not valid JSON ({_short(exc)})") from None
    if not isinstance(value, dict):
        raise SearchError(f"{url}: expected a JSON object, got {type(value).__name__}")
    return value


def _short(exc: BaseException, width: int = 80) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= width else text[: width - 3] + "..."

"""One polite HTTP client for every site (httpx2: the HTTP stack Starlette's test client
already uses here, so the project carries one, not two).

Politeness: a clear User-Agent; one request at a time per site, with a pause between two
(2 s for AO3, 1 s elsewhere; FICPRESS_FETCH_DELAY or `FetchOptions.delay` change it); a
`Retry-After` on 429 or 503 is waited out (up to a cap); connection errors, timeouts and other
5xx answers are retried a bounded number of times with exponential backoff; pages are cached
on disk and revalidated (`cache.py`). Safety: only the sites' own hosts are fetched; a redirect
is followed only within the same site; a body over 20 MB is refused; every page is decoded
and checked by the file importer's `decode`.
"""

from __future__ import annotations

import email.utils
import http.cookiejar
import os
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from urllib.parse import urljoin, urlsplit

import httpx2

from builder import __version__
from builder.errors import FetchError, UsageError
from builder.importers.decoding import Decoded, decode
from builder.importers.web.cache import Cache, Entry, default_folder
from builder.importers.web.sites import Registry, Site, Wire

USER_AGENT = f"ficpress/{__version__} (reader-insert ebook builder)"
DELAY_VARIABLE = "FICPRESS_FETCH_DELAY"
MAX_BYTES = 20 * 1024 * 1024
MAX_REDIRECTS = 5


@dataclass(frozen=True, slots=True)
class FetchOptions:
    """How patient and how polite the client is."""

    delay: float | None = None
    """Seconds between two requests to one site; None: FICPRESS_FETCH_DELAY when set, else
    the site's own default."""
    timeout: float = 30.0
    """Seconds to wait for a connection, and then for each piece of an answer."""
    retries: int = 3
    """Further attempts after a connection error, a timeout or a 5xx/429 answer."""
    backoff: float = 2.0
    """Seconds before the first retry; each further retry waits twice as long."""
    max_wait: float = 120.0
    """The longest `Retry-After` waited out; a server asking for more is an error."""
    max_bytes: int = MAX_BYTES
    """The largest page accepted."""
    cache: Path | None = None
    """The cache folder; None: FICPRESS_CACHE, else the user's cache folder."""
    cookies: Path | None = None
    """A Netscape cookie file (as browser extensions export it) whose cookies are sent to
    the sites they belong to: a logged-in user's session, for pages only members see."""


@dataclass(frozen=True, slots=True)
class Page:
    """A fetched page."""

    url: str
    """Its real address, after redirects."""
    decoded: Decoded
    """Its text, decoded as the file importer decodes a saved page."""
    revalidated: bool = False
    """The server said it is unchanged since it was cached; the cached copy was used."""


class Client:
    """Fetches pages of the registry's sites; use it as a context manager."""

    def __init__(self, options: FetchOptions, registry: Registry) -> None:
        self.options = options
        self.registry = registry
        self.cache = Cache(options.cache or default_folder())
        self.jar = _cookie_jar(options.cookies)
        self._http = httpx2.Client(
            timeout=options.timeout,
            follow_redirects=False,  # followed here, where each hop's host is checked
            headers={"User-Agent": USER_AGENT, "Accept": "text/html,*/*;q=0.5"},
        )
        self._locks: dict[str, threading.Lock] = {}
        self._last: dict[str, float] = {}

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._http.close()

    def get(self, address: str) -> Page:
        """The page at `address` (on a supported site), following same-site redirects."""
        site = self.registry.site_for(address)
        if site is None:
            raise FetchError(
                f"is not on a site ficpress fetches from ({self.registry.names()})", path=address
            )
        current = address
        for _ in range(MAX_REDIRECTS + 1):
            answer = self._request(site, current)
            if isinstance(answer, Page):
                return answer
            target = answer
            target_site = self.registry.site_for(target)
            if target_site is not site:
                raise FetchError(
                    f"redirects from {urlsplit(current).hostname} to "
                    f"{urlsplit(target).hostname or target}; ficpress follows redirects only "
                    f"within {site.domain}",
                    path=address,
                )
            current = target
        raise FetchError(f"redirects more than {MAX_REDIRECTS} times", path=address)

    def delay(self, site: Site) -> float:
        """Seconds between two requests to `site`."""
        if self.options.delay is not None:
            return max(0.0, self.options.delay)
        chosen = os.environ.get(DELAY_VARIABLE, "").strip()
        if chosen:
            try:
                return max(0.0, float(chosen))
            except ValueError:
                raise UsageError(f"{DELAY_VARIABLE} must be seconds, not {chosen!r}") from None
        return site.delay

    def _request(self, site: Site, address: str) -> Page | str:
        """The page at `address`, or the real address a redirect points to."""
        wire = self.registry.wire(address, site)
        cached = self.cache.get(wire.url)
        headers = self._headers(address, wire, cached)
        problem = ""
        attempts = self.options.retries + 1
        for attempt in range(attempts):
            pause = self.options.backoff * 2**attempt
            with self._turn(site):
                try:
                    answer = self._send(wire, headers, address, cached)
                except (httpx2.TimeoutException, httpx2.TransportError) as error:
                    problem = _transport_problem(error, self.options.timeout)
                    answer = None
            if isinstance(answer, _Retry):
                problem = answer.problem
                if answer.wait is not None:
                    if answer.wait > self.options.max_wait:
                        raise FetchError(
                            f"{problem}; the server asks to wait {answer.wait:.0f} s, more than "
                            f"{self.options.max_wait:.0f} s: try again later",
                            path=address,
                        )
                    pause = answer.wait
            elif answer is not None:
                if isinstance(answer, str):
                    return self.registry.real(urljoin(wire.url, answer), wire, address)
                return answer
            if attempt + 1 < attempts:
                time.sleep(pause)
        tries = f" (tried {attempts} times)" if attempts > 1 else ""
        raise FetchError(f"{problem}{tries}", path=address)

    def _send(
        self, wire: Wire, headers: dict[str, str], address: str, cached: Entry | None
    ) -> Page | str | _Retry:
        with self._http.stream("GET", wire.url, headers=headers) as response:
            status = response.status_code
            self._http.cookies.clear()  # cookies come from --cookies only, never kept
            if status == 429 or status >= 500:
                wait = retry_after(response.headers.get("Retry-After"))
                reason = response.reason_phrase or "error"
                return _Retry(f"the server answered HTTP {status} ({reason})", wait)
            if 300 <= status < 400 and status != 304:
                location = response.headers.get("Location")
                if not location:
                    raise FetchError(f"answered HTTP {status} without a Location", path=address)
                return location
            if status == 304 and cached is not None:
                return Page(address, decode(cached.body, address), revalidated=True)
            if status >= 400:
                reason = "not found" if status in (404, 410) else response.reason_phrase
                raise FetchError(f"{reason} (HTTP {status})", path=address)
            body = self._body(response, address)
            self.cache.put(
                wire.url,
                response.headers.get("ETag"),
                response.headers.get("Last-Modified"),
                body,
            )
        return Page(address, decode(body, address))

    def _body(self, response: httpx2.Response, address: str) -> bytes:
        limit = self.options.max_bytes
        size_text = f"{limit // 2**20} MB" if limit >= 2**20 else f"{limit:,} bytes"
        too_large = FetchError(f"is larger than {size_text}", path=address)
        length = response.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > limit:
            raise too_large
        chunks = []
        size = 0
        # Counted after decompression: a small gzip body cannot unpack into a huge one.
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise too_large
            chunks.append(chunk)
        return b"".join(chunks)

    def _headers(self, address: str, wire: Wire, cached: Entry | None) -> dict[str, str]:
        headers = dict(cached.conditions()) if cached else {}
        if wire.host is not None:
            headers["Host"] = wire.host
        if self.jar is not None:
            request = urllib.request.Request(address)
            self.jar.add_cookie_header(request)
            cookie = request.get_header("Cookie")
            if cookie:
                headers["Cookie"] = cookie
        return headers

    @contextmanager
    def _turn(self, site: Site) -> Iterator[None]:
        """One request's turn at `site`: waits for the site's lock (one request at a time)
        and for the pause since the last request ended."""
        lock = self._locks.setdefault(site.domain, threading.Lock())
        with lock:
            last = self._last.get(site.domain)
            if last is not None:
                time.sleep(max(0.0, last + self.delay(site) - time.monotonic()))
            try:
                yield
            finally:
                self._last[site.domain] = time.monotonic()


@dataclass(frozen=True, slots=True)
class _Retry:
    problem: str
    wait: float | None


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds a `Retry-After` asks for: a number of seconds or an HTTP date; None when
    absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _transport_problem(error: Exception, timeout: float) -> str:
    if isinstance(error, httpx2.TimeoutException):
        return f"no answer within {timeout:g} s"
    if isinstance(error, httpx2.ConnectError):
        return f"cannot connect ({error})"
    return f"the connection failed ({error})"


def _cookie_jar(path: Path | None) -> http.cookiejar.MozillaCookieJar | None:
    if path is None:
        return None
    jar = http.cookiejar.MozillaCookieJar()
    try:
        jar.load(str(path), ignore_discard=True)
    except FileNotFoundError:
        raise UsageError("no such cookie file", path=path) from None
    except (OSError, http.cookiejar.LoadError) as error:
        raise UsageError(f"is not a Netscape cookie file ({error})", path=path) from None
    return jar

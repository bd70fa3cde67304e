"""Which sites ficpress fetches from, chosen by the address's host, and where their requests go.

Each adapter module (`ao3.py`, `tumblr.py`, `wattpad.py`, `quotev.py`) declares one `Site`: its
domain (a host is on the site when it is the domain or one of its subdomains), its politeness
delay and its reader.
A new site is one more module with a `Site`, added to `SITES` in `__init__.py`; nothing here
changes.

`FICPRESS_SITES="archiveofourown.org=http://127.0.0.1:8001,tumblr.com=http://127.0.0.1:8002"`
sends a site's requests to another base address (a local mirror, the tests' replay server).
Addresses stay the real ones everywhere else (front matter, reports, links between pages); only
the request goes to the base, with the same path and the real host in its `Host` header, so
that one mirror can serve every Tumblr blog.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from builder.errors import FicpressError, UsageError

if TYPE_CHECKING:
    from builder.importers.web.client import Client, Page

SITES_VARIABLE = "FICPRESS_SITES"


@dataclass(slots=True)
class Story:
    """One fetched page that holds a story, and what the web tells about it besides the page."""

    page: Page
    """The page (its address is the real one, after redirects)."""
    fields: dict[str, Any] = field(default_factory=dict)
    """Front matter set over what the page reader found (the work's canonical address)."""
    fallbacks: dict[str, Any] = field(default_factory=dict)
    """Front matter used only where the page reader found nothing (a blog name as author)."""
    notes: list[str] = field(default_factory=list)
    """Report lines: what the adapter did (chapters fetched, a cut followed)."""
    kind: str | None = None
    """What the page is, for the report (`Wattpad story`); None: what the page reader says."""


@dataclass(frozen=True, slots=True)
class Skipped:
    """An item of a list (a series' work, a masterlist's post) that could not be imported."""

    address: str
    """Its address."""
    error: FicpressError
    """Why."""


@dataclass(slots=True)
class Listing:
    """What an address gave: one story, or the items of a series or masterlist, fetched as
    they are consumed (so each is written before the next is fetched)."""

    items: Iterator[Story | Skipped]
    """The stories, in order."""
    single: bool = True
    """The address is one story (not a list): its failure is the import's failure."""
    heading: str | None = None
    """A report line saying what the list is (`AO3 series 'Night Shift': 3 works`)."""
    collection: dict[str, Any] | None = None
    """For a list that is one work of its author's (an AO3 series, a Tumblr masterlist): the
    collection file's fields besides its stories (`title`, `author`, `summary`, `source`,
    `series`), written beside the manuscripts so that `ficpress build collection.yaml` makes
    them one book; None for a single story."""


Reader = Callable[["Client", str], Listing]


@dataclass(frozen=True, slots=True)
class Site:
    """A site ficpress can fetch stories from."""

    name: str
    """For messages: `AO3`, `Tumblr`."""
    domain: str
    """`archiveofourown.org`: the site's hosts are this and its subdomains; also the site's
    key in FICPRESS_SITES."""
    delay: float
    """Default seconds between two requests to the site."""
    read: Reader
    """Fetches what an address on the site holds."""

    def owns(self, host: str) -> bool:
        """Whether `host` (lower case) is one of the site's."""
        return host == self.domain or host.endswith("." + self.domain)


@dataclass(frozen=True, slots=True)
class Wire:
    """Where a request for a real address actually goes."""

    url: str
    """The address requested (the real one, or the same path on a redirected base)."""
    host: str | None
    """The real host, sent as `Host` when the request goes to a redirected base."""


class Registry:
    """The supported sites and their redirected base addresses."""

    def __init__(self, sites: Sequence[Site], bases: Mapping[str, str] | None = None) -> None:
        self.sites = tuple(sites)
        self.bases = dict(bases or {})

    @classmethod
    def from_environment(cls, sites: Sequence[Site]) -> Registry:
        """The sites, redirected as FICPRESS_SITES says."""
        return cls(sites, parse_bases(os.environ.get(SITES_VARIABLE, ""), sites))

    def site_for(self, address: str) -> Site | None:
        """The site an address is on; None for any other host (never fetched)."""
        parts = urlsplit(address)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            return None
        host = parts.hostname.lower()
        return next((site for site in self.sites if site.owns(host)), None)

    def wire(self, address: str, site: Site) -> Wire:
        """Where the request for `address` (on `site`) goes."""
        base = self.bases.get(site.domain)
        if base is None:
            return Wire(address, None)
        parts = urlsplit(address)
        target = urlsplit(base)
        path = target.path.rstrip("/") + (parts.path or "/")
        wire = urlunsplit((target.scheme, target.netloc, path, parts.query, ""))
        return Wire(wire, parts.netloc)

    def real(self, location: str, wire: Wire, address: str) -> str:
        """A redirect's target (already made absolute against the wire address) as a real
        address: a target on the redirected base is the same path on the real host."""
        if wire.host is None:
            return location
        parts = urlsplit(location)
        base = urlsplit(wire.url)
        if parts.netloc.lower() != base.netloc.lower():
            return location
        real = urlsplit(address)
        return urlunsplit((real.scheme, real.netloc, parts.path, parts.query, parts.fragment))

    def names(self) -> str:
        """`AO3 (archiveofourown.org), Tumblr (tumblr.com)`, for messages."""
        return ", ".join(f"{site.name} ({site.domain})" for site in self.sites)


def parse_bases(value: str, sites: Sequence[Site]) -> dict[str, str]:
    """`domain=base,...` -> {domain: base}; a bad entry is a usage error naming it."""
    known = {site.domain for site in sites}
    bases = {}
    for entry in (part.strip() for part in value.split(",")):
        if not entry:
            continue
        domain, equals, base = (text.strip() for text in entry.partition("="))
        domain = domain.lower()
        if not equals or domain not in known:
            raise UsageError(
                f"{SITES_VARIABLE}: {entry!r} is not SITE=BASE with SITE one of "
                f"{', '.join(sorted(known))}"
            )
        parts = urlsplit(base)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UsageError(
                f"{SITES_VARIABLE}: the base address for {domain} must be an http(s) address, "
                f"not {base!r}"
            )
        bases[domain] = base
    return bases

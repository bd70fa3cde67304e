"""Which addresses the site fetches for a reader: only the supported sites' hosts, and only
when every address such a host resolves to is public.

`ficpress import URL` on one's own machine may fetch whatever the sites' hosts resolve to; a
site on a network must not let a stranger make it fetch a private, loopback, link-local or
reserved address (its router, a metadata service, another server on its network). The check
sits in `site_for`, which the web client asks for the first address and again for every
redirect, so a redirect is checked like the address a reader pasted. A site redirected by
FICPRESS_SITES (a mirror the site's owner chose, the tests' replay server) is trusted as
configured.

The host is resolved here and again when the client connects: a resolver that answers
differently the second time (DNS rebinding) is not caught. The supported sites' own name
servers answer for their hosts, so this matters only if one of them is compromised.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Mapping, Sequence
from urllib.parse import urlsplit

from builder.errors import FetchError
from builder.importers.web.sites import Registry, Site

Resolver = Callable[[str], list[str]]
"""A host name -> the IP addresses it resolves to."""

REFUSED_KINDS = ("loopback", "link_local", "unspecified", "multicast", "reserved", "private")
"""In this order: an address can be several (link-local addresses are also private)."""


class AddressRefused(FetchError):
    """A supported site's host resolves to an address the download site does not fetch."""


def resolve(host: str) -> list[str]:
    """Every address `host` resolves to (IPv4 and IPv6)."""
    try:
        found = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise FetchError(f"cannot find the address of {host}", path=host) from None
    return sorted({str(info[4][0]) for info in found})


def refusal(address: str) -> str | None:
    """Why the IP `address` is not fetched (`loopback`, `private`, ...); None when public."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for kind in REFUSED_KINDS:
        if getattr(ip, f"is_{kind}"):
            return kind.replace("_", "-")
    return None if ip.is_global else "non-public"


class GuardedRegistry(Registry):
    """The supported sites, where a host is a site's only when it resolves to public
    addresses (or the site is redirected by FICPRESS_SITES)."""

    def __init__(
        self,
        sites: Sequence[Site],
        bases: Mapping[str, str] | None = None,
        resolver: Resolver = resolve,
    ) -> None:
        super().__init__(sites, bases)
        self.resolver = resolver

    def site_for(self, address: str) -> Site | None:
        """The site `address` is on, None for any other host; AddressRefused when the host
        resolves to an address that is not public."""
        site = super().site_for(address)
        if site is None or site.domain in self.bases:
            return site
        host = urlsplit(address).hostname or ""
        for ip in self.resolver(host):
            kind = refusal(ip)
            if kind is not None:
                raise AddressRefused(
                    f"{host} resolves to a {kind} address ({ip}); this site fetches stories "
                    "only from public addresses",
                    path=address,
                )
        return site


def guarded(sites: Sequence[Site], resolver: Resolver = resolve) -> GuardedRegistry:
    """The sites, redirected as FICPRESS_SITES says, with the address check."""
    registry = Registry.from_environment(sites)
    return GuardedRegistry(registry.sites, registry.bases, resolver)

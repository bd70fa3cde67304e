"""Where a request comes from and what the site's own address is, without trusting headers a
stranger can write.

- A form that changes state (remember me, forget me) is accepted only from this site's own
  pages: `Sec-Fetch-Site` when the browser sends it, else `Origin`, else `Referer`, which must
  name the host the browser sent the request to (or `FICPRESS_PUBLIC_URL`'s); a request with
  none of them (an e-reader's old browser, a script) has no ambient cookie to abuse.
- Absolute links (the personal OPDS address a reader copies into KOReader) use the address
  in `FICPRESS_PUBLIC_URL` when the site's owner set it (behind a proxy, say), else the Host
  header only when it names this machine (the address the connection arrived on, a loopback
  name, or this host's name); otherwise the address the connection arrived on.
"""

from __future__ import annotations

import ipaddress
import os
import re
import socket
from urllib.parse import urlsplit

from starlette.requests import Request

PUBLIC_URL = "FICPRESS_PUBLIC_URL"
HOST = re.compile(r"^(?P<name>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]{1,253})(?::(?P<port>\d{1,5}))?$")
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


def same_site(request: Request) -> bool:
    """Whether a state-changing request comes from this site's own pages."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site in {"same-origin", "none"}
    # The browser writes Host itself, so a page elsewhere cannot make it match its Origin.
    ours = {request.headers.get("host", "").lower(), own_netloc(request).lower()}
    configured = os.environ.get(PUBLIC_URL, "").strip()
    if configured:
        ours.add(urlsplit(configured).netloc.lower())
    for header in ("origin", "referer"):
        value = request.headers.get(header)
        if value is not None:
            return value != "null" and urlsplit(value).netloc.lower() in ours - {""}
    return True


def base_url(request: Request) -> str:
    """The site's absolute address, `scheme://host[:port]`, never an arbitrary Host header."""
    configured = os.environ.get(PUBLIC_URL, "").strip().rstrip("/")
    if configured:
        return configured
    return f"{request.url.scheme}://{own_netloc(request)}"


def own_netloc(request: Request) -> str:
    """The `host[:port]` this request was sent to, when the Host header names this machine;
    else the address the connection arrived on."""
    written = request.headers.get("host", "")
    match = HOST.match(written)
    server = request.scope.get("server")
    if match and _is_this_machine(match.group("name").strip("[]").lower(), server):
        return written
    if server is None:
        return "localhost"
    host, port = server[0], server[1]
    host = f"[{host}]" if ":" in str(host) else str(host)
    return f"{host}:{port}" if port else host


def _is_this_machine(name: str, server: tuple[str, int] | None) -> bool:
    if name in LOOPBACK_NAMES or (server is not None and name == str(server[0]).lower()):
        return True
    try:
        if ipaddress.ip_address(name).is_loopback:
            return True
    except ValueError:
        pass
    machine = socket.gethostname().lower()
    return name in {machine, f"{machine}.local", socket.getfqdn().lower()}

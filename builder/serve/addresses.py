"""The addresses an e-reader on the same network can open, and a QR code of one.

With `--host 0.0.0.0` the site listens on every interface, but `0.0.0.0` is no address a
device can type: this lists each interface's own IPv4 address (standard library only: the
`SIOCGIFADDR` ioctl on Linux; elsewhere, or if that fails, the address the system would send
from and the host name's addresses). Loopback and link-local addresses are left out: no other
device can reach them.
"""

from __future__ import annotations

import io
import ipaddress
import socket
import struct
import sys

SIOCGIFADDR = 0x8915
"""Linux's ioctl for an interface's IPv4 address (<linux/sockios.h>)."""
ANY_HOST = {"0.0.0.0", "", "::"}
PROBE = ("192.0.2.1", 9)
"""A documentation address (RFC 5737): connecting a UDP socket to it sends nothing, but tells
which local address the system would use."""


def reachable(address: str) -> bool:
    """Whether another device could reach `address` (not loopback, link-local or unspecified)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return not (ip.is_loopback or ip.is_link_local or ip.is_unspecified or ip.is_multicast)


def interface_addresses() -> list[str]:
    """Every interface's IPv4 address, in interface order (Linux), else the system's guess."""
    found: list[str] = []
    if sys.platform.startswith("linux"):
        import fcntl

        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            for _, name in socket.if_nameindex():
                request = struct.pack("256s", name.encode("utf-8")[:15])
                try:
                    answer = fcntl.ioctl(probe.fileno(), SIOCGIFADDR, request)
                except OSError:  # down, or no IPv4 address
                    continue
                found.append(socket.inet_ntoa(answer[20:24]))
    if not any(reachable(address) for address in found):
        found += _guesses()
    return list(dict.fromkeys(found))


def _guesses() -> list[str]:
    guesses = []
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(PROBE)
            guesses.append(probe.getsockname()[0])
    except OSError:
        pass
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
        guesses += [str(info[4][0]) for info in infos]
    except OSError:
        pass
    return guesses


def site_addresses(host: str, port: int) -> list[str]:
    """The site's addresses for other devices: one per reachable interface for an any-address
    `host`, else `host` itself (which may be loopback: then the list says only that)."""
    if host not in ANY_HOST:
        shown = f"[{host}]" if ":" in host else host
        return [f"http://{shown}:{port}/"]
    return [f"http://{address}:{port}/" for address in interface_addresses() if reachable(address)]


def qr_code(text: str) -> str:
    """`text` as a QR code drawn with Unicode half blocks, for a terminal (segno)."""
    import segno

    drawn = io.StringIO()
    segno.make(text, error="m").terminal(out=drawn, compact=True)
    return drawn.getvalue()

"""What one request to the "Make my ebook" page may cost: a bounded body (a clear 413), a
form read without a multipart dependency, and a per-client limit on imports (429 with
Retry-After).

The client is the address the connection comes from (`request.client`); behind a reverse
proxy on the same machine, uvicorn takes it from `X-Forwarded-For` (it trusts that header
from 127.0.0.1 only), so each reader still has their own limit.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message
from urllib.parse import parse_qsl

from starlette.exceptions import HTTPException
from starlette.requests import Request

MAX_PARTS = 20
DRAINED = 4
"""A body up to this many times the limit is read (and dropped) before the 413 is sent."""
MAX_CLIENTS = 10_000
"""Clients remembered by the rate limit; the least recently seen are forgotten first."""


@dataclass(frozen=True, slots=True)
class Upload:
    """A file sent with a form."""

    filename: str
    """The name the browser gave (only its suffix is used)."""
    data: bytes
    """Its bytes."""


def megabytes(size: int) -> str:
    return f"{size / 2**20:g} MB"


async def read_body(request: Request, limit: int) -> bytes:
    """The request's body, or a 413 once it is over `limit` bytes. A body up to `DRAINED`
    times the limit is read to its end first: a browser still sending when the answer comes
    shows "connection reset" rather than the page saying what is wrong."""
    too_large = HTTPException(
        413,
        f"That is more than {megabytes(limit)}, the most this site takes. Save the story's "
        "page as “HTML only” rather than a complete page, or paste its text.",
    )
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit * DRAINED:
        raise too_large
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit * DRAINED:
            raise too_large
        if size <= limit:
            chunks.append(chunk)
    if size > limit:
        raise too_large
    return b"".join(chunks)


def parse_form(body: bytes, content_type: str) -> dict[str, str | Upload]:
    """An urlencoded or multipart form's fields (text as str, files as Upload); a 400 for a
    body that is neither."""
    header = Message()
    header["Content-Type"] = content_type
    kind = header.get_content_type()
    unreadable = HTTPException(400, "That form could not be read.")
    if not body:
        return {}
    if kind == "application/x-www-form-urlencoded":
        try:
            return dict(parse_qsl(body.decode("utf-8"), max_num_fields=MAX_PARTS))
        except (UnicodeDecodeError, ValueError):
            raise unreadable from None
    boundary = header.get_param("boundary")
    if kind != "multipart/form-data" or not isinstance(boundary, str) or not boundary:
        raise unreadable
    fields: dict[str, str | Upload] = {}
    pieces = (b"\r\n" + body).split(b"\r\n--" + boundary.encode("latin-1"))
    if len(pieces) < 3 or not pieces[-1].startswith(b"--") or len(pieces) > MAX_PARTS + 2:
        raise unreadable
    for piece in pieces[1:-1]:
        head, separator, data = piece.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        if not separator:
            raise unreadable
        part = Message()
        for line in head.decode("utf-8", "replace").split("\r\n"):
            header_name, colon, value = line.partition(":")
            if colon:
                part[header_name.strip()] = value.strip()
        name = part.get_param("name", header="content-disposition")
        filename = part.get_param("filename", header="content-disposition")
        if not isinstance(name, str):
            raise unreadable
        if isinstance(filename, str):
            fields[name] = Upload(filename, data)
            continue
        try:
            fields[name] = data.decode("utf-8")
        except UnicodeDecodeError:
            raise unreadable from None
    return fields


class RateLimit:
    """At most `count` requests per client in any `window` seconds."""

    def __init__(
        self, count: int, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.count = count
        self.window = window
        self.clock = clock
        self._seen: OrderedDict[str, deque[float]] = OrderedDict()

    def take(self, client: str) -> int | None:
        """Count one request by `client`: None when allowed, else the whole seconds to wait
        before the next one is."""
        now = self.clock()
        times = self._seen.pop(client, None) or deque()
        while times and times[0] <= now - self.window:
            times.popleft()
        self._seen[client] = times
        if len(self._seen) > MAX_CLIENTS:
            self._seen.popitem(last=False)
        if len(times) >= self.count:
            return max(1, math.ceil(times[0] + self.window - now))
        times.append(now)
        return None

"""What every response passes through: a redacted access log and the security headers."""

from __future__ import annotations

import logging
import re
import time

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("ficpress.serve")

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    # Personal feed URLs carry the reader's token: never send them on as a Referer.
    (b"referrer-policy", b"no-referrer"),
    (
        b"content-security-policy",
        b"default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; "
        b"form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    ),
]
PERSONAL_PATH = re.compile(r"^/opds/p/[^/]+")


class AccessLog:
    """Logs method, path (personal tokens and query strings cut), status and time; adds the
    security headers. Query strings and tokens hold reader values: they are never logged."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        outcome = None
        try:
            await self.app(scope, receive, send_with_headers)
        except ClientDisconnect:  # it sent less than its Content-Length and hung up
            outcome = "client disconnected"
        finally:
            path = PERSONAL_PATH.sub("/opds/p/…", scope["path"])
            elapsed = (time.perf_counter() - started) * 1000
            done = outcome or str(status)
            log.info("%s %s %s %.0f ms", scope["method"], path, done, elapsed)

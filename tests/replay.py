"""A local replay of AO3, Tumblr, Wattpad and Quotev for `ficpress import URL` tests: a threaded
HTTP server on 127.0.0.1 that serves the pages in tests/fixtures/sites by the request's Host and
path (Wattpad's API answers by path and `id` query, as JSON or HTML fragments).

It behaves as the real sites do where ficpress depends on it: AO3 shows its adult-content
page to a request without `view_adult=true` and redirects a members-only work to its login
page; every page has an ETag and a matching `If-None-Match` gets `304 Not Modified`. A test
can queue answers for a path (a 429 with Retry-After, a 503, a redirect off the site) that
are served before the page. Every request is logged. The server stops when the test ends,
or after `LIFETIME` seconds whatever happens.

Standard library only: the server is no part of what is tested.
"""

from __future__ import annotations

import hashlib
import re
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

SITES = Path(__file__).parent / "fixtures" / "sites"
LIFETIME = 300.0
SESSION_COOKIE = "_otwarchive_session=logged-in-reader"
AO3_WORK = re.compile(r"^/works/(?P<id>\d+)/?$")
TUMBLR_POST = re.compile(r"^/post/(?P<id>\d+)(?:/[^/]*)?/?$")
WATTPAD_API = re.compile(r"^/(?:api/v3/stories|v4/parts)/\d+$")
QUOTEV_STORY = re.compile(r"^/story/\d+/[\w-]+(?:/\d+)?$")


@dataclass(frozen=True, slots=True)
class Logged:
    """A request the server answered."""

    host: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    """Header names in lower case."""
    status: int
    at: float
    """time.monotonic() when it arrived."""


@dataclass(frozen=True, slots=True)
class Answer:
    """A queued answer."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


@dataclass(slots=True)
class Replay:
    """The running server's address and what it saw."""

    port: int
    adult: set[str] = field(default_factory=lambda: {"5001"})
    """AO3 works shown behind the adult-content page."""
    members_only: set[str] = field(default_factory=lambda: {"5003"})
    """AO3 works only a logged-in session may read."""
    queued: dict[str, list[Answer]] = field(default_factory=dict)
    log: list[Logged] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def sites(self) -> str:
        """The FICPRESS_SITES value that sends every site here."""
        base = f"http://127.0.0.1:{self.port}"
        return ",".join(
            f"{site}={base}"
            for site in ("archiveofourown.org", "tumblr.com", "wattpad.com", "quotev.com")
        )

    def queue(self, path: str, *answers: Answer) -> None:
        """Serve `answers`, in order, to the next requests for `path`."""
        self.queued.setdefault(path, []).extend(answers)

    def requests(self, path_start: str = "") -> list[Logged]:
        with self.lock:
            return [entry for entry in self.log if entry.path.startswith(path_start)]


def _page(replay: Replay, host: str, path: str, query: dict[str, list[str]], cookie: str) -> Path:
    """The fixture file for a request, or raises LookupError; AO3's own detours are
    raised as `_Detour`."""
    if host == "archiveofourown.org" or host.endswith(".archiveofourown.org"):
        work = AO3_WORK.match(path)
        if work and work["id"] in replay.members_only and SESSION_COOKIE not in cookie:
            target = f"/users/login?restricted=true&return_to=%2Fworks%2F{work['id']}"
            raise _Detour(Answer(302, {"Location": f"https://archiveofourown.org{target}"}))
        if work and work["id"] in replay.adult and query.get("view_adult") != ["true"]:
            return SITES / "ao3" / "adult.html"
        return SITES / "ao3" / f"{path.strip('/')}.html"
    if host.endswith(".tumblr.com"):
        post = TUMBLR_POST.match(path)
        if post:
            blog = host.removesuffix(".tumblr.com")
            return SITES / "tumblr" / blog / "post" / f"{post['id']}.html"
    if host == "www.wattpad.com":
        if WATTPAD_API.match(path):
            return SITES / "wattpad" / f"{path.strip('/')}.json"
        if path == "/apiv2/storytext" and query.get("id", [""])[0].isdigit():
            return SITES / "wattpad" / "apiv2" / "storytext" / f"{query['id'][0]}.html"
    if host == "www.quotev.com" and QUOTEV_STORY.match(path):
        return SITES / "quotev" / f"{path.strip('/')}.html"
    raise LookupError(path)


class _Detour(Exception):
    def __init__(self, answer: Answer) -> None:
        super().__init__(answer.status)
        self.answer = answer


def _handler(replay: Replay) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            host = (self.headers.get("Host") or "").split(":")[0].lower()
            query = parse_qs(parts.query)
            with replay.lock:
                queued = replay.queued.get(parts.path) or []
                answer = queued.pop(0) if queued else None
            if answer is None:
                answer = self._fixture(host, parts.path, query)
            with replay.lock:
                replay.log.append(
                    Logged(
                        host,
                        parts.path,
                        query,
                        {name.lower(): value for name, value in self.headers.items()},
                        answer.status,
                        time.monotonic(),
                    )
                )
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)

        def _fixture(self, host: str, path: str, query: dict[str, list[str]]) -> Answer:
            try:
                file = _page(replay, host, path, query, self.headers.get("Cookie") or "")
                body = file.read_bytes()
            except _Detour as detour:
                return detour.answer
            except (LookupError, OSError):
                return Answer(404, {"Content-Type": "text/plain"}, b"not found")
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            kind = "application/json" if file.suffix == ".json" else "text/html"
            headers = {"Content-Type": f"{kind}; charset=utf-8", "ETag": etag}
            if self.headers.get("If-None-Match") == etag:
                return Answer(304, {"ETag": etag})
            return Answer(200, headers, body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # the log is `replay.log`

    return Handler


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        # A client that hangs up on a kept-alive connection (our client after its last
        # request, or one that gave up) is no error of the site's: http.server would print
        # a traceback into the stderr that CLI tests read.
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


@contextmanager
def replaying() -> Iterator[Replay]:
    """A replay server on a free loopback port, stopped when the block ends."""
    server = _Server(("127.0.0.1", 0), BaseHTTPRequestHandler)
    server.daemon_threads = True
    replay = Replay(int(server.server_address[1]))
    server.RequestHandlerClass = _handler(replay)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    deadline = threading.Timer(LIFETIME, server.shutdown)
    deadline.start()
    try:
        yield replay
    finally:
        deadline.cancel()
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@contextmanager
def silent_server() -> Iterator[int]:
    """A port that accepts connections and never answers: the kernel completes the
    handshake into the listen backlog, and no one ever reads."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield int(listener.getsockname()[1])

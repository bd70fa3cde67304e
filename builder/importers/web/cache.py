"""An on-disk HTTP cache, so that importing the same story again fetches only what changed.

A page is kept with its validators (`ETag`, `Last-Modified`); the next request for it sends
them (`If-None-Match`, `If-Modified-Since`) and a `304 Not Modified` answer is served from the
copy. Pages without validators are not kept: there would be no cheap way to know they are
still current. The cache is an optimisation only: a copy that cannot be read or written is
ignored, never an error.

The folder is `http/` in ficpress's cache folder (builder.compile_cache.root: FICPRESS_CACHE
when set, else the user's cache folder, `~/.cache/ficpress` on Linux); with
`FICPRESS_CACHE=off` nothing is kept.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from builder import compile_cache
from builder.files import write_whole


@dataclass(frozen=True, slots=True)
class Entry:
    """A cached answer and how to ask whether it is still current."""

    etag: str | None
    """The `ETag` it came with."""
    last_modified: str | None
    """The `Last-Modified` it came with."""
    body: bytes
    """The page as the server sent it (after transfer decoding)."""

    def conditions(self) -> dict[str, str]:
        """The headers of a conditional request for it."""
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


def default_folder() -> Path | None:
    """Where the cache lives, or None when caching on disk is off (see the module's docstring)."""
    root = compile_cache.root()
    return root / "http" if root else None


class Cache:
    """Pages by the address they were requested at, in `folder`."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        """None: nothing is kept (`FICPRESS_CACHE=off`)."""

    def get(self, url: str) -> Entry | None:
        """The cached answer for `url`, if any."""
        if self.folder is None:
            return None
        head, body = self._paths(url)
        try:
            info = json.loads(head.read_text(encoding="utf-8"))
            if info.get("url") != url:
                return None  # a hash collision, or a damaged file
            return Entry(info.get("etag"), info.get("last_modified"), body.read_bytes())
        except (OSError, ValueError, AttributeError):
            return None

    def put(self, url: str, etag: str | None, last_modified: str | None, body: bytes) -> None:
        """Keep `body` for `url` (only when it came with a validator)."""
        if self.folder is None or not (etag or last_modified):
            return
        head, body_path = self._paths(url)
        info = {"url": url, "etag": etag, "last_modified": last_modified}
        try:
            head.parent.mkdir(parents=True, exist_ok=True)
            # The body first: a head is only ever next to the body it describes.
            write_whole(body_path, body)
            write_whole(head, json.dumps(info).encode("utf-8"))
        except OSError:
            pass

    def _paths(self, url: str) -> tuple[Path, Path]:
        assert self.folder is not None
        key = hashlib.sha256(url.encode("utf-8")).hexdigest()
        folder = self.folder / key[:2]
        return folder / f"{key}.json", folder / f"{key}.body"

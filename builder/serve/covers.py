"""Cover images for OPDS clients: the edition's own cover, and a small thumbnail of it.

A cover shows the reader's title (`Y/N's Summer`), so there is one per reader: drawing one
takes a fraction of a second and tens of megabytes while it lasts. At most one cover per core
is drawn at a time (each in a thread); past `drawers + queue` waiting, the site answers 503
like the PDF pool; finished covers are kept in a cache bounded by bytes.
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict

import anyio
from PIL import Image

from builder.editions import cover
from builder.editions.pdf.processes import cores
from builder.model import EditionTemplate
from builder.serve.pool import Busy

THUMBNAIL_SIZE = (240, 384)
CACHE_BYTES = 32 * 1024 * 1024
QUEUE = 8
RETRY_AFTER = 1

Key = tuple[str, str, bool]


class Covers:
    """Covers by (manuscript, title, size): drawn a few at a time, kept in a bounded cache."""

    def __init__(
        self, cache_bytes: int = CACHE_BYTES, drawers: int = 0, queue: int = QUEUE
    ) -> None:
        self.cache_bytes = cache_bytes
        self.size = 0
        self._cache: OrderedDict[Key, tuple[bytes, str]] = OrderedDict()
        self._lock = threading.Lock()
        self._drawers = anyio.CapacityLimiter(drawers or cores())
        self._limit = (drawers or cores()) + queue
        self._admitted = 0

    async def get(
        self, template: EditionTemplate, title: str, thumbnail: bool
    ) -> tuple[bytes, str]:
        """(image bytes, media type) of the cover whose title reads `title`; Busy when too
        many are being drawn already."""
        key = (template.manuscript.content_hash, title, thumbnail)
        found = self._cached(key)
        if found is not None:
            return found
        if self._admitted >= self._limit:
            raise Busy(RETRY_AFTER)
        self._admitted += 1
        try:
            made = await anyio.to_thread.run_sync(
                _draw, template, title, thumbnail, limiter=self._drawers
            )
        finally:
            self._admitted -= 1
        self._keep(key, made)
        return made

    def _cached(self, key: Key) -> tuple[bytes, str] | None:
        with self._lock:
            found = self._cache.get(key)
            if found is not None:
                self._cache.move_to_end(key)
            return found

    def _keep(self, key: Key, made: tuple[bytes, str]) -> None:
        if len(made[0]) > self.cache_bytes // 4:
            return
        with self._lock:
            old = self._cache.pop(key, None)
            self.size -= len(old[0]) if old is not None else 0
            self._cache[key] = made
            self.size += len(made[0])
            while self.size > self.cache_bytes:
                _, dropped = self._cache.popitem(last=False)
                self.size -= len(dropped[0])


def _draw(template: EditionTemplate, title: str, thumbnail: bool) -> tuple[bytes, str]:
    image, media_type = cover.image(template.manuscript.meta, title)
    return (_shrink(image), "image/jpeg") if thumbnail else (image, media_type)


def _shrink(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as picture:
        small = picture.convert("RGB")
        small.thumbnail(THUMBNAIL_SIZE)
        buffer = io.BytesIO()
        small.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()

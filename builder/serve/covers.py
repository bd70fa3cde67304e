"""Cover images for OPDS clients: the edition's own cover, and a small thumbnail of it."""

from __future__ import annotations

import io
import threading
from collections import OrderedDict

from PIL import Image

from builder.editions import cover
from builder.model import EditionTemplate

THUMBNAIL_SIZE = (240, 384)
CACHE_ENTRIES = 128


class Covers:
    """Covers by (manuscript, title, size), in a bounded cache (a generated cover takes a
    fraction of a second to draw, a thumbnail a few ms to shrink)."""

    def __init__(self) -> None:
        self._cache: OrderedDict[tuple[str, str, bool], tuple[bytes, str]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, template: EditionTemplate, title: str, thumbnail: bool) -> tuple[bytes, str]:
        """(image bytes, media type) of the cover whose title reads `title`."""
        key = (template.manuscript.content_hash, title, thumbnail)
        with self._lock:
            found = self._cache.get(key)
            if found is not None:
                self._cache.move_to_end(key)
                return found
        image, media_type = cover.image(template.manuscript.meta, title)
        made = (_shrink(image), "image/jpeg") if thumbnail else (image, media_type)
        with self._lock:
            self._cache[key] = made
            while len(self._cache) > CACHE_ENTRIES:
                self._cache.popitem(last=False)
        return made


def _shrink(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as picture:
        small = picture.convert("RGB")
        small.thumbnail(THUMBNAIL_SIZE)
        buffer = io.BytesIO()
        small.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()

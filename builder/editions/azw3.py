"""Kindle's AZW3, made by Calibre's `ebook-convert` from our EPUB (the only way to write it).

Calibre stamps a random ASIN and unique id and the conversion time into the file, and reads
`&amp;` in a title as markup. We pass the date and title through (`ebook-convert --pubdate`,
`ebook-meta --title`) and pin the rest in place: the ASIN becomes the EPUB's identifier (a
UUID, the same length as Calibre's), the MOBI unique id is taken from it, and the PDB
header's dates are the edition's. Then the same input gives the same bytes with one Calibre.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import struct
import subprocess
import tempfile
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from builder.editions import epub
from builder.errors import EditionError
from builder.fill import values_for
from builder.model import EditionTemplate, Profile

if TYPE_CHECKING:
    from builder.editions import EditionOptions

CONVERT_TIMEOUT = 300
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ASIN_RECORD = 113
PDB_DATES = 36
"""Offset of the PDB header's creation and modification dates (Unix seconds)."""
MOBI_UNIQUE_ID = 32
"""Offset of the MOBI header's unique id inside record 0."""
LANDMARKS = re.compile(r'\s*<nav epub:type="landmarks"[^>]*>.*?</nav>', re.DOTALL)
INSTALL_HINT = (
    "AZW3 needs Calibre's ebook-convert: install Calibre (Debian/Ubuntu: "
    "'apt-get install calibre'; macOS: 'brew install --cask calibre'), or send the EPUB to "
    "your Kindle with Send to Kindle instead"
)


def converter() -> str | None:
    """The path of Calibre's `ebook-convert`, or None when Calibre is not installed."""
    return shutil.which("ebook-convert")


def write(
    template: EditionTemplate, profile: Profile, identifier: str, options: EditionOptions
) -> bytes:
    """The reader's AZW3, converted from their EPUB."""
    program = converter()
    if program is None:
        raise EditionError(INSTALL_HINT)
    book = _without_landmarks(epub.write(template, profile, identifier, options))
    title = values_for(template, profile, identifier).plain(template.title)
    modified = template.manuscript.modified
    date = template.manuscript.meta.date or ""
    if not ISO_DATE.match(date):
        date = dt.datetime.fromtimestamp(modified, dt.UTC).strftime("%Y-%m-%d")
    published = f"{date}T00:00:00+00:00"
    dates = ("--pubdate", published, "--timestamp", published)
    with tempfile.TemporaryDirectory(prefix="ficpress-azw3-") as work:
        source, target = Path(work) / "book.epub", Path(work) / "book.azw3"
        source.write_bytes(book)
        try:
            for command in (
                [program, str(source), str(target), *dates],
                # ebook-convert reads `&amp;` in --title as markup; ebook-meta does not.
                [_meta_program(program), str(target), "--title", title],
            ):
                subprocess.run(command, check=True, capture_output=True, timeout=CONVERT_TIMEOUT)
        except subprocess.CalledProcessError as error:
            last = (error.stderr or error.stdout or b"").decode("utf-8", "replace").strip()
            detail = last.splitlines()[-1] if last else f"exit status {error.returncode}"
            raise EditionError(f"ebook-convert failed: {detail}") from None
        except subprocess.TimeoutExpired:
            raise EditionError(
                f"ebook-convert took over {CONVERT_TIMEOUT} s and was stopped"
            ) from None
        return _pinned(target.read_bytes(), identifier, modified)


def _meta_program(converter: str) -> str:
    """Calibre's `ebook-meta`, installed beside `ebook-convert`."""
    return str(Path(converter).with_name("ebook-meta"))


def _pinned(book: bytes, identifier: str, modified: int) -> bytes:
    """`book` with Calibre's random ASIN, unique id and timestamps replaced by values from the
    edition's identifier and date."""
    if book[60:68] != b"BOOKMOBI":
        return book  # not a Mobipocket file: nothing of Calibre's to pin
    data = bytearray(book)
    uuid = identifier.rsplit(":", 1)[-1].encode("ascii")
    asin = _exth(data, ASIN_RECORD)
    if asin is not None and len(asin) == len(uuid):
        # The ASIN is also in the `calibre:` source record: replace every copy.
        data = bytearray(bytes(data).replace(asin, uuid))
    struct.pack_into(">II", data, PDB_DATES, modified, modified)
    record0 = struct.unpack_from(">I", data, 78)[0]
    unique = int(uuid.replace(b"-", b"")[:8] or b"0", 16)
    struct.pack_into(">I", data, record0 + MOBI_UNIQUE_ID, unique)
    return bytes(data)


def _exth(data: bytearray, wanted: int) -> bytes | None:
    """The value of the first EXTH record of type `wanted`, or None."""
    start = data.find(b"EXTH")
    if start < 0:
        return None
    count = struct.unpack_from(">I", data, start + 8)[0]
    offset = start + 12
    for _ in range(count):
        kind, length = struct.unpack_from(">II", data, offset)
        if kind == wanted:
            return bytes(data[offset + 8 : offset + length])
        offset += length
    return None


def _without_landmarks(book: bytes) -> bytes:
    """The EPUB minus its landmarks list. MOBI has no non-linear documents, so Calibre puts the
    nav in the Kindle's reading order (where its contents list belongs, as KDP asks for an
    HTML contents page), and would split the hidden landmarks onto a blank page of their own.
    The Kindle's go-to points (cover, contents, beginning) come from the OPF's guide instead."""
    source, target = io.BytesIO(book), io.BytesIO()
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w") as copy:
        for info in original.infolist():
            data = original.read(info)
            if info.filename.endswith(f"/{epub.NAV_PAGE}"):
                data = LANDMARKS.sub("", data.decode("utf-8"), count=1).encode("utf-8")
            copy.writestr(info, data)
    return target.getvalue()

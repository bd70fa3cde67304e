"""A reproducible ZIP compressed once and filled per reader: the EPUB family's container.

Deflating a novel's 700 KB of XHTML took most of a personalised EPUB's time, though only a
few hundred bytes differ between readers. So `pack` deflates an entry's text between its
markers once, each piece ended with a full flush (Z_FULL_FLUSH: the piece ends on a byte
boundary and refers to nothing before it), and `write` puts each reader's values between the
pieces as stored deflate blocks and ends the stream with an empty final block: a valid deflate
stream (RFC 1951 allows any sequence of blocks), and the same uncompressed bytes a whole-file
deflate gives. Pieces deflated apart cannot refer to text across a marker, which costs some
size (measured in docs/performance.md); entries without markers are deflated whole.

The archive is written by hand, with the headers Python's zipfile writes (version 2.0, Unix
permissions 0644, no extra fields), fixed dates and entries in the given order, so the same
package and values always give the same bytes.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

STORED, DEFLATED = 0, 8
"""ZIP compression methods."""
LEVEL = 9
"""Packing happens once per story, so it may take deflate's slowest, smallest setting."""
VERSION = 20
"""The ZIP version needed to extract (2.0: deflate), as zipfile writes it."""
MADE_ON_UNIX = 3 << 8 | VERSION
PERMISSIONS = 0o644 << 16
UTF8_NAME = 0x800
LOCAL_HEADER = struct.Struct("<4s5H3L2H")
CENTRAL_HEADER = struct.Struct("<4s6H3L5H2L")
END_RECORD = struct.Struct("<4s4H2LH")
FINAL_BLOCK = b"\x03\x00"
"""An empty final block with fixed codes (the last bits of every deflate stream we end)."""
STORED_BLOCK_MAX = 0xFFFF


@dataclass(frozen=True, slots=True)
class PackedEntry:
    """One ZIP entry, made once per story: its name, its text cut at markers and deflated."""

    name: bytes
    """The entry's name, encoded as stored in the archive."""
    flags: int
    """The general-purpose flag bits (UTF8_NAME for a name that is not ASCII)."""
    method: int
    """STORED or DEFLATED."""
    texts: tuple[bytes, ...]
    """The content's fixed pieces, uncompressed: one more than `keys` (a fixed entry: one)."""
    deflated: tuple[bytes, ...]
    """The same pieces deflated (for a DEFLATED entry; empty for a STORED one): a fixed entry's
    whole stream, or each piece ended with a full flush and no final block."""
    keys: tuple[int, ...]
    """The value that goes between each two pieces: an index into a reader's value table."""
    crc: int
    """CRC-32 of a fixed entry's content (0 when the entry has values)."""


@dataclass(frozen=True, slots=True)
class Packed:
    """A ZIP archive made once per story, waiting for a reader's values."""

    entries: tuple[PackedEntry, ...]
    """The entries, in archive order."""
    dos_time: int
    """Every entry's modification time, as ZIP stores it."""
    dos_date: int
    """Every entry's modification date, as ZIP stores it."""


Cut = tuple[str, Sequence[bytes], Sequence[int], bool]
"""An entry to pack: its name, fixed pieces, the value keys between them, whether to deflate."""


def pack(entries: Iterable[Cut], date_time: Sequence[int]) -> Packed:
    """The entries packed, every one dated `date_time` (year, month, day, hour, minute, second;
    1980 or later)."""
    year, month, day, hour, minute, second = date_time[:6]
    dos_date = (year - 1980) << 9 | month << 5 | day
    dos_time = hour << 11 | minute << 5 | second // 2
    packed = []
    for name, pieces, keys, deflate in entries:
        texts = tuple(pieces)
        if len(texts) != len(keys) + 1:
            raise ValueError(f"{name}: {len(texts)} pieces around {len(keys)} values")
        encoded, flags = _encoded_name(name)
        if not deflate:
            deflated: tuple[bytes, ...] = ()
        elif keys:
            deflated = tuple(_deflate_piece(text) for text in texts)
        else:
            compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
            deflated = (compressor.compress(texts[0]) + compressor.flush(),)
        crc = 0 if keys else zlib.crc32(texts[0])
        method = DEFLATED if deflate else STORED
        packed.append(PackedEntry(encoded, flags, method, texts, deflated, tuple(keys), crc))
    return Packed(tuple(packed), dos_time, dos_date)


def _encoded_name(name: str) -> tuple[bytes, int]:
    try:
        return name.encode("ascii"), 0
    except UnicodeEncodeError:
        return name.encode("utf-8"), UTF8_NAME


def _deflate_piece(text: bytes) -> bytes:
    """`text` as deflate blocks that end on a byte boundary and refer to nothing before them
    (nothing at all for no text: an empty block would only take room)."""
    if not text:
        return b""
    compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(text) + compressor.flush(zlib.Z_FULL_FLUSH)


def stored_blocks(value: bytes) -> bytes:
    """`value` as deflate stored blocks (non-final): what goes between two deflated pieces.
    A reader's value is a few bytes, for which deflating gains nothing."""
    blocks = []
    for start in range(0, len(value), STORED_BLOCK_MAX):
        chunk = value[start : start + STORED_BLOCK_MAX]
        blocks.append(struct.pack("<BHH", 0, len(chunk), len(chunk) ^ 0xFFFF) + chunk)
    return b"".join(blocks)


def _filled(pieces: tuple[bytes, ...], keys: tuple[int, ...], values: Sequence[bytes]) -> bytes:
    """The pieces with the values for `keys` between them, joined."""
    parts = [b""] * (2 * len(pieces) - 1)
    parts[0::2] = pieces
    parts[1::2] = [values[key] for key in keys]
    return b"".join(parts)


def write(packed: Packed, values: Sequence[bytes], deflated_values: Sequence[bytes]) -> bytes:
    """The ZIP archive of `packed` with a reader's `values` (indexed by the entries' keys) and
    the same values as stored deflate blocks (`deflated_values`, see `stored_blocks`; only
    read for DEFLATED entries)."""
    out: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    for entry in packed.entries:
        if entry.keys:
            content = _filled(entry.texts, entry.keys, values)
            crc, size = zlib.crc32(content), len(content)
            if entry.method == DEFLATED:
                data = _filled(entry.deflated, entry.keys, deflated_values) + FINAL_BLOCK
            else:
                data = content
        else:
            crc, size = entry.crc, len(entry.texts[0])
            data = entry.deflated[0] if entry.method == DEFLATED else entry.texts[0]
        fields = (entry.flags, entry.method, packed.dos_time, packed.dos_date, crc, len(data), size)
        header = LOCAL_HEADER.pack(b"PK\x03\x04", VERSION, *fields, len(entry.name), 0)
        out += (header, entry.name, data)
        name_length = len(entry.name)  # then no extra field, comment, disk or internal attributes
        at = (name_length, 0, 0, 0, 0, PERMISSIONS, offset)
        central += (
            CENTRAL_HEADER.pack(b"PK\x01\x02", MADE_ON_UNIX, VERSION, *fields, *at),
            entry.name,
        )
        offset += len(header) + len(entry.name) + len(data)
    directory = b"".join(central)
    count = len(packed.entries)
    end = END_RECORD.pack(b"PK\x05\x06", 0, 0, count, count, len(directory), offset, 0)
    return b"".join(out) + directory + end

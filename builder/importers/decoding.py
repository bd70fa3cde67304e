"""Bytes of a story found in the wild -> text: size and binary checks, encoding, line ends.

Stories arrive as UTF-8 (with or without a byte order mark), UTF-16 from Windows tools, and
Windows-1252 from Word (its curly quotes are bytes 0x91-0x94). Anything else is refused with
the line of the first byte that fits no encoding, rather than guessed into mojibake.
"""

from __future__ import annotations

import codecs
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from builder.errors import ImportSourceError
from builder.files import read_limited
from builder.stages.manuscript import MAX_MANUSCRIPT_BYTES

# Formats people mistake for text; each gets a hint instead of a decoding error.
SIGNATURES = (
    (b"%PDF", "a PDF document; copy its text into a .txt file"),
    (b"PK\x03\x04", "a ZIP archive, not an EPUB (a .docx?); save the story as .txt or .html"),
    (b"{\\rtf", "an RTF document; save it as plain text or HTML"),
    (b"\xd0\xcf\x11\xe0", "an old Word document; save it as plain text or HTML"),
    (b"\x89PNG", "a PNG image, not a story"),
    (b"\xff\xd8\xff", "a JPEG image, not a story"),
    (b"GIF8", "a GIF image, not a story"),
)
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16: its BOM starts the same way
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Control characters that never occur in text; tab, line ends and form feed do.
_CONTROL = frozenset(chr(code) for code in range(32)) - set("\t\n\r\f")


@dataclass(frozen=True, slots=True)
class Decoded:
    """A source file's text and how it was read."""

    text: str
    """NFC text with `\\n` line ends."""
    encoding: str
    """The encoding it was read in, as reported to the user."""


def read_source(path: Path) -> bytes:
    """The file's bytes, refusing folders, devices, missing files and files over 20 MB."""
    return read_limited(path, MAX_MANUSCRIPT_BYTES, ImportSourceError, "story")


def decode(data: bytes, path: Path | str) -> Decoded:
    """Text from `data`: BOM first, then UTF-8, then Windows-1252; NFC with `\\n` line ends."""
    if not data.strip():
        raise ImportSourceError("is empty", path=path, line=1)
    for signature, what in SIGNATURES:
        if data.startswith(signature):
            raise ImportSourceError(f"is {what}", path=path, line=1)
    text, encoding = _text(data, path)
    control = next((i for i, character in enumerate(text) if character in _CONTROL), None)
    if control is not None:
        line = text.count("\n", 0, control) + 1
        raise ImportSourceError("is a binary file, not text", path=path, line=line)
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    if not text.strip():
        raise ImportSourceError("is empty", path=path, line=1)
    return Decoded(text, encoding)


def _text(data: bytes, path: Path | str) -> tuple[str, str]:
    for bom, codec in BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec), "UTF-8" if codec == "utf-8-sig" else codec.upper()
            except UnicodeDecodeError as error:
                raise _undecodable(data, error.start, codec.upper(), path) from None
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise ImportSourceError("is a binary file, not text", path=path, line=line)
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError as error:
        raise _undecodable(data, error.start, "UTF-8 or Windows-1252", path) from None


def _undecodable(data: bytes, position: int, tried: str, path: Path | str) -> ImportSourceError:
    line = data[:position].count(b"\n") + 1
    return ImportSourceError(
        f"cannot be decoded as {tried} (byte 0x{data[position]:02X}); save it as UTF-8",
        path=path,
        line=line,
    )

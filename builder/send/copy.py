"""Copy a book onto a mounted e-reader without ever leaving a broken one behind.

A reader plugged in over USB is a FAT disk that may vanish at any moment (unplugged, or the
reader leaves USB mode). The copy therefore never writes under the book's final name: it
writes a hidden temporary file that no reader indexes, syncs it, checks it, and only then
renames it into place, so the reader's library sees either the old book or the whole new one.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import os
import secrets
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from builder.errors import DeviceError
from builder.send.devices import free_space, size_text

PARTIAL_SUFFIX = ".ficpress-partial"
"""The temporary copy's ending: not a book extension, and the name starts with a dot, so no
reader indexes it, even when an unplugged copy leaves it behind."""
CHUNK = 1 << 20
RESERVE = 2 << 20
"""Space left free after the copy: a reader that fills up completely can fail to update its
own library database (Kobo's KoboReader.sqlite grows when it indexes the new book)."""


@dataclass(frozen=True, slots=True)
class CopyResult:
    """What a copy did."""

    path: Path
    status: Literal["new", "replaced", "unchanged"]
    size: int
    free_before: int
    """Bytes free on the device before the copy."""


def copy(data: bytes, target: Path, *, is_zip: bool) -> CopyResult:
    """Put `data` at `target` on a device: unchanged if it is already there; otherwise
    written to a hidden temporary file, synced, verified, then renamed over the old book."""
    folder = target.parent
    _sweep(target)
    if _same(target, data):
        return CopyResult(target, "unchanged", len(data), free_space(folder))
    free = free_space(folder)
    if free < len(data) + RESERVE:
        raise DeviceError(
            f"not enough space: the book needs {size_text(len(data))} and the reader should "
            f"keep {size_text(RESERVE)} free, but only {size_text(free)} is free; delete "
            "something from the device and try again",
            path=folder,
        )
    existed = target.exists()
    temporary = folder / f".{target.name}.{secrets.token_hex(4)}{PARTIAL_SUFFIX}"
    try:
        _write(temporary, data)
        _verify(temporary, data, is_zip)
        os.replace(temporary, target)
    except OSError as error:
        _discard(temporary)
        raise DeviceError(
            f"the copy failed ({error.strerror or error}); the book on the device was not "
            "changed (was the reader unplugged?)",
            path=target,
        ) from None
    except DeviceError:
        _discard(temporary)
        raise
    _sync_folder(folder)
    return CopyResult(target, "replaced" if existed else "new", len(data), free)


def _write(path: Path, data: bytes) -> None:
    # O_EXCL: never write into a file someone else made; no chmod afterwards, because FAT
    # mounts refuse permission changes (EPERM) and their mount options set the mode anyway.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    handle = os.open(path, flags, 0o644)
    try:
        view = memoryview(data)
        while view:
            written = os.write(handle, view[:CHUNK])
            view = view[written:]
        os.fsync(handle)  # on the device's flash, not in our page cache, before the rename
    finally:
        os.close(handle)


def _verify(path: Path, data: bytes, is_zip: bool) -> None:
    if path.stat().st_size != len(data):
        raise DeviceError(
            f"the copy is {path.stat().st_size} bytes, not {len(data)}; the device may be "
            "failing (nothing was replaced)",
            path=path,
        )
    written = path.read_bytes()
    if hashlib.sha256(written).digest() != hashlib.sha256(data).digest():
        raise DeviceError("the copy reads back different (nothing was replaced)", path=path)
    if is_zip:
        # Equal bytes prove the copy; reading the copy's central directory and checksums
        # proves it is a book a reader can open (mimetype first, as EPUB requires), so a
        # damaged edition never replaces a good one either.
        try:
            with zipfile.ZipFile(path) as copied:
                names = copied.namelist()
                damaged = copied.testzip()
        except (zipfile.BadZipFile, zlib.error, EOFError):
            names, damaged = [], "the table of files"
        if damaged is not None or names[:1] != ["mimetype"]:
            raise DeviceError(
                f"the copy is not a whole EPUB ({damaged or 'no mimetype first'}); "
                "nothing was replaced",
                path=path,
            )


def _same(target: Path, data: bytes) -> bool:
    try:
        return target.stat().st_size == len(data) and target.read_bytes() == data
    except OSError:
        return False


def _discard(path: Path) -> None:
    # Best effort: an unplugged device cannot delete either, and what is left is a hidden,
    # non-book file that the next copy of this book removes (see _sweep).
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)


def _sweep(target: Path) -> None:
    """Remove what an earlier, interrupted copy of this book left behind."""
    for leftover in target.parent.glob(f".{glob.escape(target.name)}.*{PARTIAL_SUFFIX}"):
        _discard(leftover)


def _sync_folder(folder: Path) -> None:
    # The rename lives in the folder's entries: sync them too, where the system allows it
    # (not on Windows, and some file systems refuse fsync on a folder).
    if not hasattr(os, "O_DIRECTORY"):
        return
    try:
        handle = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)

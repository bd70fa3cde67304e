"""Reading a file someone named: only a regular file, and never more than a limit; and
writing a cache's file whole or not at all.

Every input file (a manuscript, a story to import, a cover image, a reader file, a readers
CSV) is read here. A device (`/dev/zero`), a FIFO, a socket or a folder is refused before a
byte is read (the file is opened without blocking, then checked), a symlink loop is an error
like a missing file, and at most `limit + 1` bytes are read, so that a huge or endless file
costs `limit` bytes of memory, not all there is.

Caches (compiled stories, fetched pages, a PDF job's progress) are written with
`write_whole`: a temporary file beside the target, then a rename, so a reader in another
process sees the old file or the new one, never half of one. (A book the user asked for goes
through builder.editions.output instead, which also locks its folder.)
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from pathlib import Path

from builder.errors import FicpressError

READ_CHUNK = 1024 * 1024


def read_limited(path: Path, limit: int, error: type[FicpressError], kind: str) -> bytes:
    """The bytes of the regular file at `path`, or `error` (naming the file) when it is
    missing, unreadable, not a regular file, or larger than `limit` bytes. `kind` names what
    the file should be in messages (`manuscript`, `story`, `cover image`)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        handle = os.open(path, flags)
    except FileNotFoundError:
        raise error("no such file", path=path) from None
    except PermissionError:
        raise error("cannot be read (permission denied)", path=path) from None
    except IsADirectoryError:  # Windows cannot open a folder at all
        raise error(f"is a folder, not a {kind} file", path=path) from None
    except OSError as problem:
        raise error(_reason(problem), path=path) from None
    try:
        mode = os.fstat(handle).st_mode
        if stat.S_ISDIR(mode):
            raise error(f"is a folder, not a {kind} file", path=path)
        if not stat.S_ISREG(mode):
            raise error(
                f"is not a regular file (a device, pipe or socket); give a {kind} file",
                path=path,
            )
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(handle, min(READ_CHUNK, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as problem:
        raise error(_reason(problem), path=path) from None
    finally:
        os.close(handle)
    if size > limit:
        raise error(f"is larger than {_size(limit)}; is it really a {kind}?", path=path)
    return b"".join(chunks)


def _reason(problem: OSError) -> str:
    if problem.errno == errno.ELOOP:
        return "cannot be read: it is a loop of symbolic links"
    return f"cannot be read: {problem.strerror or problem}"


def _size(limit: int) -> str:
    megabytes = limit / (1024 * 1024)
    return f"{megabytes:g} MB" if megabytes >= 1 else f"{limit // 1024} KB"


def write_whole(target: Path, data: bytes) -> None:
    """Write `data` as `target` whole or not at all, whatever other processes do meanwhile
    (the temporary file is removed again when writing fails)."""
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise

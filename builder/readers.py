"""A readers CSV (`--readers FILE`): one row per reader, `id,Y/N,E/C,...`; each reader's
editions go to `OUT/<id>/`. Values are checked as every route's are (builder.profile)."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from builder.errors import ProfileError
from builder.files import read_limited
from builder.profile import check_value, is_key
from builder.stages.placeholders import canonical

READER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
"""Reader ids name folders: letters, digits, `.`, `_`, `-`; no path tricks, no hidden files."""
MAX_READERS_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Reader:
    """One row of a readers CSV."""

    id: str
    """The reader's id: their editions go to `OUT/<id>/`."""
    values: tuple[tuple[str, str], ...]
    """(canonical code, value) for every non-empty cell."""


def read_readers(path: Path) -> tuple[Reader, ...]:
    """The readers in a CSV file with a header row `id,Y/N,E/C,...`; a ProfileError naming
    the line for anything wrong with it."""
    try:
        text = read_limited(path, MAX_READERS_BYTES, ProfileError, "readers").decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ProfileError("is not UTF-8 text", path=path) from None
    rows = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(rows)
    except StopIteration:
        raise ProfileError(
            "is empty; the first line must be a header like id,Y/N", path=path, line=1
        ) from None
    except csv.Error as error:
        raise ProfileError(f"is not valid CSV: {error}", path=path, line=1) from None
    names = [name.strip() for name in header]
    if not names or names[0].lower() != "id":
        raise ProfileError(
            "the first column must be 'id' (header like id,Y/N,E/C)", path=path, line=1
        )
    codes = [canonical(name) for name in names[1:]]
    for name, code in zip(names[1:], codes, strict=True):
        if not is_key(code):
            raise ProfileError(
                f"column {name!r} is not a placeholder code like Y/N", path=path, line=1
            )
    if len(set(codes)) != len(codes):
        raise ProfileError("a placeholder code has two columns", path=path, line=1)
    readers: list[Reader] = []
    seen: set[str] = set()
    try:
        for row in rows:
            line = rows.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(names):
                raise ProfileError(
                    f"has {len(row)} fields, the header has {len(names)}", path=path, line=line
                )
            reader_id = row[0].strip()
            if not READER_ID.fullmatch(reader_id):
                raise ProfileError(
                    f"reader id {reader_id!r} must be 1-64 letters, digits, '.', '_' or '-' "
                    "(it names a folder)",
                    path=path,
                    line=line,
                )
            if reader_id.lower() in seen:
                raise ProfileError(f"reader id {reader_id!r} is used twice", path=path, line=line)
            seen.add(reader_id.lower())
            values = []
            for code, cell in zip(codes, row[1:], strict=True):
                if cell.strip():
                    try:
                        values.append((code, check_value(code, cell.strip(), ProfileError)))
                    except ProfileError as error:
                        raise ProfileError(error.message, path=path, line=line) from None
            readers.append(Reader(reader_id, tuple(values)))
    except csv.Error as error:
        raise ProfileError(f"is not valid CSV: {error}", path=path, line=rows.line_num) from None
    if not readers:
        raise ProfileError("has a header but no readers", path=path, line=1)
    return tuple(readers)

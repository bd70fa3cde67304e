"""Stage 1: read a manuscript file (or take its text), decode it and validate its front matter.

The only stage (with the edition writers) that touches the file system: `read` reads a file,
`parse` takes text that is already in memory (an import being checked, a pasted story).
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import io
import os
import re
import time
import unicodedata
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from builder.characters import FORBIDDEN, describe, visible
from builder.errors import ManuscriptError, UsageError
from builder.files import read_limited
from builder.fill import RESERVED
from builder.model import Meta, Source
from builder.stages import front_matter
from builder.stages.inline import parse_text
from builder.stages.notes import PLACEMENTS

MAX_MANUSCRIPT_BYTES = 20 * 1024 * 1024
MAX_COVER_BYTES = 5 * 1024 * 1024
IMAGE_SIGNATURES = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"))
FENCE = "---"
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")
TEXT_FIELDS = ("author", "fandom", "pairing", "rating", "source")
LIST_FIELDS = ("characters", "warnings", "tags", "credits")
FOUND_SUFFIXES = frozenset({".txt", ".html", ".htm", ".xhtml", ".epub"})
"""Files that are stories as found, for `ficpress import` rather than `build`."""
KNOWN_FIELDS = frozenset(
    {*TEXT_FIELDS, *LIST_FIELDS, "title", "language", "summary", "date", "cover", "placeholders"}
    | {"notes"}
    | {"series", "series_index", "status", "chapter_ids", "reader"}  # by `ficpress import`
    | {"direction"}
)


class _Loader(yaml.SafeLoader):
    """YAML's safe loader without its implicit timestamps: `date: 2017-02-30` stays text, so
    that its mistake is reported with its line rather than raised by the loader."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read(path: Path) -> Source:
    """Read and validate the manuscript at `path`."""
    data = read_limited(path, MAX_MANUSCRIPT_BYTES, ManuscriptError, "manuscript")
    return parse(
        _decode(data, path),
        path,
        content_hash=hashlib.sha256(data).hexdigest(),
        file_time=lambda: _file_time(path),
    )


def slugify(name: str) -> str:
    """`Kylo Ren x Reader!` -> `kylo-ren-x-reader`: ASCII, lower case, hyphens (the output
    file stem from the manuscript's file name)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or "story"


def _file_time(path: Path) -> int:
    try:
        return int(path.stat().st_mtime)
    except OSError:  # gone since it was read (a server's story being replaced)
        return int(time.time())


def parse(
    text: str,
    path: Path,
    *,
    content_hash: str | None = None,
    file_time: Callable[[], int] | None = None,
) -> Source:
    """Validate the manuscript `text`, named `path` in messages (a `cover:` image is looked for
    beside it). `content_hash` defaults to the SHA-256 of the UTF-8 text; `file_time` gives the
    edition date when neither SOURCE_DATE_EPOCH nor a `date:` does (default: now)."""
    text = _clean(text, path)
    lines = text.split("\n")
    fields, field_lines, body_start = _front_matter(lines, path)
    meta = _meta(fields, field_lines, lines, path)
    if fields.get("cover") is not None:
        line = field_lines.get("cover", 1)
        image, media_type = cover(str(fields["cover"]), path, line, lines[line - 1])
        meta = replace(meta, cover_image=image, cover_type=media_type)
    return Source(
        path=path,
        meta=meta,
        body=tuple(lines[body_start:]),
        body_line=body_start + 1,
        content_hash=content_hash or hashlib.sha256(text.encode("utf-8")).hexdigest(),
        modified=_edition_date(meta, file_time or (lambda: int(time.time()))),
    )


def _decode(data: bytes, path: Path) -> str:
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise ManuscriptError("is a binary file, not text", path=path, line=line)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        byte = data[error.start]
        raise ManuscriptError(
            f"is not UTF-8 text (byte 0x{byte:02X}); save it as UTF-8", path=path, line=line
        ) from None
    return text


def _clean(text: str, path: Path) -> str:
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    if not text.strip():
        raise ManuscriptError("is empty", path=path, line=1)
    forbidden = FORBIDDEN.search(text)
    if forbidden:
        line = text.count("\n", 0, forbidden.start()) + 1
        raise ManuscriptError(
            f"contains {describe(forbidden.group())}, which no e-book can hold; remove it",
            path=path,
            line=line,
        )
    reserved = RESERVED.search(text)
    if reserved:
        line = text.count("\n", 0, reserved.start()) + 1
        raise ManuscriptError(
            f"contains the private-use character U+{ord(reserved.group()):04X}, "
            "which ficpress reserves",
            path=path,
            line=line,
        )
    return text


def _front_matter(lines: list[str], path: Path) -> tuple[dict[str, Any], dict[str, int], int]:
    """The front matter's fields, the line of each field, and the index of the body's first line."""
    if lines[0].strip() != FENCE:
        looks_found = path.suffix.lower() in FOUND_SUFFIXES or lines[0].lstrip().startswith("<")
        raise ManuscriptError(
            f"no front matter: to make a manuscript of a story as found, run "
            f"'ficpress import {path}' first"
            if looks_found
            else "no front matter: a manuscript starts with a '---' line, then 'title: ...', "
            "then '---'",
            path=path,
            line=1,
            source_line=lines[0],
        )
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == FENCE)
    except StopIteration:
        raise ManuscriptError(
            "front matter is never closed: add a '---' line after it",
            path=path,
            line=1,
            source_line=lines[0],
        ) from None
    yaml_text = "\n".join(lines[1:end])
    try:
        node = yaml.compose(yaml_text, Loader=_Loader)
        fields = yaml.load(yaml_text, Loader=_Loader)  # _Loader is a SafeLoader
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 2 if mark else 2
        raise ManuscriptError(
            f"front matter is not valid YAML: {error.problem or error.context}",
            path=path,
            line=line,
            source_line=lines[line - 1] if line - 1 < len(lines) else None,
        ) from None
    except RecursionError:
        raise ManuscriptError("front matter is nested too deeply", path=path, line=2) from None
    except (yaml.YAMLError, ValueError) as error:  # a number too long to convert, say
        raise ManuscriptError(f"front matter cannot be read: {error}", path=path, line=2) from None
    if not isinstance(fields, dict) or not isinstance(node, yaml.MappingNode):
        raise ManuscriptError(
            "front matter must be a mapping of fields ('title: ...')",
            path=path,
            line=2,
            source_line=lines[1] if end > 1 else None,
        )
    field_lines = {
        str(key.value): key.start_mark.line + 2
        for key, _ in node.value
        if isinstance(key, yaml.ScalarNode)
    }
    _check_strings(fields, field_lines, lines, path)
    return fields, field_lines, end + 1


def _check_strings(
    fields: dict[Any, Any], field_lines: dict[str, int], lines: list[str], path: Path
) -> None:
    """Refuse a field whose text (YAML escapes included: `"\\uFFFE"`) holds a character no
    book can; each shared (aliased) value is looked at once, however often it is used."""
    seen: set[int] = set()
    for name, value in fields.items():
        pending = [name, value]
        while pending:
            item = pending.pop()
            if isinstance(item, str):
                forbidden = FORBIDDEN.search(item)
                if forbidden:
                    line = field_lines.get(str(name), 2)
                    raise ManuscriptError(
                        f"'{name}' contains {describe(forbidden.group())}; remove it",
                        path=path,
                        line=line,
                        source_line=lines[line - 1],
                    )
            elif isinstance(item, list | dict) and id(item) not in seen:
                seen.add(id(item))
                pending.extend(item.items() if isinstance(item, dict) else item)
            elif isinstance(item, tuple):
                pending.extend(item)


def _meta(
    fields: dict[str, Any], field_lines: dict[str, int], lines: list[str], path: Path
) -> Meta:
    def fail(name: str, message: str) -> ManuscriptError:
        line = field_lines.get(name, 1)
        return ManuscriptError(message, path=path, line=line, source_line=lines[line - 1])

    def text(name: str) -> str | None:
        value = fields.get(name)
        if value is None:
            return None
        if isinstance(value, bool | list | dict):
            raise fail(name, f"'{name}' must be text")
        text = str(value).strip()
        return text if visible(text) else None

    def text_list(name: str) -> tuple[str, ...]:
        value = fields.get(name)
        if value is None:
            return ()
        items = value if isinstance(value, list) else [value]
        if any(isinstance(item, list | dict) or item is None for item in items):
            raise fail(name, f"'{name}' must be a list of texts")
        return tuple(str(item).strip() for item in items if visible(str(item)))

    title = text("title")
    title_line = field_lines.get("title", 1)  # a YAML merge key (`<<: *base`) has no line
    if title is None:
        raise ManuscriptError(
            "front matter has no 'title'", path=path, line=1, source_line=lines[0]
        )
    language = text("language") or "en"
    if not LANGUAGE_TAG.match(language):
        raise fail(
            "language", f"'language' must be a language tag like 'en' or 'fr-CA', not {language!r}"
        )
    summary = text("summary")
    notes = text("notes")
    if notes is not None and notes not in PLACEMENTS:
        raise fail("notes", f"'notes' must be one of {', '.join(PLACEMENTS)}, not {notes!r}")
    text_values: dict[str, Any] = {name: text(name) for name in TEXT_FIELDS}
    list_values: dict[str, Any] = {name: text_list(name) for name in LIST_FIELDS}
    unknown = tuple(
        (str(name), field_lines.get(str(name), 1), _nearest(str(name)))
        for name in fields
        if str(name) not in KNOWN_FIELDS
    )
    return Meta(
        unknown_fields=unknown,
        notes=notes,
        title=parse_text(title, title_line),
        language=language,
        direction=front_matter.direction(
            fields.get("direction"), language, lambda message: fail("direction", message)
        ),
        summary=parse_text(summary, field_lines.get("summary", 1)) if summary else None,
        date=front_matter.date(fields.get("date"), lambda message: fail("date", message)),
        legend=front_matter.legend(
            fields.get("placeholders"), lambda message: fail("placeholders", message)
        ),
        reader_pronouns=front_matter.reader(
            fields.get("reader"), lambda message: fail("reader", message)
        ),
        series=front_matter.series(text("series"), fields.get("series_index"), fail),
        **text_values,
        **list_values,
    )


def _nearest(name: str) -> str | None:
    """The known field `name` was probably meant to be (`summery` -> `summary`)."""
    close = difflib.get_close_matches(name.lower(), sorted(KNOWN_FIELDS), n=1, cutoff=0.75)
    return close[0] if close else None


def cover(name: str, path: Path, line: int, source_line: str) -> tuple[bytes, str]:
    """The cover image named in the front matter (relative to the manuscript's folder), or
    in a collection file (relative to its folder)."""

    def fail(message: str) -> ManuscriptError:
        return ManuscriptError(
            f"cover image {name!r} {message}", path=path, line=line, source_line=source_line
        )

    try:
        data = read_limited(path.parent / name, MAX_COVER_BYTES, ManuscriptError, "cover image")
    except ManuscriptError as error:
        if "larger than" in error.message:
            raise fail("is over 5 MB, more than Kobo readers accept") from None
        raise fail(error.message) from None
    media_type = next((kind for magic, kind in IMAGE_SIGNATURES if data.startswith(magic)), None)
    if media_type is None:
        raise fail("is not a JPEG or PNG file")
    from PIL import Image  # only a story with its own cover needs it

    try:
        with Image.open(io.BytesIO(data)) as picture:
            picture.load()  # decodes every pixel: a damaged file fails here, not in a reader
    except Exception as error:  # PIL raises many kinds for a broken file
        raise fail(f"is damaged: {error}") from None
    return data, media_type


def _edition_date(meta: Meta, file_time: Callable[[], int]) -> int:
    """SOURCE_DATE_EPOCH when set (reproducible builds), else the story's date, else the file's."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        if len(epoch) > 12 or int(epoch) > front_matter.LAST_DATE.timestamp():
            raise UsageError(
                f"SOURCE_DATE_EPOCH={epoch[:20]} is after {front_matter.LAST_DATE.year}"
            )
        return int(epoch)
    if meta.date:
        parsed = dt.datetime.fromisoformat(meta.date.replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=dt.UTC)
        return int(parsed.timestamp())
    # A file's time can be anything `touch` was told: kept inside what a book can carry.
    return min(
        max(file_time(), int(front_matter.FIRST_DATE.timestamp())),
        int(front_matter.LAST_DATE.timestamp()),
    )

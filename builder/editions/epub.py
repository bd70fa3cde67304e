"""The EPUB 3 edition: ebooklib packages the template once; each reader costs a fill and a ZIP.

ebooklib is not reproducible and fails quietly (see docs/ and the e-reader notes), so its
output is checked and repacked: every content document must hold its section, and the ZIP
is rewritten with fixed dates, `mimetype` first and stored.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Sequence
from importlib.resources import files

from ebooklib import epub

from builder.errors import EditionError
from builder.model import EditionTemplate, Profile, TocEntry
from builder.render import IDENTIFIER_KEY, join_markers, marker, slot_values, split_markers

CACHE_KEY = "epub"
TEXT_SUFFIXES = (".xhtml", ".opf", ".ncx", ".css", ".xml")
# ZIP cannot store dates before 1980.
ZIP_EPOCH = 315532800

Entry = tuple[str, tuple[str, ...] | bytes]


def stylesheet() -> str:
    return (files("builder.styles") / "epub.css").read_text(encoding="utf-8")


def compile_package(template: EditionTemplate) -> tuple[Entry, ...]:
    """The EPUB's ZIP entries, text ones cut at their slot markers (cached on the template)."""
    cached = template.cache.get(CACHE_KEY)
    if cached is None:
        cached = _package(template)
        template.cache[CACHE_KEY] = cached
    return cached  # type: ignore[return-value]


def _package(template: EditionTemplate) -> tuple[Entry, ...]:
    meta = template.manuscript.meta
    book = epub.EpubBook()
    book.metadata[epub.NAMESPACES["OPF"]].pop("generator", None)
    book.set_identifier(marker(IDENTIFIER_KEY))
    book.set_title(template.title)
    book.set_language(meta.language)
    if meta.author:
        book.add_author(meta.author)
    for subject in dict.fromkeys([*filter(None, [meta.fandom, meta.pairing]), *meta.tags]):
        book.add_metadata("DC", "subject", subject)
    if template.description:
        book.add_metadata("DC", "description", template.description)
    if meta.source:
        book.add_metadata("DC", "source", meta.source)
    if meta.date:
        book.add_metadata("DC", "date", meta.date)

    css = epub.EpubItem(
        uid="style", file_name="styles/epub.css", media_type="text/css", content=stylesheet()
    )
    book.add_item(css)
    items = {}
    for document in template.documents:
        item = epub.EpubHtml(title=document.title, file_name=document.name, lang=meta.language)
        item.content = f"<html><body>{document.body}</body></html>"
        item.add_item(css)
        book.add_item(item)
        items[document.name] = item
    book.toc = [_toc_node(entry) for entry in template.toc]
    book.add_item(epub.EpubNcx())
    nav = epub.EpubNav(title="Contents")
    nav.add_item(css)
    book.add_item(nav)
    # The nav is a spine item (landmarks may only point at spine items) but not part of the
    # reading order: readers reach it from their table-of-contents button.
    book.spine = [items["titlepage.xhtml"], (nav, "no"), *list(items.values())[1:]]
    first_scene = next(doc.name for doc in template.documents if doc.kind == "scene")
    book.guide = [
        {"type": "toc", "href": "nav.xhtml", "title": "Table of contents"},
        {"type": "text", "href": first_scene, "title": "Start of story"},
    ]

    buffer = io.BytesIO()
    modified = dt.datetime.fromtimestamp(template.manuscript.modified, dt.UTC)
    epub.write_epub(
        buffer,
        book,
        {
            "raise_exceptions": True,
            "mtime": modified,
            "play_order": {"enabled": True, "start_from": 1},
            "epub3_pages": False,
            "landmark_title": "Landmarks",
        },
    )
    return _entries(buffer.getvalue(), template)


def _toc_node(entry: TocEntry) -> object:
    if entry.children:
        return (
            epub.Section(entry.label, entry.href),
            [_toc_node(child) for child in entry.children],
        )
    uid = entry.href.replace(".xhtml", "").replace("#", "-")
    return epub.Link(entry.href, entry.label, uid)


def _entries(package: bytes, template: EditionTemplate) -> tuple[Entry, ...]:
    entries: list[Entry] = []
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        for info in archive.infolist():
            data = archive.read(info)
            if info.filename.endswith(TEXT_SUFFIXES):
                entries.append((info.filename, split_markers(data.decode("utf-8"))))
            else:
                entries.append((info.filename, data))
    _check_documents(entries, template)
    return tuple(entries)


def _check_documents(entries: Sequence[Entry], template: EditionTemplate) -> None:
    """ebooklib writes a document it could not parse as an empty page: refuse to ship that."""
    by_name = {name.rsplit("/", 1)[-1]: content for name, content in entries}
    for document in template.documents:
        content = by_name.get(document.name)
        text = "".join(content) if isinstance(content, tuple) else ""
        if "<section" not in text:
            raise EditionError(f"ebooklib wrote {document.name} empty; this is a ficpress bug")


def write(template: EditionTemplate, profile: Profile, identifier: str) -> bytes:
    """The reader's EPUB: the compiled package with their values, zipped reproducibly."""
    values = slot_values(template, profile)
    timestamp = max(template.manuscript.modified, ZIP_EPOCH)
    date_time = dt.datetime.fromtimestamp(timestamp, dt.UTC).timetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in compile_package(template):
            data = (
                content
                if isinstance(content, bytes)
                else join_markers(content, values, identifier).encode("utf-8")
            )
            info = zipfile.ZipInfo(name, date_time)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()

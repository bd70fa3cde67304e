"""The EPUB 3 edition (and its Kobo variant): packaged once by ebooklib, filled per reader.

ebooklib is not reproducible and fails quietly (see the e-reader notes in docs/), so its
output is checked and repacked: every content document must hold its section, and the ZIP
is rewritten with fixed dates, `mimetype` first and stored.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING

from builder.editions import zipped
from builder.errors import EditionError
from builder.fill import IDENTIFIER, Values, marker, split, values_for
from builder.model import Document, EditionTemplate, FormKey, Profile, TocEntry
from builder.resources import styles

if TYPE_CHECKING:
    from ebooklib import epub

    from builder.editions import EditionOptions

TEXT_SUFFIXES = (".xhtml", ".opf", ".ncx", ".css", ".xml")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")
ZIP_EPOCH = 315532800
"""1980-01-01: ZIP cannot store earlier dates."""
COVER_PAGE = "cover.xhtml"
COVER_BODY = (
    '<html><body><section class="cover" epub:type="cover" aria-label="{label}">'
    '<img src="" alt="" /></section></body></html>'
)
NAV_PAGE = "nav.xhtml"
ACCESSIBILITY = (
    ("schema:accessMode", "textual"),
    ("schema:accessModeSufficient", "textual"),
    ("schema:accessibilityFeature", "structuralNavigation"),
    ("schema:accessibilityFeature", "tableOfContents"),
    ("schema:accessibilityFeature", "readingOrder"),
    ("schema:accessibilityFeature", "alternativeText"),
    ("schema:accessibilityHazard", "none"),
    (
        "schema:accessibilitySummary",
        "A text-only book with a table of contents, headings for every chapter and scene, "
        "each scene a section of its own, and a described cover image. It does not fix the "
        "font or its size, so readers can change both.",
    ),
    ("dcterms:conformsTo", "EPUB Accessibility 1.1 - WCAG 2.1 Level AA"),
)

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
HTML_START = re.compile(r"<html\b(?![^>]*\sdir=)[^>]*>")
"""A document's root start tag, while it has no `dir`."""

Entry = tuple[str, tuple[str, ...] | bytes | None]
"""A ZIP entry: text cut at slot markers, fixed bytes, or None for the cover image, whose
bytes are chosen per reader (the title on a generated cover may hold slots)."""
PACKAGE: FormKey[tuple[Entry, ...]] = FormKey("epub-package")
GENERATED_COVERS: FormKey[dict[str, bytes]] = FormKey("epub-covers")
COVERS_KEPT = 8
"""Drawn covers kept with a story, by filled title: the one cover of a title without slots,
the few a title with the reader's pronouns has (`For Her Safety`, `For His Safety`); past
these, a title with every reader's name in it is drawn each time (Pillow keeps 64 per process)."""
PACKED: FormKey[zipped.Packed] = FormKey("epub-packed")
"""The compiled package (cut at markers, and packed), by whether it is Kobo's and the scene
layout."""


def stylesheet() -> str:
    return (styles() / "epub.css").read_text(encoding="utf-8")


def compile_package(
    template: EditionTemplate, kobo: bool = False, scenes: str = "separate"
) -> tuple[Entry, ...]:
    """The EPUB's ZIP entries, text ones cut at their slot markers (made once per template,
    Kobo's or not, and scene layout)."""
    return template.forms.get(PACKAGE, (kobo, scenes), lambda: _package(template, kobo, scenes))


def _cover_name(template: EditionTemplate) -> str:
    media_type = template.manuscript.meta.cover_type or "image/jpeg"
    return "images/cover." + ("png" if media_type == "image/png" else "jpg")


def _package(template: EditionTemplate, kobo: bool, scenes: str) -> tuple[Entry, ...]:
    # ebooklib (and lxml for Kobo's spans), the labels' catalogues (Babel) and zipfile only
    # when a package is made: a story from the compile cache comes with its package.
    from ebooklib import epub

    from builder.i18n import labels

    meta = template.manuscript.meta
    words = labels(meta.language)
    inline = scenes == "inline"
    documents = template.inline_documents if inline else template.documents
    toc = template.inline_toc if inline else template.toc
    book = epub.EpubBook()
    book.metadata[epub.NAMESPACES["OPF"]].pop("generator", None)
    book.set_identifier(marker(IDENTIFIER))
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
    for prop, value in ACCESSIBILITY:
        attributes = {"property": prop}
        if prop == "schema:accessibilitySummary" and words.language != "en":
            attributes[XML_LANG] = "en"  # not translated: say so to screen readers
        book.add_metadata("OPF", prop, value, attributes)
    if meta.series:
        _add_series(book, *meta.series)
    if meta.direction == "rtl":
        # The spine's page-progression-direction (and the package's default direction).
        book.set_direction("rtl")

    css = epub.EpubItem(
        uid="style", file_name="styles/epub.css", media_type="text/css", content=stylesheet()
    )
    book.add_item(css)
    # ebooklib's pitfall: the cover must be set before the nav is added, and its page needs a
    # landmark or EPUBCheck 5 reports it as unreachable (OPF-096).
    book.templates["cover"] = COVER_BODY.format(label=escape(words.gettext("Cover")))
    book.set_cover(_cover_name(template), b"", create_page=True)
    cover_page = book.get_item_with_id("cover")
    cover_page.title = words.gettext("Cover: %(title)s", title=template.title)
    cover_page.lang = meta.language
    cover_page.is_linear = True
    cover_page.add_item(css)

    items = {}
    for document in documents:
        item = epub.EpubHtml(title=document.title, file_name=document.name, lang=meta.language)
        item.content = f"<html><body>{document.body}</body></html>"
        item.add_item(css)
        book.add_item(item)
        items[document.name] = item
    book.toc = [_toc_node(entry) for entry in toc]
    book.add_item(epub.EpubNcx())
    nav = epub.EpubNav(title=words.gettext("Contents"))
    nav.add_item(css)
    book.add_item(nav)
    # The nav is a spine item (landmarks may only point at spine items) but not part of the
    # reading order: readers reach it from their table-of-contents button.
    book.spine = [cover_page, items["titlepage.xhtml"], (nav, "no"), *list(items.values())[1:]]
    first_scene = next(doc.name for doc in documents if doc.kind in {"scene", "chapter"})
    book.guide = [
        {"type": "cover", "href": COVER_PAGE, "title": words.gettext("Cover")},
        {"type": "toc", "href": NAV_PAGE, "title": words.gettext("Table of contents")},
        {"type": "text", "href": first_scene, "title": words.gettext("Start of story")},
    ]

    buffer = io.BytesIO()
    modified = dt.datetime.fromtimestamp(template.manuscript.modified, dt.UTC)
    options = {
        "raise_exceptions": True,
        "mtime": modified,
        "play_order": {"enabled": True, "start_from": 1},
        "epub3_pages": False,
        "landmark_title": words.gettext("Landmarks"),
        "package_direction": meta.direction == "rtl",
        # The ZIP is only read back here (write() zips each reader's copy): deflating it
        # and inflating it again cost a third of making the package.
        "compresslevel": 0,
    }
    epub.write_epub(buffer, book, options)
    return _entries(buffer.getvalue(), template, kobo, documents, toc)


def _add_series(book: epub.EpubBook, name: str, index: str) -> None:
    """The series as EPUB 3 says it (`belongs-to-collection`, refined as a series with its
    `group-position`) and as Calibre and the readers that follow it read it (`calibre:series`)."""
    book.add_metadata(
        "OPF", "belongs-to-collection", name, {"property": "belongs-to-collection", "id": "series"}
    )
    book.add_metadata(
        "OPF", "collection-type", "series", {"refines": "#series", "property": "collection-type"}
    )
    book.add_metadata("OPF", "calibre:series", None, {"name": "calibre:series", "content": name})
    if index:
        book.add_metadata(
            "OPF", "group-position", index, {"refines": "#series", "property": "group-position"}
        )
        book.add_metadata(
            "OPF", "calibre:series_index", None, {"name": "calibre:series_index", "content": index}
        )


def _toc_node(entry: TocEntry) -> object:
    from ebooklib import epub

    if entry.children:
        return (
            epub.Section(entry.label, entry.href),
            [_toc_node(child) for child in entry.children],
        )
    uid = entry.href.replace(".xhtml", "").replace("#", "-")
    return epub.Link(entry.href, entry.label, uid)


def _entries(
    package: bytes,
    template: EditionTemplate,
    kobo: bool,
    documents: Sequence[Document],
    toc: Sequence[TocEntry],
) -> tuple[Entry, ...]:
    import zipfile

    entries: list[Entry] = []
    cover_entry = f"EPUB/{_cover_name(template)}"
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        for info in archive.infolist():
            name = info.filename
            if name == cover_entry:
                entries.append((name, None))
                continue
            data = archive.read(info)
            if not name.endswith(TEXT_SUFFIXES):
                entries.append((name, data))
                continue
            text = data.decode("utf-8")
            if name.endswith(".xhtml") and template.manuscript.meta.direction == "rtl":
                text = with_direction(text, "rtl")
            if name.endswith(".opf"):
                # Accessibility checkers (DAISY Ace) want the package's language too.
                language = template.manuscript.meta.language
                text = text.replace("<package ", f'<package xml:lang="{language}" ', 1)
            elif name.endswith(NAV_PAGE):
                # Landmarks are for reading systems, not a page readers should see; readers
                # that ignore `hidden` get the class, which styles/epub.css hides.
                text = text.replace(
                    '<nav epub:type="landmarks">',
                    '<nav epub:type="landmarks" class="landmarks" hidden="hidden">',
                )
            elif name.endswith(".ncx"):
                # ebooklib always writes 0; RMSDK and Calibre read it as the TOC's depth.
                text = text.replace(
                    '<meta content="0" name="dtb:depth"/>',
                    f'<meta content="{toc_depth(toc)}" name="dtb:depth"/>',
                )
            # kepubify converts every XHTML document in the manifest, the nav included.
            if kobo and name.endswith(".xhtml"):
                from builder.editions import kepub

                text = kepub.transform(text)
            entries.append((name, split(text)))
    _check_documents(entries, documents)
    return tuple(entries)


def with_direction(document: str, direction: str) -> str:
    """An XHTML document whose root says its direction (`<html ... dir="rtl">`): every
    document, the cover and the navigation included, inherits it, as the PDF's one does."""
    return HTML_START.sub(lambda start: f'{start.group()[:-1]} dir="{direction}">', document, 1)


def toc_depth(entries: Sequence[TocEntry]) -> int:
    """How many levels the table of contents has (the NCX's `dtb:depth`)."""
    return max((1 + toc_depth(entry.children) for entry in entries), default=0)


def _check_documents(entries: Sequence[Entry], documents: Sequence[Document]) -> None:
    """ebooklib writes a document it could not parse as an empty page: refuse to ship that."""
    by_name = {name.rsplit("/", 1)[-1]: content for name, content in entries}
    for document in documents:
        content = by_name.get(document.name)
        text = "".join(content) if isinstance(content, tuple) else ""
        if "<section" not in text:
            raise EditionError(f"ebooklib wrote {document.name} empty; this is a ficpress bug")


def write(
    template: EditionTemplate,
    profile: Profile,
    identifier: str,
    options: EditionOptions,
    kobo: bool = False,
) -> bytes:
    """The reader's EPUB (Kobo's KEPUB when `kobo`): the packed package with their values."""
    values = values_for(template, profile, identifier)
    # One table of the reader's values, indexed as the package's keys are (see `_packed`):
    # each slot's text, then the identifier, then the cover. A novel repeats a few texts a
    # thousand times: each distinct one is encoded once.
    texts = [*values.escaped, escape(identifier)]
    encoded = {text: text.encode("utf-8") for text in set(texts)}
    blocks = {text: zipped.stored_blocks(data) for text, data in encoded.items()}
    table = [encoded[text] for text in texts]
    table.append(_cover(template, values))
    deflated = [blocks[text] for text in texts]
    deflated.append(b"")  # the cover is stored, never deflated
    return zipped.write(packed_package(template, kobo, options.scenes), table, deflated)


def packed_package(
    template: EditionTemplate, kobo: bool = False, scenes: str = "separate"
) -> zipped.Packed:
    """The package as a ZIP archive compressed once, waiting for a reader's values."""
    return template.forms.get(PACKED, (kobo, scenes), lambda: _packed(template, kobo, scenes))


def _packed(template: EditionTemplate, kobo: bool, scenes: str) -> zipped.Packed:
    slots = len(template.slots)
    named = {IDENTIFIER: slots}
    cover = slots + 1
    cut: list[zipped.Cut] = []
    for name, content in compile_package(template, kobo, scenes):
        if content is None:
            cut.append((name, (b"", b""), (cover,), False))
        elif isinstance(content, bytes):
            # mimetype must be stored; images are stored too: JPEG and PNG are compressed
            # already, and deflating them again gains nothing.
            stored = name == "mimetype" or name.endswith(IMAGE_SUFFIXES)
            cut.append((name, (content,), (), not stored))
        else:
            pieces = [piece.encode("utf-8") for piece in content[0::2]]
            keys = [named[key] if key in named else int(key) for key in content[1::2]]
            cut.append((name, pieces, keys, True))
    timestamp = max(template.manuscript.modified, ZIP_EPOCH)
    return zipped.pack(cut, dt.datetime.fromtimestamp(timestamp, dt.UTC).timetuple())


def _cover(template: EditionTemplate, values: Values) -> bytes:
    """The cover's bytes: the author's image, or one drawn for the reader's title (kept with
    the template, so that a cached story is built without drawing it, or loading Pillow and
    the fonts' tables, again)."""
    meta = template.manuscript.meta
    if meta.cover_image is not None and meta.cover_type is not None:
        return meta.cover_image
    title = values.plain(template.title)
    drawn = template.forms.get(GENERATED_COVERS, None, dict)
    cover = drawn.get(title)
    if cover is None:
        from builder.editions.cover import image

        cover = image(meta, title)[0]
        if len(drawn) < COVERS_KEPT:
            drawn[title] = cover
    return cover


def write_kepub(
    template: EditionTemplate, profile: Profile, identifier: str, options: EditionOptions
) -> bytes:
    """Kobo's KEPUB: the EPUB with Kobo's sentence spans, for its better renderer."""
    return write(template, profile, identifier, options, kobo=True)

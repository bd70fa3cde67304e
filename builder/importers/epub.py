"""EPUB -> Draft: any valid EPUB 2 or 3 (AO3's, FanFicFare's, Calibre's, ficpress's own).

The package is read as its OPF says: the metadata (`dc:title`, `dc:creator`, `dc:language`,
`dc:subject` as tags, `dc:description` as summary, `dc:source` or a web `dc:identifier`,
`dc:date`, Calibre's or EPUB 3's series), the spine in reading order, and the chapter titles of
the navigation document (or the NCX). Pages that are not the story (cover, title page, table of
contents, colophon, credits; `linear="no"`) are left out by their `epub:type`, by the guide, or
by the names tools give them.

The story's documents are then put together into one HTML page, read by the HTML importer
(`html.py`), so an EPUB's paragraphs, emphasis and scene breaks become exactly what a saved page
with the same markup gives. An AO3 download (Calibre's split of AO3's HTML download: a
`#preface` file, one file per chapter, an `#afterword` file) is put back into the download's
one-page layout, which the AO3 reader knows: its notes become `A/N:` author's notes in place.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import lxml.etree
import lxml.html

from builder.errors import ImportSourceError
from builder.importers import html
from builder.importers.decoding import Decoded, decode
from builder.importers.draft import Draft

MAX_UNPACKED = 100 * 1024 * 1024
"""The most bytes an EPUB's documents may unpack to (a small ZIP can hold a huge file)."""
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")
SKIPPED_TYPES = frozenset(
    {"cover", "titlepage", "halftitlepage", "toc", "landmarks", "loi", "lot", "copyright-page"}
    | {"colophon", "credits", "imprint", "seriespage", "index"}
)
"""`epub:type`s of pages that are not the story."""
SKIPPED_GUIDE = frozenset({"cover", "title-page", "toc", "copyright-page", "colophon"})
SKIPPED_NAMES = frozenset(
    {"cover", "titlepage", "title_page", "title", "nav", "toc", "toc_page", "log_page"}
)
"""File names tools give such pages (FanFicFare's `title_page`, `toc_page`, `log_page`)."""
STATUS_SUBJECTS = {"Completed": "complete", "In-Progress": "in progress"}
TITLE_PAGE_FIELDS = {"fandom": "fandom", "pairing": "pairing", "rating": "rating"}
DOCUMENT_TYPES = frozenset({"application/xhtml+xml", "text/html", "application/x-dtbook+xml"})
XML_PARSER = lxml.etree.XMLParser(resolve_entities=False, no_network=True, recover=True)


@dataclass(slots=True)
class Package:
    """What the OPF says about the book, and its story documents."""

    meta: dict[str, Any] = field(default_factory=dict)
    """Front matter fields from the OPF metadata."""
    documents: list[tuple[str, Any]] = field(default_factory=list)
    """(navigation title, `<body>` element) of each story document, in spine order."""
    ao3: bool = False
    """The book is an AO3 download (its documents hold AO3's `#preface`)."""


def is_epub(data: bytes) -> bool:
    """Whether `data` is a ZIP holding an EPUB's container file."""
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "META-INF/container.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def read(data: bytes, path: Path | str) -> tuple[Draft, Decoded]:
    """The draft of the EPUB `data`, and the page its story documents made (for the report)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            package = _package(archive, path)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as error:
        raise ImportSourceError(f"is not a readable EPUB ({error})", path=path) from None
    except RuntimeError as error:  # zipfile's answer for an encrypted entry
        raise ImportSourceError(f"cannot be read: {error}", path=path) from None
    if not package.documents:
        raise ImportSourceError("has no story text: its spine holds no story pages", path=path)
    page = _compose(package)
    draft = html.read(page, path)
    draft.kind = "AO3 EPUB" if package.ao3 else "EPUB"
    for name, value in package.meta.items():
        if name in ("language", "series", "series_index") or not draft.meta.get(name):
            draft.meta[name] = value
    return draft, Decoded(page, "UTF-8")


def _package(archive: zipfile.ZipFile, path: Path | str) -> Package:
    container = _xml(archive, "META-INF/container.xml", path)
    rootfiles = container.xpath("//*[local-name()='rootfile']/@full-path")
    if not rootfiles:
        raise ImportSourceError("is not a valid EPUB: its container names no OPF", path=path)
    opf_path = str(rootfiles[0])
    opf = _xml(archive, opf_path, path)
    base = posixpath.dirname(opf_path)
    manifest = {str(item.get("id")): item for item in opf.xpath("//*[local-name()='manifest']/*")}
    package = Package(meta=_metadata(opf))
    titles = _titles(archive, opf, manifest, base, path)
    skipped = {
        _join(base, str(ref.get("href")))
        for ref in opf.xpath("//*[local-name()='guide']/*[local-name()='reference']")
        if str(ref.get("type", "")).lower() in SKIPPED_GUIDE
    }
    unpacked = 0
    for ref in opf.xpath("//*[local-name()='spine']/*[local-name()='itemref']"):
        item = manifest.get(str(ref.get("idref")))
        if item is None or ref.get("linear") == "no":
            continue
        if item.get("media-type") not in DOCUMENT_TYPES or "nav" in (item.get("properties") or ""):
            continue
        name = _join(base, str(item.get("href")))
        unpacked += _size(archive, name, path)
        if unpacked > MAX_UNPACKED:
            raise ImportSourceError("unpacks to more than 100 MB of pages", path=path)
        body = _body(archive, name, path)
        stem = posixpath.splitext(posixpath.basename(name))[0].lower()
        if body is None or name in skipped or stem in SKIPPED_NAMES or _skipped_type(body):
            package.meta.update(_ficpress_pages(body))
            continue
        package.ao3 = package.ao3 or bool(body.xpath(".//*[@id='preface']"))
        package.documents.append((titles.get(name, ""), body))
    return package


def _metadata(opf: Any) -> dict[str, Any]:
    """Front matter from the OPF's `<metadata>`."""

    def values(name: str) -> list[str]:
        found = opf.xpath(f"//*[local-name()='metadata']/*[local-name()='{name}']")
        return [html.HTML_SPACE.sub(" ", element.xpath("string()")).strip() for element in found]

    meta: dict[str, Any] = {}
    title = next(iter(values("title")), "")
    if title:
        meta["title"] = title
    creators = list(dict.fromkeys(value for value in values("creator") if value))
    if creators:
        meta["author"] = ", ".join(creators)
    language = next(iter(values("language")), "")
    if LANGUAGE_TAG.match(language):
        meta["language"] = language
    subjects = list(dict.fromkeys(value for value in values("subject") if value))
    for subject, status in STATUS_SUBJECTS.items():  # FanFicFare lists the status as a subject
        if subject in subjects:
            subjects.remove(subject)
            meta["status"] = status
    if subjects:
        meta["tags"] = subjects
    description = next(iter(values("description")), "")
    if description:
        meta["summary"] = _plain(description)
    addresses = [v for v in values("identifier") if re.match(r"https?://", v)]
    sources = [value for value in values("source") + addresses if value]
    if sources:
        meta["source"] = sources[0]
    dates = [value for value in values("date") if re.match(r"\d{4}-\d{2}-\d{2}", value)]
    if dates:
        meta["date"] = dates[0][:10]
    meta.update(_series(opf))
    return {name: value for name, value in meta.items() if value}


def _series(opf: Any) -> dict[str, Any]:
    """Calibre's `calibre:series` or EPUB 3's `belongs-to-collection`."""
    metas = opf.xpath("//*[local-name()='metadata']/*[local-name()='meta']")
    named = {str(m.get("name")): str(m.get("content") or "").strip() for m in metas}
    title, index = named.get("calibre:series", ""), named.get("calibre:series_index", "")
    for collection in (m for m in metas if m.get("property") == "belongs-to-collection"):
        title = title or (collection.text or "").strip()
        for refine in metas:
            refines = str(refine.get("refines") or "")
            if refines == f"#{collection.get('id')}" and refine.get("property") == "group-position":
                index = index or (refine.text or "").strip()
    if not title:
        return {}
    found: dict[str, Any] = {"series": title}
    if re.fullmatch(r"\d+(?:\.0+)?", index) and float(index) >= 1:
        found["series_index"] = int(float(index))
    return found


def _titles(
    archive: zipfile.ZipFile, opf: Any, manifest: dict[str, Any], base: str, path: Path | str
) -> dict[str, str]:
    """The navigation's title of each document (its first entry), from the EPUB 3 navigation
    document or else the NCX."""
    titles: dict[str, str] = {}
    nav = next((i for i in manifest.values() if "nav" in (i.get("properties") or "")), None)
    if nav is not None:
        name = _join(base, str(nav.get("href")))
        tree = _xml(archive, name, path)
        for toc in tree.xpath("//*[local-name()='nav']"):
            kind = next((v for k, v in toc.attrib.items() if k.endswith("type")), "")
            if "toc" not in str(kind).split():
                continue
            for link in toc.xpath(".//*[local-name()='a'][@href]"):
                target = _join(posixpath.dirname(name), str(link.get("href")))
                titles.setdefault(target, html.HTML_SPACE.sub(" ", link.xpath("string()")).strip())
    if titles:
        return titles
    spine = opf.xpath("//*[local-name()='spine']/@toc")
    ncx = manifest.get(str(spine[0])) if spine else None
    ncx = (
        ncx
        if ncx is not None
        else next(
            (i for i in manifest.values() if i.get("media-type") == "application/x-dtbncx+xml"),
            None,
        )
    )
    if ncx is None:
        return titles
    name = _join(base, str(ncx.get("href")))
    for point in _xml(archive, name, path).xpath("//*[local-name()='navPoint']"):
        source = point.xpath("./*[local-name()='content']/@src")
        label = point.xpath("string(./*[local-name()='navLabel'])")
        if source:
            target = _join(posixpath.dirname(name), str(source[0]))
            titles.setdefault(target, html.HTML_SPACE.sub(" ", str(label)).strip())
    return titles


def _compose(package: Package) -> str:
    """One HTML page of the story documents: AO3's download layout for an AO3 book, else an
    `<article>` of the documents, each headed by its navigation title when it has no heading
    of its own (and is not a scene continuing the page before)."""
    root = lxml.html.fromstring("<html><head></head><body></body></html>")
    body = root.find("body")
    title = package.meta.get("title")
    if title:
        lxml.etree.SubElement(root.find("head"), "title").text = str(title)
    if package.ao3:
        _ao3_layout(package, body)
    else:
        article = lxml.etree.SubElement(body, "article")
        for nav_title, document in package.documents:
            first = next(iter(document.iter("hr", "p")), None)
            opens_scene = first is not None and first.tag == "hr"
            headed = document.xpath(".//h1 | .//h2 | .//h3 | .//h4 | .//h5 | .//h6")
            _captions(document)
            if nav_title and not headed and not opens_scene and nav_title != title:
                lxml.etree.SubElement(article, "h2").text = nav_title
            holder = lxml.etree.SubElement(article, "div")
            holder.text = document.text
            holder.extend(list(document))
    return str(lxml.html.tostring(root, encoding="unicode", doctype="<!DOCTYPE html>"))


def _ao3_layout(package: Package, body: Any) -> None:
    """AO3's download page from Calibre's split of it: `#preface`, then every chapter inside
    one `#chapters`, then `#afterword`."""
    chapters = lxml.etree.Element("div", id="chapters")
    chapters.set("class", "userstuff")
    afterword = None
    for _, document in package.documents:
        for child in list(document):
            if child.get("id") == "preface":
                body.append(child)
            elif child.get("id") == "afterword":
                afterword = child
            elif child.get("id") == "chapters":
                chapters.extend(list(child))
            else:
                chapters.append(child)
    body.append(chapters)
    if afterword is not None:
        body.append(afterword)


def _captions(document: Any) -> None:
    """ficpress's scene captions (`<hr/>` then `<h3 class="caption">`) back into the break
    line they were written as (`* * * (6 months later)`), not a chapter heading."""
    for caption in document.xpath(".//*[contains(concat(' ', @class, ' '), ' caption ')]"):
        before = caption.xpath("preceding::*[1]")
        if before and before[0].tag == "hr":
            before[0].drop_tree()
            line = lxml.etree.Element("p")
            line.text = f"* * * ({html.text_of(caption)})"
            line.tail = caption.tail
            caption.getparent().replace(caption, line)


def _ficpress_pages(body: Any) -> dict[str, Any]:
    """What a ficpress book's title page (`dl.details`, `ul.warnings`...) and credits page
    (`ul.credits-list`) say that its OPF cannot: fandom, pairing and rating apart from tags."""
    if body is None:
        return {}
    found: dict[str, Any] = {}
    for page in body.xpath(".//section[contains(concat(' ', @class, ' '), ' titlepage ')]"):
        for term in page.xpath(".//dl[contains(@class,'details')]/dt"):
            value = term.getnext()
            field = TITLE_PAGE_FIELDS.get(html.text_of(term).lower())
            if field and value is not None and value.tag == "dd" and html.text_of(value):
                found[field] = html.text_of(value)
        for name in ("warnings", "characters", "tags"):
            items = [html.text_of(item) for item in page.xpath(f".//ul[@class='{name}']/li")]
            if any(items):
                found[name] = [item for item in items if item]
    credits = [html.text_of(item) for item in body.xpath(".//ul[@class='credits-list']/li")]
    if any(credits):
        found["credits"] = [credit for credit in credits if credit]
    return found


def _skipped_type(body: Any) -> bool:
    """Whether the document's body or its first element says it is not the story."""
    first = next(iter(body), None)
    for element in (body, first):
        if element is None:
            continue
        kinds = next((v for k, v in element.attrib.items() if k.endswith("type")), "")
        if SKIPPED_TYPES & set(str(kinds).split()):
            return True
    return False


def _body(archive: zipfile.ZipFile, name: str, path: Path | str) -> Any:
    """A document's `<body>`, parsed as HTML (as a saved page is); None when it is empty."""
    try:
        data = archive.read(name)
    except KeyError:
        raise ImportSourceError(
            f"is not a valid EPUB: its spine names {name}, which is missing", path=path
        ) from None
    if not data.strip():
        return None
    root = html.parse(decode(data, f"{path}:{name}").text)
    return None if root is None else root.find("body")


def _xml(archive: zipfile.ZipFile, name: str, path: Path | str) -> Any:
    try:
        data = archive.read(name)
    except KeyError:
        raise ImportSourceError(f"is not a valid EPUB: {name} is missing", path=path) from None
    try:
        tree = lxml.etree.fromstring(data, XML_PARSER)
    except lxml.etree.XMLSyntaxError as error:
        raise ImportSourceError(f"is not a valid EPUB: {name}: {error}", path=path) from None
    if tree is None:
        raise ImportSourceError(f"is not a valid EPUB: {name} is not XML", path=path)
    return tree


def _size(archive: zipfile.ZipFile, name: str, path: Path | str) -> int:
    try:
        return archive.getinfo(name).file_size
    except KeyError:
        raise ImportSourceError(
            f"is not a valid EPUB: its spine names {name}, which is missing", path=path
        ) from None


def _join(base: str, href: str) -> str:
    """A manifest or navigation address as the ZIP entry it names."""
    target = unquote(urlsplit(href).path)
    return posixpath.normpath(posixpath.join(base, target)).lstrip("/")


def _plain(description: str) -> str:
    """A description's text: it is often HTML (AO3's summary), escaped or not."""
    marked = re.sub(r"(?i)<br\s*/?>|</p>|</div>", " ", description)
    root = html.parse(f"<div>{marked}</div>") if "<" in marked else None
    text = root.text_content() if root is not None else marked
    return html.HTML_SPACE.sub(" ", str(text)).strip()

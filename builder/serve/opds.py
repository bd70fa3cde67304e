"""OPDS 1.2 catalogs (Atom): a navigation feed and acquisition feeds, public or personal.

A personal feed lives under `/opds/p/<token>` and every link in it keeps that prefix, so an
OPDS client (KOReader, Moon+ Reader) that was given the feed's URL downloads books already
filled with the reader's details. ElementTree escapes every text and attribute value.
"""

from __future__ import annotations

import datetime as dt
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence

from builder.editions import Edition
from builder.serve.catalog import Story

ATOM = "http://www.w3.org/2005/Atom"
DC = "http://purl.org/dc/terms/"
OPDS = "http://opds-spec.org/2010/catalog"
NAVIGATION = "application/atom+xml;profile=opds-catalog;kind=navigation"
ACQUISITION = "application/atom+xml;profile=opds-catalog;kind=acquisition"
OPEN_ACCESS = "http://opds-spec.org/acquisition/open-access"
IMAGE = "http://opds-spec.org/image"
THUMBNAIL = "http://opds-spec.org/image/thumbnail"
SORT_NEW = "http://opds-spec.org/sort/new"
NAMESPACE = uuid.UUID("0b6bd0e4-3c1f-4f57-9a43-5d3e8f0f6a21")
CATEGORY_SCHEME = "urn:ficpress:"
EPOCH = dt.datetime.fromtimestamp(0, dt.UTC)

ET.register_namespace("", ATOM)
ET.register_namespace("dc", DC)
ET.register_namespace("opds", OPDS)


def _urn(name: str) -> str:
    return f"urn:uuid:{uuid.uuid5(NAMESPACE, name)}"


def _time(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _add(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attributes)
    if text is not None:
        element.text = text
    return element


def _feed(feed_id: str, title: str, updated: dt.datetime, prefix: str, kind: str) -> ET.Element:
    feed = ET.Element(f"{{{ATOM}}}feed")
    _add(feed, f"{{{ATOM}}}id", _urn(feed_id))
    _add(feed, f"{{{ATOM}}}title", title)
    _add(feed, f"{{{ATOM}}}updated", _time(updated))
    author = _add(feed, f"{{{ATOM}}}author")
    _add(author, f"{{{ATOM}}}name", "ficpress")
    _add(feed, f"{{{ATOM}}}link", rel="start", href=prefix, type=NAVIGATION)
    return feed


def _bytes(feed: ET.Element) -> bytes:
    data: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return data


def navigation(prefix: str, title: str, updated: dt.datetime) -> bytes:
    """The root: links to the stories by title and newest first."""
    feed = _feed(f"{prefix}/navigation", title, updated, prefix, NAVIGATION)
    _add(feed, f"{{{ATOM}}}link", rel="self", href=prefix, type=NAVIGATION)
    sections = (
        ("stories", "All stories", "Every story, by title.", "subsection"),
        ("new", "Newest first", "Every story, the most recently updated first.", SORT_NEW),
    )
    for path, name, summary, rel in sections:
        entry = _add(feed, f"{{{ATOM}}}entry")
        _add(entry, f"{{{ATOM}}}title", name)
        _add(entry, f"{{{ATOM}}}id", _urn(f"{prefix}/{path}"))
        _add(entry, f"{{{ATOM}}}updated", _time(updated))
        _add(entry, f"{{{ATOM}}}content", summary, type="text")
        _add(entry, f"{{{ATOM}}}link", rel=rel, href=f"{prefix}/{path}", type=ACQUISITION)
    return _bytes(feed)


def acquisition(
    prefix: str,
    path: str,
    title: str,
    stories: Sequence[Story],
    editions: Sequence[Edition],
    values: Mapping[str, str],
) -> bytes:
    """A feed with one entry per story and a download link per edition; the downloads (and
    the summaries) are filled with `values`."""
    updated = max((story.updated for story in stories), default=EPOCH)
    feed = _feed(f"{prefix}/{path}", title, updated, prefix, ACQUISITION)
    _add(feed, f"{{{ATOM}}}link", rel="self", href=f"{prefix}/{path}", type=ACQUISITION)
    _add(feed, f"{{{ATOM}}}link", rel="up", href=prefix, type=NAVIGATION)
    for story in stories:
        _entry(feed, prefix, story, editions, values)
    return _bytes(feed)


def _entry(
    feed: ET.Element,
    prefix: str,
    story: Story,
    editions: Sequence[Edition],
    values: Mapping[str, str],
) -> None:
    meta = story.meta
    story_title, summary = story.texts(values)
    entry = _add(feed, f"{{{ATOM}}}entry")
    _add(entry, f"{{{ATOM}}}title", story_title)
    _add(entry, f"{{{ATOM}}}id", _urn(f"story/{story.slug}"))
    _add(entry, f"{{{ATOM}}}updated", _time(story.updated))
    author = _add(entry, f"{{{ATOM}}}author")
    _add(author, f"{{{ATOM}}}name", meta.author or "Anonymous")
    _add(entry, f"{{{DC}}}language", meta.language)
    if meta.date:
        _add(entry, f"{{{DC}}}issued", meta.date)
    if summary:
        _add(entry, f"{{{ATOM}}}summary", summary, type="text")
    details = [f"{story.words:,} words"]
    if meta.rating:
        details.append(f"Rated {meta.rating}")
    if meta.warnings:
        details.append("Warnings: " + ", ".join(meta.warnings))
    _add(entry, f"{{{ATOM}}}content", ". ".join(details) + ".", type="text")
    categories = [
        ("fandom", meta.fandom),
        ("pairing", meta.pairing),
        ("rating", meta.rating),
        *(("warning", warning) for warning in meta.warnings),
        *(("tag", tag) for tag in meta.tags),
    ]
    for scheme, term in categories:
        if term:
            _add(
                entry, f"{{{ATOM}}}category", term=term, label=term, scheme=CATEGORY_SCHEME + scheme
            )
    image_type = meta.cover_type or "image/jpeg"
    _add(entry, f"{{{ATOM}}}link", rel=IMAGE, href=f"{prefix}/covers/{story.slug}", type=image_type)
    _add(
        entry,
        f"{{{ATOM}}}link",
        rel=THUMBNAIL,
        href=f"{prefix}/covers/{story.slug}/thumbnail",
        type="image/jpeg",
    )
    for edition in editions:
        _add(
            entry,
            f"{{{ATOM}}}link",
            rel=OPEN_ACCESS,
            href=f"{prefix}/books/{story.slug}{edition.suffix}",
            type=edition.media_type,
            title=edition.name.upper(),
        )

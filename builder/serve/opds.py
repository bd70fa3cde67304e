"""OPDS 1.2 catalogs (Atom): a navigation feed and paged acquisition feeds (by title, newest,
most downloaded, search results) with facets, and an OpenSearch description; public or
personal. Written to what KOReader's strict parser reads: Atom as the default namespace, the
`opds:` prefix on facet attributes, an Atom media type on every feed link it follows.

A personal feed lives under `/opds/p/<token>` and every link in it keeps that prefix, so an
OPDS client (KOReader, Moon+ Reader) that was given the feed's URL downloads books already
filled with the reader's details. lxml escapes every text and attribute value. Namespaces
are declared on each document (`nsmap`), not through ElementTree's process-wide prefix registry,
which WeasyPrint rewrites when it loads (it maps "" elsewhere: feeds came out as `ns0:feed`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from lxml import etree as ET  # explicit nsmap: no global prefix registry to lose

from builder.editions import Edition
from builder.serve.catalog import Story
from builder.serve.listing import PAGE_SIZE, Results

ATOM = "http://www.w3.org/2005/Atom"
DC = "http://purl.org/dc/terms/"
OPDS = "http://opds-spec.org/2010/catalog"
NAVIGATION = "application/atom+xml;profile=opds-catalog;kind=navigation"
ACQUISITION = "application/atom+xml;profile=opds-catalog;kind=acquisition"
OPEN_ACCESS = "http://opds-spec.org/acquisition/open-access"
IMAGE = "http://opds-spec.org/image"
THUMBNAIL = "http://opds-spec.org/image/thumbnail"
SORT_NEW = "http://opds-spec.org/sort/new"
SORT_POPULAR = "http://opds-spec.org/sort/popular"
FACET = "http://opds-spec.org/facet"
OPENSEARCH = "http://a9.com/-/spec/opensearch/1.1/"
OPENSEARCH_TYPE = "application/opensearchdescription+xml"
THREAD = "http://purl.org/syndication/thread/1.0"
FACET_LABELS = {"fandom": "Fandom", "pairing": "Pairing", "rating": "Rating"}
"""Facet group names as readers see them (KOReader lists a filter menu per group)."""
SECTIONS = {
    "stories": ("All stories", "Every story, by title.", "subsection"),
    "new": ("Newest first", "Every story, the most recently updated first.", SORT_NEW),
    "popular": ("Most downloaded", "Every story, the most downloaded first.", SORT_POPULAR),
}
"""The root's entries: feed path -> (title, summary, rel)."""
NAMESPACE = uuid.UUID("0b6bd0e4-3c1f-4f57-9a43-5d3e8f0f6a21")
EPOCH = dt.datetime.fromtimestamp(0, dt.UTC)

NAMESPACES = {None: ATOM, "dc": DC, "opds": OPDS, "opensearch": OPENSEARCH, "thr": THREAD}
"""Declared once on the feed: Atom unprefixed and `opds:` as written (KOReader reads the
element names and the attribute `opds:facetGroup` literally)."""


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
    feed = ET.Element(f"{{{ATOM}}}feed", nsmap=NAMESPACES)
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
    """The root: links to the stories by title, newest and most downloaded first, and search."""
    feed = _feed(f"{prefix}/navigation", title, updated, prefix, NAVIGATION)
    _add(feed, f"{{{ATOM}}}link", rel="self", href=prefix, type=NAVIGATION)
    _search_link(feed, prefix)
    for path, (name, summary, rel) in SECTIONS.items():
        entry = _add(feed, f"{{{ATOM}}}entry")
        _add(entry, f"{{{ATOM}}}title", name)
        _add(entry, f"{{{ATOM}}}id", _urn(f"{prefix}/{path}"))
        _add(entry, f"{{{ATOM}}}updated", _time(updated))
        _add(entry, f"{{{ATOM}}}content", summary, type="text")
        _add(entry, f"{{{ATOM}}}link", rel=rel, href=f"{prefix}/{path}", type=ACQUISITION)
    return _bytes(feed)


def _search_link(feed: ET.Element, prefix: str) -> None:
    _add(
        feed,
        f"{{{ATOM}}}link",
        rel="search",
        href=f"{prefix}/opensearch.xml",
        type=OPENSEARCH_TYPE,
        title="Search the stories",
    )


def opensearch(base: str, prefix: str, title: str) -> bytes:
    """The OpenSearch description document: where a client sends a search. Its own default
    namespace and unprefixed names (KOReader looks up `OpenSearchDescription.Url` by name)."""
    root = ET.Element(f"{{{OPENSEARCH}}}OpenSearchDescription", nsmap={None: OPENSEARCH})
    _add(root, f"{{{OPENSEARCH}}}ShortName", title[:16])
    description = f"Search {title} by title, author, fandom, pairing, tag or summary"
    _add(root, f"{{{OPENSEARCH}}}Description", description)
    _add(root, f"{{{OPENSEARCH}}}InputEncoding", "UTF-8")
    _add(root, f"{{{OPENSEARCH}}}OutputEncoding", "UTF-8")
    _add(
        root,
        f"{{{OPENSEARCH}}}Url",
        type=ACQUISITION,
        template=f"{base}{prefix}/search?q={{searchTerms}}",
    )
    return _bytes(root)


@dataclass(frozen=True, slots=True)
class FeedPage:
    """One page of an acquisition feed and where its links go."""

    base: str
    """The site's absolute address (category schemes point at its catalog page)."""
    prefix: str
    """`/opds` or a personal `/opds/p/<token>`."""
    path: str
    """The feed under the prefix: `stories`, `new`, `popular` or `search`."""
    title: str
    """The feed's title."""
    results: Results
    """The stories on this page and the query that found them."""
    facets: Mapping[str, Sequence[tuple[str, int]]]
    """Facet group -> (value, stories), as the index has them."""

    def href(self, **changes: str | int) -> str:
        """This feed with the query changed (the sort belongs to the path, not the query)."""
        params = self.results.query.params(**changes)
        params.pop("sort", None)
        query = urlencode(params)
        return f"{self.prefix}/{self.path}" + (f"?{query}" if query else "")


def acquisition(page: FeedPage, editions: Sequence[Edition], values: Mapping[str, str]) -> bytes:
    """A page of a feed with one entry per story and a download link per edition, paging
    links, facets and OpenSearch counts; the downloads (and summaries) are filled with
    `values`."""
    results = page.results
    updated = max((story.updated for story in results.stories), default=EPOCH)
    feed = _feed(f"{page.prefix}/{page.path}", page.title, updated, page.prefix, ACQUISITION)
    current = results.query.page
    _add(feed, f"{{{ATOM}}}link", rel="self", href=page.href(page=current), type=ACQUISITION)
    _add(feed, f"{{{ATOM}}}link", rel="up", href=page.prefix, type=NAVIGATION)
    _search_link(feed, page.prefix)
    paging = {"first": 1, "previous": current - 1, "next": current + 1, "last": results.pages}
    for rel, number in paging.items():
        if 1 <= number <= results.pages and (rel in ("first", "last") or number != current):
            _add(feed, f"{{{ATOM}}}link", rel=rel, href=page.href(page=number), type=ACQUISITION)
    _add(feed, f"{{{OPENSEARCH}}}totalResults", str(results.total))
    _add(feed, f"{{{OPENSEARCH}}}itemsPerPage", str(PAGE_SIZE))
    _add(feed, f"{{{OPENSEARCH}}}startIndex", str(results.first_index))
    for group, options in page.facets.items():
        chosen = getattr(results.query, group)
        label = FACET_LABELS[group]
        _facet(feed, page.href(**{group: ""}), f"Any {group}", label, not chosen, None)
        for value, count in options:
            _facet(feed, page.href(**{group: value}), value, label, chosen == value, count)
    for story in results.stories:
        _entry(feed, page.base, page.prefix, story, editions, values)
    return _bytes(feed)


def _facet(
    feed: ET.Element, href: str, title: str, group: str, active: bool, count: int | None
) -> None:
    attributes = {"rel": FACET, "href": href, "type": ACQUISITION, "title": title}
    attributes[f"{{{OPDS}}}facetGroup"] = group
    if active:
        attributes[f"{{{OPDS}}}activeFacet"] = "true"
    if count is not None:
        attributes[f"{{{THREAD}}}count"] = str(count)
    ET.SubElement(feed, f"{{{ATOM}}}link", attributes)


def _entry(
    feed: ET.Element,
    base: str,
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
    if story.series_line:
        details.append(story.series_line)
    _add(entry, f"{{{ATOM}}}content", ". ".join(details) + ".", type="text")
    # Schemes are the site's own catalog page filtered by the field (a reader that follows one
    # finds the stories sharing the term); labels are what OPDS readers show.
    categories = [
        (f"{base}/?fandom=", meta.fandom, meta.fandom),
        (f"{base}/?pairing=", meta.pairing, meta.pairing),
        (f"{base}/?rating=", meta.rating, meta.rating and f"Rated {meta.rating}"),
        *((f"{base}/?q=", w, f"Warning: {w}") for w in meta.warnings),
        *((f"{base}/?q=", tag, tag) for tag in meta.tags),
    ]
    for scheme, term, label in categories:
        if term and label:
            _add(entry, f"{{{ATOM}}}category", term=term, label=label, scheme=scheme)
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

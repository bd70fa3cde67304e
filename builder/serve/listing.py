"""Finding a story: search, filters, sorting and pages over the catalog, for the catalog page
and the OPDS feeds alike.

The index (search text, sort orders, facet values) is built once per catalog change (the
catalog's `generation`), never per request: a request filters 300 prepared entries with
substring tests and slices one page. Search text uses the stories' defaults (`Y/N` stays
`Y/N`), so every reader finds the same stories; the page shows them with the reader's values.
"""

from __future__ import annotations

import dataclasses
import math
import re
import threading
import time
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from builder.serve.catalog import Catalog, Story

PAGE_SIZE = 25
WORDS_PER_MINUTE = 250
"""Adult silent reading of fiction, the usual figure for "reading time" (Brysbaert 2019: 238)."""
MAX_QUERY = 200
"""A longer search is cut: no title or tag is that long, and matching stays cheap."""
SORTS = {"title": "Title", "new": "Newest", "length": "Longest", "popular": "Most downloaded"}
STATUSES = {"complete": "Complete", "in-progress": "In progress"}
LENGTHS = {
    "under-1k": ("Under 1,000 words", 0, 1_000),
    "1k-5k": ("1,000 to 5,000 words", 1_000, 5_000),
    "5k-20k": ("5,000 to 20,000 words", 5_000, 20_000),
    "20k-50k": ("20,000 to 50,000 words", 20_000, 50_000),
    "over-50k": ("Over 50,000 words", 50_000, math.inf),
}
"""Word-count ranges (AO3's own steps): key -> (label, from, below)."""
DIGITS = re.compile(r"\d+")
RECHECK_SECONDS = 1.0
"""How stale the list may be: the folder is listed at most this often for searches."""
FACETS = ("fandom", "pairing", "rating")
"""The front-matter fields readers filter on by value (OPDS facet groups too)."""


def fold(text: str) -> str:
    """Text as search compares it: case and accents folded (`Zoë` finds `zoe`)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def status_of(value: str | None) -> str | None:
    """`complete`, `in-progress` or None (the front matter does not say) from `status:`."""
    if not value:
        return None
    folded = fold(value).replace("-", " ").replace("_", " ")
    if folded in ("complete", "completed", "finished"):
        return "complete"
    if "progress" in folded or folded in ("wip", "incomplete", "ongoing", "ongoing story"):
        return "in-progress"
    return None


def reading_time(words: int) -> str:
    """`about 12 min`, `about 2 h 5 min`: rounded the way a reader plans."""
    minutes = max(1, round(words / WORDS_PER_MINUTE))
    if minutes < 60:
        return f"about {minutes} min"
    hours, rest = divmod(minutes, 60)
    return f"about {hours} h {rest} min" if rest else f"about {hours} h"


@dataclass(frozen=True, slots=True)
class Entry:
    """One story as the index holds it."""

    story: Story
    """The story itself."""
    haystack: str
    """Title, author, fandom, pairing, characters, tags and summary, folded, for search."""
    title_key: str
    """The default title, folded: the title sort."""
    status: str | None
    """`complete`, `in-progress` or None."""
    values: Mapping[str, str | None]
    """The facet values by facet name (`fandom`, `pairing`, `rating`)."""


@dataclass(frozen=True, slots=True)
class Query:
    """What a reader asked for: from a catalog page's GET form or an OPDS link."""

    text: str = ""
    """Search words; every word must appear (in any field)."""
    fandom: str = ""
    """Only this fandom (exact value), or any."""
    pairing: str = ""
    """Only this pairing, or any."""
    rating: str = ""
    """Only this rating, or any."""
    status: str = ""
    """`complete`, `in-progress`, or any."""
    length: str = ""
    """A key of LENGTHS, or any."""
    sort: str = "title"
    """A key of SORTS."""
    page: int = 1
    """1-based page number (clamped to the last page)."""

    @classmethod
    def parse(cls, params: Mapping[str, str], sort: str = "title") -> Query:
        """The query in `params`; unknown values are ignored (a stale link still shows
        stories), never an error."""
        chosen = params.get("sort", sort)
        try:
            page = int(params.get("page", "1"))
        except ValueError:
            page = 1
        return cls(
            text=" ".join(params.get("q", "").split())[:MAX_QUERY],
            fandom=params.get("fandom", "")[:MAX_QUERY],
            pairing=params.get("pairing", "")[:MAX_QUERY],
            rating=params.get("rating", "")[:MAX_QUERY],
            status=params.get("status", "") if params.get("status") in STATUSES else "",
            length=params.get("length", "") if params.get("length") in LENGTHS else "",
            sort=chosen if chosen in SORTS else sort,
            page=max(1, page),
        )

    @property
    def narrowed(self) -> bool:
        """Whether a search or filter leaves stories out (the sort and page do not)."""
        return any((self.text, self.fandom, self.pairing, self.rating, self.status, self.length))

    def params(self, **changes: str | int) -> dict[str, str]:
        """The query as link parameters (defaults left out), with `changes` applied; a change
        to anything but the page goes back to page 1."""
        current: dict[str, str | int] = {
            "q": self.text,
            "fandom": self.fandom,
            "pairing": self.pairing,
            "rating": self.rating,
            "status": self.status,
            "length": self.length,
            "sort": self.sort,
            "page": self.page,
        }
        if any(name != "page" for name in changes):
            current["page"] = 1
        current.update(changes)
        return {
            name: str(value)
            for name, value in current.items()
            if value not in ("", 1) or (name == "page" and value != 1)
        }

    def matches(self, entry: Entry, words: Sequence[str]) -> bool:
        """Whether `entry` passes the filters and contains every one of `words` (the search
        text, folded once per request by the caller)."""
        values = entry.values
        if self.fandom and values["fandom"] != self.fandom:
            return False
        if self.pairing and values["pairing"] != self.pairing:
            return False
        if self.rating and values["rating"] != self.rating:
            return False
        if self.status and entry.status != self.status:
            return False
        if self.length:
            _, low, high = LENGTHS[self.length]
            if not low <= entry.story.words < high:
                return False
        return all(word in entry.haystack for word in words)


@dataclass(frozen=True, slots=True)
class Results:
    """One page of the stories a query found."""

    query: Query
    """The query, its page clamped to the pages there are."""
    stories: tuple[Story, ...]
    """This page's stories, in the query's order."""
    total: int
    """How many stories match in all."""
    pages: int
    """How many pages there are (at least 1)."""

    @property
    def first_index(self) -> int:
        """The 1-based position of this page's first story (OpenSearch's startIndex)."""
        return (self.query.page - 1) * PAGE_SIZE + 1


@dataclass(slots=True)
class Index:
    """The prepared entries of one catalog generation."""

    generation: int
    """The catalog generation it was built from."""
    orders: dict[str, tuple[Entry, ...]]
    """The entries in each order of SORTS except `popular` (which changes with downloads)."""
    facets: dict[str, tuple[tuple[str, int], ...]] = field(default_factory=dict)
    """Facet name -> (value, number of stories), values sorted."""

    @classmethod
    def build(cls, generation: int, stories: Sequence[Story]) -> Index:
        entries = [_entry(story) for story in stories]
        by_title = sorted(entries, key=lambda e: (e.title_key, e.story.slug))
        orders = {
            "title": tuple(by_title),
            "new": tuple(sorted(by_title, key=lambda e: e.story.updated, reverse=True)),
            "length": tuple(sorted(by_title, key=lambda e: e.story.words, reverse=True)),
        }
        facets = {}
        for name in FACETS:
            counts = Counter(value for e in entries if (value := e.values[name]))
            facets[name] = tuple(sorted(counts.items(), key=lambda item: fold(item[0])))
        return cls(generation, orders, facets)

    def search(self, query: Query, downloads: Mapping[str, int]) -> Results:
        if query.sort == "popular":
            # Stable over the title order: untouched stories stay alphabetical.
            ordered: Sequence[Entry] = sorted(
                self.orders["title"], key=lambda e: downloads.get(e.story.slug, 0), reverse=True
            )
        else:
            ordered = self.orders[query.sort]
        words = fold(query.text).split()
        found = [entry.story for entry in ordered if query.matches(entry, words)]
        pages = max(1, math.ceil(len(found) / PAGE_SIZE))
        page = min(query.page, pages)
        start = (page - 1) * PAGE_SIZE
        clamped = dataclasses.replace(query, page=page)
        return Results(clamped, tuple(found[start : start + PAGE_SIZE]), len(found), pages)


def _entry(story: Story) -> Entry:
    meta = story.meta
    title, summary = story.texts({})
    parts = [title, meta.author, meta.fandom, meta.pairing, summary, *meta.characters, *meta.tags]
    return Entry(
        story=story,
        haystack=fold("\n".join(part for part in parts if part)),
        title_key=_natural(fold(title)),
        status=status_of(story.status),
        values={"fandom": meta.fandom, "pairing": meta.pairing, "rating": meta.rating},
    )


def _natural(text: str) -> str:
    """A sort key that puts `Part 2` before `Part 10` (digit runs padded)."""
    return DIGITS.sub(lambda match: match.group().zfill(12), text)


class Finder:
    """The index of a catalog, rebuilt when the catalog changes, and download counts (kept in
    this process's memory: see docs/serve.md on several workers)."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.downloads: Counter[str] = Counter()
        self.counted = 0
        """Downloads counted so far: what a cached "popular" feed compares."""
        self._index = Index(-1, {})
        self._checked = -math.inf
        self._lock = threading.Lock()

    def index(self) -> Index:
        """The current index (call in a thread: it may list the folder). The folder is looked
        at most once a second: listing 300 files costs more than the search itself, and a
        changed story shows up in the list within that second (its own page checks at once)."""
        with self._lock:
            if time.monotonic() - self._checked >= RECHECK_SECONDS:
                stories = self.catalog.stories()
                generation = self.catalog.generation
                if self._index.generation != generation:
                    self._index = Index.build(generation, stories)
                self._checked = time.monotonic()
            return self._index

    def current(self) -> Index:
        """The index as the last index() left it, without looking at the folder."""
        return self._index

    def search(self, query: Query) -> Results:
        return self.index().search(query, self.downloads)

    def downloaded(self, story: Story) -> None:
        """Count one download of `story` (for the "popular" order); a brought story, which
        the catalog does not hold, is not counted (its slug would grow the counts unbounded)."""
        if self.catalog.holds(story):
            self.downloads[story.slug] += 1
            self.counted += 1

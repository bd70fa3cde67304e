"""`ficpress import URL`: a story fetched from where it lives, politely.

The address's host chooses the site (`sites.py`: AO3, Tumblr, Wattpad, Quotev; FICPRESS_SITES
redirects a site to a mirror). The site's adapter fetches its pages through one polite, caching
client (`client.py`) and says which pages hold stories. Each such page becomes a manuscript through
the file importer's own path (`html.read`, then `write_story`), so a fetched page gives the
manuscript its saved copy would, plus what only the web knows (every chapter, the canonical
address, the series). A series or a masterlist gives one manuscript per story, and a collection
file beside them (`collection.yaml`) that `ficpress build` makes one book of.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from builder.editions import write_atomic
from builder.errors import FetchError, FicpressError, OutputError
from builder.importers import html
from builder.importers.draft import Draft, finish
from builder.importers.web import ao3, quotev, tumblr, wattpad
from builder.importers.web.client import Client, FetchOptions
from builder.importers.web.sites import Registry, Site, Skipped, Story
from builder.importers.writing import ImportResult, slug, write_story

__all__ = [
    "COLLECTION_FILE",
    "FetchOptions",
    "collection_source",
    "fetch_draft",
    "import_address",
]

SITES = (ao3.SITE, tumblr.SITE, wattpad.SITE, quotev.SITE)
"""The supported sites; another is one more module and one more entry."""


def import_address(
    address: str,
    out_dir: Path,
    *,
    title: str | None = None,
    author: str | None = None,
    force: bool = False,
    options: FetchOptions | None = None,
    registry: Registry | None = None,
    collection_folder: bool = False,
) -> ImportResult:
    """Fetch the story (or the series or masterlist of stories) at `address` into `out_dir`.

    One manuscript per story; `title` applies only when the address is a single story. A
    list's item that cannot be imported is reported and skipped; the import fails only when
    none could be. `registry`: the sites and where their requests go (default: SITES as
    FICPRESS_SITES redirects them; the download site passes one that also checks addresses).
    With `collection_folder`, a series' or masterlist's manuscripts and collection file go into
    a folder of their own in `out_dir`, named after its title (`ficpress build URL` imports
    into `manuscripts/`, where several collections each keep theirs)."""
    registry = registry or Registry.from_environment(SITES)
    site = _site(registry, address)
    results: list[ImportResult] = []
    failures: list[FicpressError] = []
    report: list[str] = []
    with Client(options or FetchOptions(), registry) as client:
        listing = site.read(client, address)
        if listing.collection is not None and collection_folder:
            out_dir = out_dir / (slug(str(listing.collection.get("title", ""))) or "collection")
        collection_file = out_dir / COLLECTION_FILE
        if listing.collection is not None and collection_file.exists() and not force:
            raise OutputError("already exists; add --force to replace it", path=collection_file)
        if listing.heading:
            report.append(listing.heading)
        if title and not listing.single:
            report.append("--title not used: this address holds several stories")
        for item in listing.items:
            try:
                if isinstance(item, Skipped):
                    raise item.error
                result = _write(
                    item,
                    out_dir,
                    title=title if listing.single else None,
                    author=author,
                    force=force,
                    taken=frozenset(done.path for done in results),
                )
            except FicpressError as error:
                if listing.single:
                    raise
                failures.append(error)
                report.append(f"skipped: {error}")
                continue
            results.append(result)
            report.extend(result.report)
    if not results:
        raise failures[0] if failures else FetchError("holds no story", path=address)
    if listing.collection is not None:
        write_collection(collection_file, listing.collection, [done.path for done in results])
        report.append(
            f"wrote {collection_file}: build it as one book with 'ficpress build {collection_file}'"
        )
    if not listing.single:
        report.append(f"{len(results)} manuscript(s) written, {len(failures)} skipped")
    first = results[0]
    return ImportResult(
        first.path,
        tuple(report),
        first.manuscript,
        more=tuple(results[1:]),
        collection=collection_file if listing.collection is not None else None,
    )


COLLECTION_FILE = "collection.yaml"


def _site(registry: Registry, address: str) -> Site:
    """The site `address` is on; an error listing the supported ones if none."""
    site = registry.site_for(address)
    if site is None:
        raise FetchError(
            f"is not on a site ficpress fetches from ({registry.names()})", path=address
        )
    return site


def write_collection(path: Path, fields: dict[str, Any], stories: list[Path]) -> None:
    """The collection file of a list's manuscripts (builder.anthology reads it): its `fields`
    and the stories in the list's order, by name (they are beside it)."""
    content = {
        **{name: value for name, value in fields.items() if value},
        "stories": [story.name for story in stories],
    }
    text = yaml.safe_dump(content, allow_unicode=True, sort_keys=False, width=100)
    write_atomic(path, text.encode("utf-8"))


def _write(
    story: Story,
    out_dir: Path,
    *,
    title: str | None,
    author: str | None,
    force: bool,
    taken: frozenset[Path],
) -> ImportResult:
    """One fetched story as a manuscript, through the file importer's path."""
    page = story.page
    return write_story(
        draft_of(story),
        page.decoded,
        page.url,
        out_dir,
        title=title,
        author=author,
        force=force,
        taken=taken,
        remember_chapters=True,
    )


def draft_of(story: Story) -> Draft:
    """The draft of a fetched story: its page read as a saved page, plus what the web adds."""
    page = story.page
    draft = html.read(page.decoded.text, page.url)
    if story.kind:
        draft.kind = story.kind
    draft.meta.update(story.fields)
    for name, value in story.fallbacks.items():
        if not draft.meta.get(name):
            draft.meta[name] = value
    draft.notes[:0] = story.notes
    return draft


def collection_source(address: str, options: FetchOptions | None = None) -> str | None:
    """The `source` the collection file of the series or masterlist at `address` records
    (None: the address is one story). Only the list's own page is fetched (cached)."""
    registry = Registry.from_environment(SITES)
    site = _site(registry, address)
    with Client(options or FetchOptions(), registry) as client:
        collection = site.read(client, address).collection
    return str(collection.get("source") or address) if collection is not None else None


def fetch_draft(address: str, options: FetchOptions | None = None) -> Draft:
    """The finished draft of the one story at `address`, fetched again (`ficpress update`)."""
    registry = Registry.from_environment(SITES)
    site = _site(registry, address)
    with Client(options or FetchOptions(), registry) as client:
        listing = site.read(client, address)
        if not listing.single:
            raise FetchError("holds several stories; update each story's manuscript", path=address)
        item = next(listing.items, None)
        if item is None:
            raise FetchError("holds no story", path=address)
        if isinstance(item, Skipped):
            raise item.error
        return finish(draft_of(item), fallback_title=None)

"""`ficpress update COLLECTION.yaml`: a series or masterlist imported as a collection, fetched
again: its stories gain their new chapters, and its new works join the folder and the list.

The collection file remembers the list's address (`source:`, written by the import). An update
fetches that page and every work it lists (through the same path as the import, and the
polite, caching client), then:

- each listed manuscript whose `source:` is a work of the list is updated as `ficpress update`
  updates one manuscript (`update.merge`); one without a web `source:` is left and said so;
- a work of the list that no manuscript comes from is written beside the others as the import
  would, and its file name appended to the collection's `stories:`, in the list's order. The
  collection file is edited, not dumped again: the new names are inserted after the last
  entry, so the user's title, comments and order stay as they are;
- a manuscript whose work the list no longer shows is reported and left in place.

Everything is fetched and every updated manuscript checked (as `build` reads it) before
anything is written; the files are replaced atomically, the collection file last.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from builder import anthology
from builder.editions import write_atomic
from builder.errors import FetchError, FicpressError, OutputError, UsageError
from builder.importers import is_address, web
from builder.importers import update as updating
from builder.importers.draft import Draft, finish
from builder.importers.web.client import Client
from builder.importers.web.sites import Registry, Skipped, Story
from builder.importers.writing import write_story


@dataclass(slots=True)
class CollectionUpdate:
    """What an update of a collection found and did."""

    path: Path
    """The collection file."""
    report: list[str] = field(default_factory=list)
    """One line per thing found or done, for the user (a story's lines start with its path)."""
    changed: bool = False
    """A manuscript or the collection file was written (the book needs building again)."""
    failures: list[FicpressError] = field(default_factory=list)
    """Stories that could not be updated or written (for the user too, as errors); the others
    were."""


@dataclass(frozen=True, slots=True)
class _Fetched:
    """One work of the list, fetched."""

    address: str
    """Its `source:` as the import writes it."""
    story: Story
    draft: Draft
    """Its draft cleaned up as the import writes it (what an update compares)."""


def update_collection(path: Path, options: web.FetchOptions | None = None) -> CollectionUpdate:
    """Fetch the series or masterlist the collection file at `path` was imported from; update
    its stories and add its new ones (see the module's docstring)."""
    collection = anthology.read(path)
    address = collection.source or ""
    if not is_address(address):
        raise UsageError(
            "does not say which series or masterlist it was imported from ('source:' with "
            "its web address); add it, or update each story's manuscript",
            path=path,
        )
    text = path.read_text(encoding="utf-8")
    _appended(text, ["new.md"], path)  # fails before any write
    result = CollectionUpdate(path)
    fetched, skipped = _fetch(address, options, result.report)
    by_address = {_key(work.address): work for work in fetched}
    skipped_by_address = {_key(item.address): item for item in skipped}
    known: set[str] = set()
    writes: list[tuple[Path, str]] = []
    for story in collection.stories:
        try:
            story_address = updating.source_of(story)
        except FicpressError as error:
            result.report.append(f"{story}: not updated: {error.message}")
            continue
        known.add(_key(story_address))
        work = by_address.get(_key(story_address))
        missed = skipped_by_address.get(_key(story_address))
        if missed is not None:
            result.report.append(f"{story}: could not be fetched ({missed.error}); left as it is")
            continue
        try:
            if work is not None:
                merged, content = updating.merge(story, story_address, work.draft)
            else:
                # Taken out of the list upstream (or added by the user from elsewhere): its
                # own address may still hold it.
                result.report.append(f"{story}: no longer listed at {address}; left in place")
                merged, content = _on_its_own(story, story_address, options, result.report)
        except FicpressError as error:
            result.failures.append(error)
            continue
        result.report.extend(f"{story}: {line}" for line in merged.report)
        if content is not None:
            writes.append((story, content))
    known |= _taken_out(collection, set(by_address) - known, result.report)
    for story, content in writes:
        write_atomic(story, content.encode("utf-8"))
        result.changed = True
    _add_new(
        collection, text, [work for work in fetched if _key(work.address) not in known], result
    )
    return result


def _taken_out(collection: anthology.Collection, unlisted: set[str], report: list[str]) -> set[str]:
    """Which of the `unlisted` works (keyed) a manuscript in the folder comes from that is not
    in `stories:`: the user took it out of the book, so it is not added back."""
    listed = {story.resolve() for story in collection.stories}
    found: set[str] = set()
    for other in sorted(collection.path.parent.glob("*.md")):
        if other.resolve() in listed:
            continue
        try:
            address = _key(updating.source_of(other))
        except FicpressError:
            continue  # not a story imported from a link
        if address in unlisted and address not in found:
            found.add(address)
            report.append(f"{other}: in the folder but not in 'stories:'; left out")
    return found


def _on_its_own(
    story: Path, address: str, options: web.FetchOptions | None, report: list[str]
) -> tuple[updating.UpdateResult, str | None]:
    """A listed story the list no longer shows, updated from its own address; a work gone
    upstream altogether is reported and left (no failure: that is what happens to works)."""
    try:
        fetched = web.fetch_draft(address, options)
    except FetchError as error:
        report.append(f"{story}: {error}; left as it is")
        return updating.UpdateResult(story, 0, 0, ()), None
    return updating.merge(story, address, fetched)


def _fetch(
    address: str, options: web.FetchOptions | None, report: list[str]
) -> tuple[list[_Fetched], list[Skipped]]:
    """Every work the list at `address` shows, fetched, in its order; and the ones that could
    not be (each reported)."""
    registry = Registry.from_environment(web.SITES)
    site = registry.site_for(address)
    if site is None:
        raise FetchError(
            f"is not on a site ficpress fetches from ({registry.names()})", path=address
        )
    fetched: list[_Fetched] = []
    skipped: list[Skipped] = []
    with Client(options or web.FetchOptions(), registry) as client:
        listing = site.read(client, address)
        if listing.single:
            raise FetchError(
                "is one story, not a series or masterlist; update its manuscript", path=address
            )
        if listing.heading:
            report.append(listing.heading)
        for item in listing.items:
            if isinstance(item, Skipped):
                skipped.append(item)
                report.append(f"skipped: {item.error}")
                continue
            draft = _finished(item)
            fetched.append(_Fetched(str(draft.meta.get("source") or item.page.url), item, draft))
    return fetched, skipped


def _finished(story: Story) -> Draft:
    """The story's draft, cleaned up as the import writes it."""
    return finish(web.draft_of(story), fallback_title=None)


def _key(address: str) -> str:
    """An address compared loosely: `https://…/works/5001/` is `http://…/works/5001`."""
    return re.sub(r"(?i)^https?://", "", address).rstrip("/").lower()


def _add_new(
    collection: anthology.Collection, text: str, works: list[_Fetched], result: CollectionUpdate
) -> None:
    """Write the list's new works beside the collection file (whose `text` it is) and append
    them to its stories."""
    folder = collection.path.parent
    if not works:
        result.report.append("no new stories")
        return
    taken = frozenset(folder.glob("*.md"))  # a name in use gets a number, never replaced
    written: list[Path] = []
    words = 0
    for work in works:
        try:
            done = write_story(
                web.draft_of(work.story),
                work.story.page.decoded,
                work.story.page.url,
                folder,
                taken=taken | frozenset(written),
                remember_chapters=True,
            )
        except FicpressError as error:
            result.failures.append(error)
            continue
        written.append(done.path)
        story_words = updating.count_words(work.draft.blocks)
        words += story_words
        result.report.append(f"{done.path}: new at the source ({story_words:,} words); written")
    if not written:
        return
    names = [path.name for path in written]
    write_atomic(collection.path, _appended(text, names, collection.path).encode("utf-8"))
    result.changed = True
    count = len(written)
    result.report.append(f"{count} new stor{'ies' if count != 1 else 'y'} ({words:,} words)")


def _appended(text: str, names: list[str], path: Path) -> str:
    """The collection file's `text` with `names` added at the end of its `stories:` list, as
    a person would add them: one line each after the last entry (or inside `[...]`)."""
    root = yaml.compose(text)
    stories = next(
        (
            value
            for key, value in getattr(root, "value", [])
            if isinstance(key, yaml.ScalarNode) and key.value == "stories"
        ),
        None,
    )
    if not isinstance(stories, yaml.SequenceNode) or not stories.value:
        raise OutputError("has no 'stories:' list to add the new stories to", path=path)
    last = stories.value[-1]
    if stories.flow_style:
        close = stories.end_mark.index - 1  # the `]`
        new = text[:close].rstrip() + "".join(f", {name}" for name in names) + text[close:]
    else:
        first_line = text.splitlines()[stories.value[0].start_mark.line]
        found = re.match(r"\s*-\s+", first_line)
        prefix = found.group(0) if found else "- "
        end = text.find("\n", last.end_mark.index)
        end = len(text) if end < 0 else end
        new = text[:end] + "".join(f"\n{prefix}{name}" for name in names) + text[end:]
    expected = [node.value for node in stories.value] + names
    read_back = yaml.safe_load(new)
    if not isinstance(read_back, dict) or read_back.get("stories") != expected:
        raise OutputError(
            "could not add the new stories to its 'stories:' list; add them by hand: "
            + ", ".join(names),
            path=path,
        )
    return new

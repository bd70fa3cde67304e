"""The stories on offer: a folder of manuscripts, each compiled once and kept while unchanged.

A folder in it that holds a `collection.yaml` (what `ficpress import` writes for an AO3 series
or a Tumblr masterlist) is ONE book: its stories compiled by `anthology.compile`, as `ficpress
build collection.yaml` makes it; its own stories are not listed apart.

A request costs one `stat` of the story's file (a collection: of its file and its stories');
only a file whose modification time, size or inode changed is read and compiled again (through
`pipeline.compile`, which also caches by content). A manuscript that stops compiling keeps its
last good version on the site, and the problem is logged once; one that never compiled is
listed as unavailable (its error goes to the log only, for the site's owner).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import os
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from builder import anthology, pipeline
from builder.editions import epub
from builder.errors import FicpressError
from builder.fill import fill_text
from builder.model import EditionTemplate, Meta, Paragraph, Profile, Slot, Text
from builder.profile import resolve
from builder.stages.manuscript import FENCE

log = logging.getLogger("ficpress.serve")

SUFFIX = ".md"
COLLECTION_FILE = "collection.yaml"
"""The file that makes a folder of the catalog one book (the name `ficpress import` writes)."""
WORD = re.compile(r"\w+(?:[’'-]\w+)*")
RESCAN_INTERVAL = 1.0
"""Seconds between folder listings caused by unknown slugs (a flood of 404s stays cheap)."""

KEEPING = "; the last good version stays online"
Stamp = tuple[int, ...]
"""(mtime_ns, size, inode) of a file, one after the other for a collection and its stories:
what tells us a file changed without reading it."""
MISSING = (-1, -1, -1)
"""A collection's story that is not there (yet): its appearing is a change too."""


@dataclass(frozen=True, slots=True)
class Field:
    """One question on a story's form: a placeholder the story uses."""

    code: str
    """The canonical code, e.g. `Y/N`; also the form field's name."""
    label: str
    """What the reader is asked for (the built-in table or the story's legend); the code
    itself for a code the story does not declare."""
    default: str | None
    """The story's default, shown as a hint and used when the field is left empty."""
    count: int
    """How often the story uses it."""
    declared: bool = True
    """False for a code found in the text only: the form can say no more than its code."""


@dataclass(frozen=True, slots=True)
class Story:
    """One manuscript as the site shows it."""

    slug: str
    """The URL name and file stem of every edition (from the file name, never reader input)."""
    path: Path
    """The manuscript file."""
    template: EditionTemplate
    """The compiled story (what `pipeline.personalise` fills)."""
    words: int
    """Words in the story's text (a placeholder counts as one)."""
    fields: tuple[Field, ...]
    """The placeholders the story uses, in order of first use."""
    updated: dt.datetime
    """The edition date (UTC): what OPDS calls `updated`."""
    stamp: Stamp
    """The file's stamp when it was compiled."""
    status: str | None = None
    """The front matter's `status:` (`complete`, `in progress`), which the catalog filters on;
    None when it does not say."""
    sources: tuple[Path, ...] = ()
    """A collection's stories: files whose stamps are part of `stamp` (`path` is the
    collection file)."""

    @property
    def meta(self) -> Meta:
        return self.template.manuscript.meta

    @property
    def series_line(self) -> str | None:
        """`Series: Night Shift, part 2` for the story page and its OPDS entry (the site's own
        words are English, as its pages are); None when it is in no series."""
        if self.meta.series is None:
            return None
        name, place = self.meta.series
        return f"Series: {name}, part {place}" if place else f"Series: {name}"

    def texts(self, values: Mapping[str, str]) -> tuple[str, str | None]:
        """The title and summary as plain text, with the reader's values (or the defaults)."""
        template = self.template
        profile = profile_for(template, values)
        title = fill_text(template, template.title, profile)
        summary = template.description and fill_text(template, template.description, profile)
        return title, summary


def profile_for(template: EditionTemplate, values: Mapping[str, str]) -> Profile:
    """The reader's profile from the site's form or token values (checked), over the story's
    defaults."""
    return resolve(template.codes, form=values)


def word_count(template: EditionTemplate) -> int:
    words = 0
    for chapter in template.manuscript.chapters:
        for scene in chapter.scenes:
            for paragraph in scene.paragraphs:
                words += _words(paragraph)
    return words


def _words(paragraph: Paragraph) -> int:
    text = " ".join(t.text if isinstance(t, Text) else "" for t in paragraph.inlines)
    slots = sum(1 for t in paragraph.inlines if isinstance(t, Slot))
    return len(WORD.findall(text)) + slots


def _stamp(path: Path) -> Stamp | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return (info.st_mtime_ns, info.st_size, info.st_ino)


def _stamps(path: Path, sources: tuple[Path, ...]) -> Stamp | None:
    """The stamp of a story's file and of a collection's stories (None: the file is gone)."""
    own = _stamp(path)
    if own is None:
        return None
    return own + tuple(part for source in sources for part in _stamp(source) or MISSING)


def _listing(folder: Path) -> list[str]:
    """The books in `folder`, by name in it: each manuscript, and each folder's collection
    file (hidden names left out)."""
    names = []
    for entry in os.scandir(folder):
        if entry.name.startswith("."):
            continue
        if entry.name.endswith(SUFFIX):
            names.append(entry.name)
        elif entry.is_dir() and os.path.isfile(os.path.join(entry.path, COLLECTION_FILE)):
            names.append(os.path.join(entry.name, COLLECTION_FILE))
    return sorted(names)


def _listed_stories(path: Path) -> tuple[Path, ...]:
    """The stories a collection file lists, as far as it can be read (a mistake in it is
    load()'s to report)."""
    try:
        fields = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return ()
    stories = fields.get("stories") if isinstance(fields, dict) else None
    if not isinstance(stories, list):
        return ()
    return tuple(path.parent / name.strip() for name in stories if isinstance(name, str))


class Catalog:
    """The stories in one folder, by slug. Thread-safe: compiling holds a lock."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._stories: dict[str, Story] = {}
        self._failed: dict[Path, Stamp] = {}
        self._unavailable: list[str] = []
        self._lock = threading.Lock()
        self._listed = -math.inf
        self.generation = 0
        """Goes up each time the set of stories or any of them changes: what derived indexes
        (the search index) compare to know they are stale."""

    def stories(self) -> list[Story]:
        """Every story, by title; new, changed and removed files are picked up."""
        self._scan()
        return sorted(self._stories.values(), key=lambda s: (s.template.title.lower(), s.slug))

    def unavailable(self) -> list[str]:
        """The file names of manuscripts that do not compile and have no good version to show
        (what readers see of them: the error itself is only in the log), as of the last
        stories()."""
        return list(self._unavailable)

    def holds(self, story: Story) -> bool:
        """Whether `story` is this catalog's (not a brought story that happens to share a
        slug): no file is looked at."""
        return self._stories.get(story.slug) is story

    def fresh(self, slug: str) -> Story | None:
        """The story called `slug` if it is known and its file unchanged (one `stat`, no lock:
        cheap enough for the event loop); None means: ask get() in a thread."""
        story = self._stories.get(slug)
        fresh = story is not None and _stamps(story.path, story.sources) == story.stamp
        return story if fresh else None

    def get(self, slug: str) -> Story | None:
        """The story called `slug`, recompiled if its file changed; None if there is none."""
        story = self._stories.get(slug)
        if story is None:
            self._scan(throttle=True)
            return self._stories.get(slug)
        if _stamps(story.path, story.sources) == story.stamp:
            return story
        self._scan()
        return self._stories.get(slug)

    def _scan(self, throttle: bool = False) -> None:
        with self._lock:
            # Checked under the lock: a request that waited for another's scan uses its result.
            if throttle and time.monotonic() - self._listed < RESCAN_INTERVAL:
                return
            try:
                names = _listing(self.folder)
            except OSError as error:
                log.error("%s: cannot list manuscripts: %s", self.folder, error.strerror)
                return
            by_path = {story.path: story for story in self._stories.values()}
            found: dict[str, Story] = {}
            unavailable = []
            for name in names:
                path = self.folder / name
                story = self._current(path, by_path.get(path))
                if story is None:
                    if path in self._failed:
                        unavailable.append(name)
                    continue
                if story.slug in found:
                    log.warning("%s: skipped, its URL name %r is taken", path, story.slug)
                    continue
                found[story.slug] = story
            old = self._stories
            if found.keys() != old.keys() or any(old[s] is not found[s] for s in found):
                self.generation += 1
            self._stories = found
            self._unavailable = unavailable
            self._listed = time.monotonic()

    def _current(self, path: Path, known: Story | None) -> Story | None:
        sources: tuple[Path, ...] = ()
        if path.name == COLLECTION_FILE:
            # The stories a known collection was made of, while its file is unchanged.
            unchanged = known is not None and known.stamp[:3] == _stamp(path)
            sources = known.sources if known is not None and unchanged else _listed_stories(path)
        stamp = _stamps(path, sources)
        if stamp is None:
            self._failed.pop(path, None)
            if known is not None:
                log.info("%s: gone, taken off the catalog", path)
            return None
        if known is not None and known.stamp == stamp:
            return known
        if self._failed.get(path) == stamp:
            return known
        try:
            story = load(path, stamp)
        except FicpressError as error:
            # Keep serving the last good version while the author fixes the file.
            self._failed[path] = stamp
            log.error("%s%s", error, KEEPING if known else "")
            return known
        except Exception:
            # A bug, not the author's mistake: still only this story is unavailable.
            self._failed[path] = stamp
            log.exception("%s: cannot compile%s", path, KEEPING if known else "")
            return known
        self._failed.pop(path, None)
        log.info("%s: compiled (%d words)", path, story.words)
        return story


def load(path: Path, stamp: Stamp, disk: bool = True) -> Story:
    """Compile the manuscript at `path` and make its EPUB package, so the first reader's
    download costs little more than every later one does (`disk`: the compiled story may be
    kept in the user's cache folder). The cover is drawn at the first download, not here: a
    catalog of 300 stories would otherwise start by drawing 300 covers (10 s). A collection
    file is compiled as the one book its stories make."""
    sources: tuple[Path, ...] = ()
    if path.name == COLLECTION_FILE:
        collection = anthology.read(path)
        compiled = anthology.compile(collection)
        for warning in compiled.warnings:
            log.warning("%s: %s", path, warning)
        template, sources = compiled.template, collection.stories
    else:
        template = pipeline.compile(path, disk=disk)
    epub.packed_package(template)
    fields = tuple(
        Field(code, label, default, count)
        if code in template.codes
        else Field(code, code, default, count, declared=False)
        for code, label, count, default in pipeline.usage(template)
    )
    updated = dt.datetime.fromtimestamp(template.manuscript.modified, dt.UTC)
    words = word_count(template)
    status = _status(path) if not sources else None
    return Story(template.slug, path, template, words, fields, updated, stamp, status, sources)


def _status(path: Path) -> str | None:
    """`status:` from the front matter (already validated by compile(); the compiled Meta does
    not keep it, as the book does not use it)."""
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == FENCE)
        fields = yaml.safe_load("\n".join(lines[1:end]))
    except (OSError, UnicodeDecodeError, StopIteration, yaml.YAMLError):
        return None
    value = fields.get("status") if isinstance(fields, dict) else None
    return value.strip() or None if isinstance(value, str) else None

"""The plain data between the pipeline's stages: frozen dataclasses, no I/O. Inline content is a
flat token stream (as in markdown-it): text, emphasis open/close markers and placeholder slots,
so that rendering and typography can walk it without recursion."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Text:
    """A run of the author's characters."""

    text: str
    """The characters as they will be printed (after the typography stage: curly quotes etc.)."""
    line: int
    """1-based source line where the run starts."""
    column: int
    """1-based source column where the run starts."""


@dataclass(frozen=True, slots=True)
class Markup:
    """Where emphasis (`*x*`) or strong emphasis (`**x**`) opens or closes."""

    tag: Literal["em", "strong"]
    """The HTML element the markup becomes."""
    opening: bool
    """True for the opening marker, False for the closing one."""


@dataclass(frozen=True, slots=True)
class Slot:
    """A reader placeholder (`Y/N`, `(E/C)`, ...) waiting for the reader's value."""

    code: str
    """The canonical code, upper case with slashes: `Y/N`, `E/C`, `Y/L/N`."""
    written: str
    """Exactly what the author wrote, brackets included; printed when no value is given."""
    line: int
    """1-based source line of the code."""
    column: int
    """1-based source column of the code (of its opening bracket when wrapped)."""
    sentence_start: bool = False
    """The code starts a sentence or paragraph: a lower-case trait value gets a capital."""
    article: str | None = None
    """The article the author put right before the code (`a`, `an`, `A`, `An`), owned by the
    slot so that it can agree with the value; None when there is none."""
    before: str = ""
    """The printed character just before the slot (context for the value's typography)."""
    after: str = ""
    """The printed character just after the slot (context for the value's typography)."""
    variant: str = ""
    """What the compiler worked out for filling the slot: for a reader pronoun, e.g. a verb's
    plural (`walks` -> `walk`) or `is`/`has` behind `'s`; for a code, the inflection written
    after it (German `Y/Ns`, Russian `Y/N-у`: builder.stages.placeholders.inflect)."""


Inline = Text | Markup | Slot


@dataclass(frozen=True, slots=True)
class Paragraph:
    """One paragraph (or one heading, caption or metadata line) as inline tokens."""

    inlines: tuple[Inline, ...]
    """The content, in reading order."""
    line: int
    """1-based source line where the paragraph starts."""


@dataclass(frozen=True, slots=True)
class Scene:
    """The text between two scene breaks: its own section in every edition."""

    caption: Paragraph | None
    """The caption written after the break marker (`-- (6 months later)`), brackets removed."""
    paragraphs: tuple[Paragraph, ...]
    """The scene's paragraphs."""
    line: int
    """1-based source line where the scene starts (its break line, or its first paragraph)."""


@dataclass(frozen=True, slots=True)
class Chapter:
    """A `# Title` section of the story; a story without headings is one untitled chapter."""

    title: Paragraph | None
    """The heading's text; None for a story's only chapter or text before the first heading."""
    scenes: tuple[Scene, ...]
    """The chapter's scenes, at least one."""
    line: int
    """1-based source line of the heading (or of the chapter's first text)."""


@dataclass(frozen=True, slots=True)
class PlaceholderInfo:
    """One entry of a placeholder legend: the built-in table or a story's own."""

    code: str
    """The canonical code, e.g. `E/C`."""
    label: str
    """What a reader is asked for, e.g. `eye colour`."""
    is_name: bool
    """Names are printed exactly as typed; other values are capitalised at a sentence start."""
    default: str | None = None
    """The story's default value, used when the reader gives none."""


@dataclass(frozen=True, slots=True)
class Meta:
    """The validated front matter of a manuscript."""

    title: Paragraph
    """The story's title (may hold placeholders)."""
    author: str | None = None
    """Who wrote it."""
    language: str = "en"
    """BCP 47 language tag of the text."""
    direction: str = "ltr"
    """`rtl` or `ltr`: from `direction:` in the front matter, else from the language."""
    fandom: str | None = None
    """The canon the story belongs to."""
    pairing: str | None = None
    """The relationship, e.g. `Kylo Ren/Reader`."""
    characters: tuple[str, ...] = ()
    """Characters appearing."""
    rating: str | None = None
    """Audience rating as the author gave it."""
    warnings: tuple[str, ...] = ()
    """Content warnings."""
    tags: tuple[str, ...] = ()
    """Free-form tags."""
    summary: Paragraph | None = None
    """A short blurb (may hold placeholders)."""
    source: str | None = None
    """Where the story was first posted."""
    credits: tuple[str, ...] = ()
    """Credits lines, e.g. the blogs a post came from."""
    date: str | None = None
    """Publication date (ISO 8601) when the front matter gives one."""
    legend: tuple[PlaceholderInfo, ...] = ()
    """The story's own placeholder legend (`placeholders:`), added to the built-in table."""
    cover_image: bytes | None = field(default=None, repr=False)
    """The cover image named by `cover:` (JPEG or PNG bytes); None: a cover is generated."""
    cover_type: str | None = None
    """The cover image's media type, `image/jpeg` or `image/png`."""
    series: tuple[str, str] | None = None
    """The series (`series:`) and the story's place in it as written (`series_index:`, or "")."""
    reader_pronouns: str | None = None
    """How the story writes the reader (`reader:`): she, he, they or `you`; None: not said."""
    notes: str | None = None
    """Where the author's notes go: `place`, `end` or `omit` (None: not said, `place`)."""
    unknown_fields: tuple[tuple[str, int, str | None], ...] = ()
    """Fields ficpress ignores: (name, line, nearest known field or None), to warn of `summery:`."""


@dataclass(frozen=True, slots=True)
class Manuscript:
    """A story read from disk: metadata, chapters, and where it came from."""

    meta: Meta
    """The validated front matter."""
    chapters: tuple[Chapter, ...]
    """The story's chapters, each with its scenes."""
    source_path: Path
    """The file it was read from (as given, for messages)."""
    content_hash: str
    """SHA-256 of the file's bytes: the key for caches and stable identifiers."""
    modified: int = 0
    """The edition's date as a Unix time: SOURCE_DATE_EPOCH, the front matter's date, or the
    file's modification time."""


Origin = Literal["default", "profile", "reader file", "readers row", "form", "flag"]
"""Where a reader value came from: the story's default, a saved profile, `--reader FILE`, a
readers CSV row, the download site's form or token, or `--set` (builder.profile orders them)."""


@dataclass(frozen=True, slots=True)
class ProfileValue:
    """One reader value and where it came from."""

    value: str
    """The text to print (never markup)."""
    origin: Origin
    """The route it arrived by."""


@dataclass(frozen=True, slots=True)
class Profile:
    """The reader's details: canonical code -> value."""

    values: dict[str, ProfileValue] = field(default_factory=dict)
    """The values by canonical code (`Y/N`)."""

    def get(self, code: str) -> str | None:
        return found.value if (found := self.values.get(code)) else None

    def canonical(self) -> str:
        """A stable text form of the profile, for identifiers and cache keys."""
        return "\n".join(f"{code}={self.values[code].value}" for code in sorted(self.values))


@dataclass(frozen=True, slots=True)
class SavedProfile:
    """A reader profile saved in the config file (builder.config)."""

    name: str
    """Its name (`default` for the `[reader]` table)."""
    values: dict[str, str] = field(default_factory=dict)
    """Canonical code -> value, checked like `--set` values."""
    aliases: dict[str, str] = field(default_factory=dict)
    """Any text the reader meets in stories (`Reader-chan`, `(your name)`) -> the value to
    print instead; found in the text like a code, in any case."""

    def all(self) -> dict[str, str]:
        """Codes and aliases alike, as a profile's values (an alias is its own code)."""
        return {**self.values, **self.aliases}


@dataclass(frozen=True, slots=True)
class Source:
    """What the `manuscript` stage read: validated metadata and the raw body lines."""

    path: Path
    """The file it was read from (as given, for messages)."""
    meta: Meta
    """The validated front matter."""
    body: tuple[str, ...]
    """The body's lines, newline-free, in order."""
    body_line: int
    """The 1-based source line number of `body[0]`."""
    content_hash: str
    """SHA-256 of the file's bytes."""
    modified: int
    """The edition's date as a Unix time (see `Manuscript.modified`)."""


@dataclass(frozen=True, slots=True)
class Document:
    """One rendered document of an edition, with slot markers where reader values go."""

    name: str
    """File name inside the EPUB, e.g. `chapter-01-scene-02.xhtml`."""
    title: str
    """Plain-text title (may hold slot markers)."""
    body: str
    """The XHTML body fragment (may hold slot markers)."""
    kind: Literal["titlepage", "scene", "chapter", "notes", "credits"]
    """What the document is, for landmarks and the spine (a chapter: its scenes inline)."""


@dataclass(frozen=True, slots=True)
class TocEntry:
    """One entry of the table of contents (EPUB nav and NCX, PDF outline)."""

    label: str
    """Plain-text label (may hold slot markers)."""
    href: str
    """Target document name, with a fragment when it points inside one."""
    children: tuple[TocEntry, ...] = ()
    """Nested entries: a chapter's scenes."""


@dataclass(frozen=True, slots=True)
class BookHtml:
    """The whole book as one HTML document for the PDF (with markers), in the pieces that a
    long book is laid out in: every chapter starts a page, so runs of chapters lay out alike
    whatever comes before them (see builder.editions.pdf.parts)."""

    head: str
    """The document up to and including `<body ...>`."""
    front: str
    """The cover and the title page."""
    chapters: tuple[str, ...]
    """One `<section class="chapter">` each, in order; in an anthology, one story each."""
    back: str
    """The credits page, if any."""
    tail: str
    """`</body></html>`."""

    def html(self, chapters: range | None = None, *, first: bool = True, last: bool = True) -> str:
        """The document, or a part of it: the chapters in `chapters` (default all), with the
        front matter only when `first` and the back matter only when `last`."""
        chosen = self.chapters if chapters is None else [self.chapters[i] for i in chapters]
        front = self.front if first else ""
        back = self.back if last else ""
        return f"{self.head}{front}{''.join(chosen)}{back}{self.tail}"


@dataclass(frozen=True, slots=True)
class FormKey(Generic[T]):
    """Names one writer's compiled form of a template (the EPUB's cut ZIP entries, the PDF's cut
    HTML); the type parameter is the form's type, so a writer gets back what it stored."""

    name: str
    """The writer's name for the form, unique among writers."""


class CompiledForms:
    """Each writer's compiled forms of one template, made once per (writer's key, options) and
    shared by every reader's edition, across the download site's threads too."""

    def __init__(self) -> None:
        self._forms: dict[tuple[FormKey[Any], Hashable], object] = {}
        self._lock = threading.Lock()

    def get(self, key: FormKey[T], options: Hashable, make: Callable[[], T]) -> T:
        """The form stored under (`key`, `options`), made by `make` the first time."""
        found = self._forms.get((key, options), _MISSING)
        if found is _MISSING:
            made = make()  # outside the lock: a slow first make must not block other forms
            with self._lock:
                found = self._forms.setdefault((key, options), made)
        return found  # type: ignore[return-value]

    def __len__(self) -> int:
        return len(self._forms)

    # Forms travel with a template to batch workers and Dask (saving each a repackage); the
    # lock does not pickle, so each copy gets its own.
    def __getstate__(self) -> dict[tuple[FormKey[Any], Hashable], object]:
        with self._lock:
            return dict(self._forms)

    def __setstate__(self, forms: dict[tuple[FormKey[Any], Hashable], object]) -> None:
        self._forms = forms
        self._lock = threading.Lock()


_MISSING = object()


@dataclass(frozen=True, slots=True)
class EditionTemplate:
    """A manuscript compiled once: everything but the reader's values.

    Reader values go where the documents hold markers (builder.fill defines them): one per
    slot, numbered by its index in `slots`, and named ones for the identifier and the cover.
    """

    manuscript: Manuscript
    """The manuscript after the placeholders and typography stages."""
    slug: str
    """The output file stem, from the manuscript's file name; never holds reader values."""
    codes: dict[str, PlaceholderInfo]
    """The story's code table: built-in codes plus its own legend."""
    title: str
    """The story's title as plain text (may hold slot markers)."""
    description: str | None
    """The summary as plain text (may hold slot markers), or the fandom, or None."""
    slots: tuple[Slot, ...]
    """Every slot, indexed by its marker number."""
    documents: tuple[Document, ...]
    """The EPUB's content documents in spine order, one per scene."""
    toc: tuple[TocEntry, ...]
    """The table of contents of `documents`."""
    inline_documents: tuple[Document, ...]
    """The same with each chapter's scenes inline, one document per chapter."""
    inline_toc: tuple[TocEntry, ...]
    """The table of contents of `inline_documents`, pointing into each chapter at its scenes."""
    book: BookHtml
    """The whole book as one HTML document for the PDF writer (with markers), in pieces."""
    forms: CompiledForms = field(default_factory=CompiledForms, compare=False, repr=False)
    """The writers' compiled forms of this template (builder.editions)."""


def map_paragraphs(manuscript: Manuscript, change: Callable[[Paragraph], Paragraph]) -> Manuscript:
    """The manuscript with `change` applied to every piece of text: title, summary, chapter
    titles, captions and paragraphs (how the text stages walk the book)."""

    def each(paragraph: Paragraph | None) -> Paragraph | None:
        return change(paragraph) if paragraph is not None else None

    meta = manuscript.meta
    title = change(meta.title)
    chapters = tuple(
        Chapter(
            each(chapter.title),
            tuple(
                Scene(each(scene.caption), tuple(map(change, scene.paragraphs)), scene.line)
                for scene in chapter.scenes
            ),
            chapter.line,
        )
        for chapter in manuscript.chapters
    )
    return replace(
        manuscript,
        meta=replace(meta, title=title, summary=each(meta.summary)),
        chapters=chapters,
    )

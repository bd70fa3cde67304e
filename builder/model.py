"""The plain data that flows between the pipeline's stages.

Every stage takes and returns these frozen dataclasses; none of them does I/O.
Inline content is a flat token stream (as in markdown-it): text, emphasis
open/close markers and placeholder slots, so that rendering and typography can
walk it without recursion.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal


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


@dataclass(frozen=True, slots=True)
class ProfileValue:
    """One reader value and where it came from."""

    value: str
    """The text to print (never markup)."""
    origin: Literal["flag", "reader file", "default"]
    """`--set`, `--reader FILE`, or the manuscript's default."""


@dataclass(frozen=True, slots=True)
class Profile:
    """The reader's details: canonical code -> value."""

    values: dict[str, ProfileValue] = field(default_factory=dict)
    """The values by canonical code (`Y/N`)."""

    def get(self, code: str) -> str | None:
        found = self.values.get(code)
        return found.value if found else None

    def canonical(self) -> str:
        """A stable text form of the profile, for identifiers and cache keys."""
        return "\n".join(f"{code}={self.values[code].value}" for code in sorted(self.values))


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
    kind: Literal["titlepage", "scene", "credits"]
    """What the document is, for landmarks and the spine."""


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
class EditionTemplate:
    """A manuscript compiled once: everything but the reader's values.

    Reader values go where the documents hold slot markers (`\\ue000N\\ue001` for `slots[N]`,
    `\\ue000id\\ue001` for the profile-dependent identifier).
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
    """The EPUB's content documents in spine order."""
    toc: tuple[TocEntry, ...]
    """The table of contents."""
    pdf_html: str
    """The whole book as one HTML document for the PDF writer (with slot markers)."""
    cache: dict[str, object] = field(default_factory=dict, compare=False)
    """Writers keep their compiled forms here (e.g. the EPUB's ZIP entries)."""


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

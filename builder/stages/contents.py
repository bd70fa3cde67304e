"""The book's table of contents and what its entries are called (part of stage 5): views of
parts, chapters and scenes with their documents, ids and labels (a caption, the chapter's
title, or a scene's opening words), and the navigation entries made of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from builder.fill import marker
from builder.i18n import Labels
from builder.model import Chapter, Manuscript, Markup, Meta, Paragraph, Scene, Slot, Text, TocEntry
from builder.stages.parts import Part


@dataclass(frozen=True, slots=True)
class SceneView:
    """What the templates need to print one scene."""

    scene: Scene
    number: int
    id: str
    label: str
    document: str
    only: bool


@dataclass(frozen=True, slots=True)
class ChapterView:
    """What the templates need to print one chapter."""

    chapter: Chapter
    title: Paragraph
    id: str
    label: str
    scenes: tuple[SceneView, ...]
    document: str
    """The chapter's document when its scenes are inline."""


@dataclass(frozen=True, slots=True)
class PartView:
    """What the templates need to print one story of an anthology: its title page."""

    meta: Meta
    id: str
    label: str
    document: str
    first: int
    """The index of its first chapter in the book."""
    chapters: tuple[ChapterView, ...]


def plain(paragraph: Paragraph, slot_index: Mapping[Slot, int]) -> str:
    """The paragraph as plain text (for labels and metadata), with slot markers."""
    return "".join(
        token.text
        if isinstance(token, Text)
        else ""
        if isinstance(token, Markup)
        else marker(slot_index[token])
        for token in paragraph.inlines
    )


def part_views(
    parts: Sequence[Part], chapters: Sequence[ChapterView], slot_index: Mapping[Slot, int]
) -> tuple[PartView, ...]:
    views = []
    first = 0
    for number, part in enumerate(parts, 1):
        own = tuple(chapters[first : first + part.chapters])
        label = plain(part.meta.title, slot_index)
        views.append(
            PartView(part.meta, f"part-{number}", label, f"part-{number:02d}.xhtml", first, own)
        )
        first += part.chapters
    return tuple(views)


def chapter_views(
    manuscript: Manuscript, slot_index: Mapping[Slot, int], words: Labels
) -> tuple[ChapterView, ...]:
    views = []
    single = len(manuscript.chapters) == 1
    for chapter_number, chapter in enumerate(manuscript.chapters, 1):
        title = chapter.title or manuscript.meta.title
        label = plain(title, slot_index)
        scenes = []
        for scene_number, scene in enumerate(chapter.scenes, 1):
            if scene.caption:
                scene_label = plain(scene.caption, slot_index)
            elif scene_number == 1:
                scene_label = label
            else:
                scene_label = opening_words(scene, slot_index) or words.gettext(
                    "Scene %(number)d", number=scene_number
                )
            document = (
                f"scene-{scene_number:02d}.xhtml"
                if single
                else f"chapter-{chapter_number:02d}-scene-{scene_number:02d}.xhtml"
            )
            scene_id = f"scene-{chapter_number}-{scene_number}"
            scenes.append(
                SceneView(
                    scene, scene_number, scene_id, scene_label, document, len(chapter.scenes) == 1
                )
            )
        views.append(
            ChapterView(
                chapter,
                title,
                f"chapter-{chapter_number}",
                label,
                tuple(scenes),
                f"chapter-{chapter_number:02d}.xhtml",
            )
        )
    return tuple(views)


def toc(
    chapters: Sequence[ChapterView],
    back: Sequence[tuple[str, str]],
    words: Labels,
    inline: bool,
    parts: Sequence[PartView] = (),
) -> tuple[TocEntry, ...]:
    entries = [TocEntry(words.gettext("Title page"), "titlepage.xhtml")]
    for part in parts:
        # A one-chapter story is its chapter: its scenes go right under its title.
        children = (
            tuple(_scene_entries(part.chapters[0], nested=True, inline=inline))
            if len(part.chapters) == 1
            else tuple(_chapter_entry(chapter, inline) for chapter in part.chapters)
        )
        entries.append(TocEntry(part.label, part.document, children))
    if not parts and len(chapters) == 1:
        entries.extend(_scene_entries(chapters[0], nested=False, inline=inline))
    elif not parts:
        entries.extend(_chapter_entry(chapter, inline) for chapter in chapters)
    entries.extend(TocEntry(label, name) for label, name in back)  # notes, credits
    return tuple(entries)


def _chapter_entry(chapter: ChapterView, inline: bool) -> TocEntry:
    children = tuple(_scene_entries(chapter, nested=True, inline=inline))
    start = chapter.document if inline else chapter.scenes[0].document
    return TocEntry(chapter.label, start, children)


def _scene_entries(chapter: ChapterView, nested: bool, inline: bool) -> Iterable[TocEntry]:
    """A chapter's scenes. Nested under the chapter, an uncaptioned first scene is left out
    (its entry would repeat the chapter's), and a captioned one points past the heading;
    inline, every later scene is a fragment of the chapter's document."""
    for view in chapter.scenes:
        document = chapter.document if inline else view.document
        if view.number == 1:
            if not nested:
                yield TocEntry(view.label, document)
            elif view.scene.caption is not None and not view.only:
                yield TocEntry(view.label, f"{document}#{view.id}")
        else:
            yield TocEntry(view.label, f"{document}#{view.id}" if inline else document)


OPENING_WORDS = 6
"""At most this many words of a scene's first sentence label an uncaptioned scene."""
SENTENCE_END = re.compile(r"[.!?][”’\"')\]»]*$")
"""A word that ends a sentence (an ellipsis rarely does: it is a pause in fan fiction)."""


def opening_words(scene: Scene, slot_index: Mapping[Slot, int]) -> str:
    """`“Wake up, <slot>.”…`: an uncaptioned scene's label, its first words up to the end of
    the first sentence, or "" when it has none. Cut between words only, never inside a slot
    marker, which holds no space (a reader's value counts as one word)."""
    words: list[str] = []
    text = plain(scene.paragraphs[0], slot_index) if scene.paragraphs else ""
    # Split at plain spaces only: no-break and hair spaces keep what they join together.
    for word in re.findall(r"[^ \t\n]+", text):
        words.append(word)
        if SENTENCE_END.search(word) or len(words) == OPENING_WORDS:
            break
    if not words:
        return ""
    label = " ".join(words)
    if label.endswith(".") and not label.endswith(".."):
        # `nothing.…` reads as a stutter; a quoted sentence keeps its full stop: `Alex.”…`.
        return label[:-1] + "…"
    if SENTENCE_END.search(label):
        return label + "…"
    return label.rstrip(",;:—–-…") + "…"

"""Stage 5: the typeset manuscript becomes an EditionTemplate (Jinja2, autoescaped).

Reader values are not known here: every slot, the identifier and the PDF's cover are rendered
as markers (builder.fill), which the edition writers fill per reader.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, pass_context
from jinja2.runtime import Context
from markupsafe import Markup as SafeHtml

from builder.fill import COVER, marker
from builder.model import (
    BookHtml,
    Chapter,
    Document,
    EditionTemplate,
    Manuscript,
    Markup,
    Meta,
    Paragraph,
    PlaceholderInfo,
    Scene,
    Slot,
    Text,
    TocEntry,
)
from builder.stages.parts import Part
from builder.stages.placeholders import all_paragraphs, slots

URL_CHARACTERS = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#@!$&'()*+,;=%"
)
"""ASCII a URL holds as it is: RFC 3986's unreserved and reserved (but brackets), and `%`."""
URL_STRAY_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
URL_LIKE = re.compile(r"^(?:https?://)?[\w-]+(?:\.[\w-]+)+(?:/\S*)?$", re.IGNORECASE)


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


def _environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("builder.stages", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    environment.filters["inlines"] = _inlines
    environment.filters["link"] = _link
    return environment


@pass_context
def _inlines(context: Context, paragraph: Paragraph) -> SafeHtml:
    slot_index: Mapping[Slot, int] = context["slot_index"]
    parts: list[str] = []
    for token in paragraph.inlines:
        if isinstance(token, Text):
            parts.append(escape(token.text, quote=False))
        elif isinstance(token, Markup):
            parts.append(f"<{token.tag}>" if token.opening else f"</{token.tag}>")
        else:
            parts.append(marker(slot_index[token]))
    return SafeHtml("".join(parts))


def _link(text: str) -> SafeHtml:
    """A credit that is a web address becomes a link."""
    if not URL_LIKE.match(text):
        return SafeHtml(escape(text))
    href = text if text.lower().startswith("http") else f"https://{text}"
    return SafeHtml(f'<a href="{escape(_url_escape(href))}">{escape(text)}</a>')


def _url_escape(href: str) -> str:
    """`href` with every ASCII character a URL may not hold (`<`, `"`, `{`, a stray `%`)
    percent-encoded, so that the link is a valid URL whatever the author pasted."""
    href = URL_STRAY_PERCENT.sub("%25", href)
    return "".join(
        f"%{ord(c):02X}" if ord(c) < 0x80 and c not in URL_CHARACTERS else c for c in href
    )


ENVIRONMENT = _environment()


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


def render(
    manuscript: Manuscript,
    slug: str,
    codes: dict[str, PlaceholderInfo],
    parts: Sequence[Part] = (),
) -> EditionTemplate:
    """Render every document of the editions, once, with markers for the reader's values.
    With `parts` (an anthology, builder.stages.parts) each story's chapters follow a title
    page of its own, and the table of contents nests them under it."""
    meta = manuscript.meta
    part_texts = [text for part in parts for text in (part.meta.title, part.meta.summary)]
    slot_list = tuple(dict.fromkeys(slots([*all_paragraphs(manuscript), *part_texts])))
    slot_index = {slot: index for index, slot in enumerate(slot_list)}
    chapters = _chapter_views(manuscript, slot_index)
    part_views = _part_views(parts, chapters, slot_index)
    date = dt.datetime.fromtimestamp(manuscript.modified, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    title = plain(meta.title, slot_index)
    context: dict[str, Any] = {
        **_title_page(meta),
        "slot_index": slot_index,
        "part": None,
        "parts": part_views,
        "anthology": bool(parts),
        "has_credits": bool(meta.source or meta.credits),
        "chapters": chapters,
        "title": title,
        "date": date,
        "cover_source": marker(COVER),
        "subject": plain(meta.summary, slot_index) if meta.summary else meta.fandom,
        "keywords": [*filter(None, [meta.fandom, meta.pairing]), *meta.tags],
    }
    documents = [
        Document("titlepage.xhtml", title, _render("titlepage.html", context), "titlepage")
    ]
    # A story's title page is a title page (its own entry, before its first chapter).
    part_pages = {
        part.first: Document(
            part.document,
            part.label,
            _render("titlepage.html", {**context, **_title_page(part.meta), "part": part}),
            "titlepage",
        )
        for part in part_views
    }
    for number, chapter in enumerate(chapters):
        if number in part_pages:
            documents.append(part_pages[number])
        for view in chapter.scenes:
            body = _render("scene.html", {**context, "chapter": chapter, "view": view})
            documents.append(Document(view.document, view.label, body, "scene"))
    pieces: Any = ENVIRONMENT.get_template("book.html").make_module(dict(context))
    chapter_bodies = [str(pieces.chapter(chapter)) for chapter in chapters]
    book = BookHtml(
        head=str(pieces.head()),
        front=str(pieces.front()),
        # A long PDF is laid out in runs cut between these pieces, each outline appended at
        # the top level: in an anthology a piece is a whole story (its title page and its
        # chapters), so that no story's chapters lose their place under it.
        chapters=tuple(
            "".join(
                [
                    part_pages[part.first].body,
                    *chapter_bodies[part.first : part.first + len(part.chapters)],
                ]
            )
            for part in part_views
        )
        if part_views
        else tuple(chapter_bodies),
        back=str(pieces.back()),
        tail=str(pieces.tail()),
    )
    # Inline, a chapter's document is the PDF's chapter: one section, its scenes inside.
    inline = [documents[0]]
    for number, (chapter, body) in enumerate(zip(chapters, chapter_bodies, strict=True)):
        if number in part_pages:
            inline.append(part_pages[number])
        inline.append(Document(chapter.document, chapter.label, body, "chapter"))
    if context["has_credits"]:
        credits = Document("credits.xhtml", "Credits", _render("credits.html", context), "credits")
        documents.append(credits)
        inline.append(credits)
    return EditionTemplate(
        manuscript=manuscript,
        slug=slug,
        codes=codes,
        title=title,
        description=context["subject"],
        slots=slot_list,
        documents=tuple(documents),
        toc=_toc(chapters, context["has_credits"], inline=False, parts=part_views),
        inline_documents=tuple(inline),
        inline_toc=_toc(chapters, context["has_credits"], inline=True, parts=part_views),
        book=book,
    )


def _render(name: str, context: Mapping[str, Any]) -> str:
    return ENVIRONMENT.get_template(name).render(context)


def _title_page(meta: Meta) -> dict[str, Any]:
    """What titlepage.html shows of a story (or of an anthology)."""
    details = (("Fandom", meta.fandom), ("Pairing", meta.pairing), ("Rating", meta.rating))
    lists = (("Warnings", meta.warnings), ("Characters", meta.characters), ("Tags", meta.tags))
    return {
        "meta": meta,
        "details": [(name, value) for name, value in details if value],
        "lists": [(name, items) for name, items in lists if items],
    }


def _part_views(
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


def _chapter_views(
    manuscript: Manuscript, slot_index: Mapping[Slot, int]
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
                scene_label = opening_words(scene, slot_index) or f"Scene {scene_number}"
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


def _toc(
    chapters: Sequence[ChapterView],
    has_credits: bool,
    inline: bool,
    parts: Sequence[PartView] = (),
) -> tuple[TocEntry, ...]:
    entries = [TocEntry("Title page", "titlepage.xhtml")]
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
    if has_credits:
        entries.append(TocEntry("Credits", "credits.xhtml"))
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

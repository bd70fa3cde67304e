"""Stage 5: the typeset manuscript becomes an EditionTemplate (Jinja2, autoescaped).

Reader values are not known here: every slot, the identifier and the PDF's cover are rendered
as markers (builder.fill), which the edition writers fill per reader.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, pass_context
from jinja2.runtime import Context
from markupsafe import Markup as SafeHtml

from builder.fill import COVER, marker
from builder.i18n import Labels, labels
from builder.model import (
    BookHtml,
    Document,
    EditionTemplate,
    Manuscript,
    Markup,
    Meta,
    Paragraph,
    PlaceholderInfo,
    Slot,
    Text,
)
from builder.stages.contents import ChapterView, PartView, chapter_views, part_views, plain, toc
from builder.stages.notes import NotePlacement, gather, is_note_paragraph, placement
from builder.stages.parts import Part
from builder.stages.placeholders import all_paragraphs, slots

URL_CHARACTERS = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#@!$&'()*+,;=%"
)
"""ASCII a URL holds as it is: RFC 3986's unreserved and reserved (but brackets), and `%`."""
URL_STRAY_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
URL_LIKE = re.compile(r"^(?:https?://)?[\w-]+(?:\.[\w-]+)+(?:/\S*)?$", re.IGNORECASE)


def _environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("builder.stages", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    environment.filters["inlines"] = _inlines
    environment.filters["link"] = _link
    environment.tests["note"] = is_note_paragraph
    return environment


def _template_gettext(words: Labels) -> Any:
    """The templates' `_()`: a label in the book's language, its `%(name)s` values escaped
    unless they are markup already (a link)."""

    def gettext(message: str, **values: object) -> SafeHtml:
        text = SafeHtml.escape(words.gettext(message))
        return text % values if values else text

    return gettext


@pass_context
def _inlines(context: Context, paragraph: Paragraph) -> SafeHtml:
    slot_index: Mapping[Slot, int] = context["slot_index"]
    # In a right-to-left book a reader's value is most likely written left to right (`Alex`):
    # isolated, its direction cannot reorder the punctuation and words around it.
    isolate = context["direction"] == "rtl"
    parts: list[str] = []
    for token in paragraph.inlines:
        if isinstance(token, Text):
            parts.append(escape(token.text, quote=False))
        elif isinstance(token, Markup):
            parts.append(f"<{token.tag}>" if token.opening else f"</{token.tag}>")
        elif isolate:
            parts.append(f"<bdi>{marker(slot_index[token])}</bdi>")
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


def render(
    manuscript: Manuscript,
    slug: str,
    codes: dict[str, PlaceholderInfo],
    parts: Sequence[Part] = (),
    notes: str | None = None,
) -> EditionTemplate:
    """Render every document of the editions, once, with markers for the reader's values;
    the author's notes where `notes` (or the front matter) says (builder.stages.notes).
    With `parts` (an anthology, builder.stages.parts) each story's chapters follow a title
    page of its own, and the table of contents nests them under it."""
    meta = manuscript.meta
    manuscript, taken = gather(manuscript, _note_placements(meta, notes, parts))
    words = labels(meta.language)
    part_texts = [text for part in parts for text in (part.meta.title, part.meta.summary)]
    paragraphs = [*all_paragraphs(manuscript), *(paragraph for _, paragraph in taken)]
    slot_list = tuple(dict.fromkeys(slots([*paragraphs, *part_texts])))
    slot_index = {slot: index for index, slot in enumerate(slot_list)}
    chapters = chapter_views(manuscript, slot_index, words)
    shown_parts = part_views(parts, chapters, slot_index)
    date = dt.datetime.fromtimestamp(manuscript.modified, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    title = plain(meta.title, slot_index)
    context: dict[str, Any] = {
        **_title_page(meta, words),
        "direction": meta.direction,
        "_": _template_gettext(words),
        "slot_index": slot_index,
        "part": None,
        "parts": shown_parts,
        "anthology": bool(parts),
        "has_credits": bool(meta.source or meta.credits),
        "author_notes": _notes_sections(taken, chapters, shown_parts),
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
            _render("titlepage.html", {**context, **_title_page(part.meta, words), "part": part}),
            "titlepage",
        )
        for part in shown_parts
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
            for part in shown_parts
        )
        if shown_parts
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
    if context["author_notes"]:
        # The heading (notes.html) and contents entry of the notes gathered at the back.
        notes_title = words.gettext("Author’s notes")
        notes_page = Document("notes.xhtml", notes_title, _render("notes.html", context), "notes")
        documents.append(notes_page)
        inline.append(notes_page)
    if context["has_credits"]:
        credits = Document(
            "credits.xhtml", words.gettext("Credits"), _render("credits.html", context), "credits"
        )
        documents.append(credits)
        inline.append(credits)
    back = [(doc.title, doc.name) for doc in documents if doc.kind in ("notes", "credits")]
    return EditionTemplate(
        manuscript=manuscript,
        slug=slug,
        codes=codes,
        title=title,
        description=context["subject"],
        slots=slot_list,
        documents=tuple(documents),
        toc=toc(chapters, back, words, inline=False, parts=shown_parts),
        inline_documents=tuple(inline),
        inline_toc=toc(chapters, back, words, inline=True, parts=shown_parts),
        book=book,
    )


def _note_placements(
    meta: Meta, notes: str | None, parts: Sequence[Part]
) -> NotePlacement | list[NotePlacement]:
    """Where the author's notes go: the build's choice (or the book's `notes:`) for every
    chapter; in an anthology without either, each story's own `notes:` for its chapters."""
    if notes is not None or meta.notes is not None or not parts:
        return placement(meta, notes)
    return [placement(part.meta, None) for part in parts for _ in range(part.chapters)]


def _notes_sections(
    taken: Sequence[tuple[int, Paragraph]],
    chapters: Sequence[ChapterView],
    parts: Sequence[PartView],
) -> list[tuple[PartView | None, ChapterView | None, list[Paragraph]]]:
    """The notes gathered at the back, by chapter: with the story each is in (an anthology's
    part, at its first notes only) and the chapter when its story has more than one, so that
    a note says whose it is."""
    sections: list[tuple[PartView | None, ChapterView | None, list[Paragraph]]] = []
    named: set[str] = set()
    for number, chapter in enumerate(chapters):
        notes = [paragraph for index, paragraph in taken if index == number]
        if not notes:
            continue
        part = next((p for p in parts if p.first <= number < p.first + len(p.chapters)), None)
        story_chapters = len(part.chapters) if part is not None else len(chapters)
        shown_part = part if part is not None and part.id not in named else None
        if part is not None:
            named.add(part.id)
        sections.append((shown_part, chapter if story_chapters > 1 else None, notes))
    return sections


def _render(name: str, context: Mapping[str, Any]) -> str:
    return ENVIRONMENT.get_template(name).render(context)


def _title_page(meta: Meta, words: Labels) -> dict[str, Any]:
    """What titlepage.html shows of a story (or of an anthology), labelled in the book's
    language; a list is (class, heading, items), its class English for the stylesheets."""
    details = (
        (words.gettext("Fandom"), meta.fandom),
        (words.gettext("Pairing"), meta.pairing),
        (words.gettext("Rating"), meta.rating),
    )
    lists = (
        ("warnings", words.gettext("Warnings"), meta.warnings),
        ("characters", words.gettext("Characters"), meta.characters),
        ("tags", words.gettext("Tags"), meta.tags),
    )
    return {
        "meta": meta,
        "details": [(name, value) for name, value in details if value],
        "lists": [(key, heading, items) for key, heading, items in lists if items],
    }

"""The PDF edition: the template's book HTML with the reader's values, laid out by WeasyPrint.

Tagged (PDF/UA-1), with the bundled book face embedded and subset, the cover as the first
page, and an outline of chapters and scenes. This module makes the HTML (`prepare`, no
WeasyPrint); builder.editions.pdf.layout is the only module that imports WeasyPrint, and
builder.editions.pdf.processes decides where the layout runs. The cover, page, fill and
language modules are imported inside the functions that use them: the command line imports
this package (for processes) to fork the warm PDF worker, and the sooner that fork, the
sooner the PDF (the worker needs none of them).
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING

from builder.editions.pdf import parts, processes
from builder.model import BookHtml, EditionTemplate, FormKey, Profile

if TYPE_CHECKING:
    from builder.editions import EditionOptions
    from builder.fill import Values

Cut = tuple[str, ...]
SplitBook = tuple[Cut, Cut, tuple[Cut, ...], Cut, Cut]
"""The book's pieces (head, front, chapters, back, tail) cut at their markers."""
SPLIT_BOOK: FormKey[SplitBook] = FormKey("pdf-book")


def write(
    template: EditionTemplate,
    profile: Profile,
    identifier: str,
    options: EditionOptions,
    progress: processes.Progress | None = None,
) -> bytes:
    """The reader's PDF: one pass for a short book, parts laid out in parallel for a long one
    (`progress` hears how many parts are done)."""
    prepared = prepare(template, profile, identifier, options)
    return processes.lay_out(prepared, progress=progress)


def prepare(
    template: EditionTemplate, profile: Profile, identifier: str, options: EditionOptions
) -> parts.Layout:
    """What WeasyPrint is to lay out for this reader: their book HTML, cut into parts when it
    is long."""
    from builder.editions.pages import page_css, preset
    from builder.fill import values_for
    from builder.i18n import page_numbers

    values = values_for(template, profile, identifier)
    page = preset(options.page)
    meta = template.manuscript.meta
    return parts.layout(
        book_html(template, values, page.height / page.width),
        page_css(page, meta.direction, page_numbers(meta.language)),
        values.plain(template.title),
        identifier,
        options.pdf_workers or processes.cores(),
    )


def book_html(template: EditionTemplate, values: Values, aspect: float) -> BookHtml:
    """The whole book with the reader's values and cover (generated in the page's `aspect`,
    height / width, so that it fills the page uncropped)."""
    from builder.editions.cover import image as cover_image
    from builder.fill import COVER

    head, front, chapters, back, tail = template.forms.get(
        SPLIT_BOOK, None, lambda: _split_book(template.book)
    )
    image, media_type = cover_image(template.manuscript.meta, values.plain(template.title), aspect)
    named = {COVER: f"data:{media_type};base64,{base64.b64encode(image).decode('ascii')}"}
    return BookHtml(
        head=values.markup(head, named),
        front=values.markup(front, named),
        chapters=tuple(values.markup(chapter, named) for chapter in chapters),
        back=values.markup(back, named),
        tail=values.markup(tail, named),
    )


def _split_book(book: BookHtml) -> SplitBook:
    from builder.fill import split

    return (
        split(book.head),
        split(book.front),
        tuple(split(chapter) for chapter in book.chapters),
        split(book.back),
        split(book.tail),
    )

"""The PDF edition: the template's book HTML with the reader's values, laid out by WeasyPrint.

Tagged (PDF/UA-1), with the bundled book face embedded and subset, the cover as the first
page, and an outline of chapters and scenes. WeasyPrint is imported lazily: an EPUB-only
build never pays for it.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING

from builder import cover
from builder.editions import parallel_pdf
from builder.editions.pages import page_css, preset
from builder.editions.parallel_pdf import Job
from builder.editions.pdf_layout import Layout, cores, lay_out
from builder.model import EditionTemplate, Profile
from builder.render import COVER_SOURCE, Values, split_markers, values_for

if TYPE_CHECKING:
    from builder.editions import EditionOptions

CACHE_KEY = "pdf"


def write(
    template: EditionTemplate, profile: Profile, identifier: str, options: EditionOptions
) -> bytes:
    """The reader's PDF: one pass for a short book, parts laid out in parallel for a long one
    (see builder.editions.parallel_pdf)."""
    return lay_out(prepare(template, profile, identifier, options))


def prepare(
    template: EditionTemplate, profile: Profile, identifier: str, options: EditionOptions
) -> Layout:
    """The reader's book HTML, cut into parts when it is long."""
    css = page_css(preset(options.page))
    values = values_for(template, profile, identifier)
    html = book_html(template, values)
    book = parallel_pdf.cut(html)
    parts = parallel_pdf.plan(book) if book is not None else []
    if book is None or len(parts) <= 1:
        return Layout(Job((html,), (css,), identifier.encode("ascii")), 1)
    header = parallel_pdf.header_css(values.plain(template.title))
    job = Job(
        htmls=tuple(parallel_pdf.part_html(book, parts, i) for i in range(len(parts))),
        css=tuple(css + (header if i else "") for i in range(len(parts))),
        identifier=identifier.encode("ascii"),
    )
    return Layout(job, options.pdf_workers or cores())


def book_html(template: EditionTemplate, values: Values) -> str:
    """The whole book as one HTML document with the reader's values and cover."""
    parts = template.cache.get(CACHE_KEY)
    if not isinstance(parts, tuple):
        parts = template.cache[CACHE_KEY] = split_markers(template.pdf_html)
    image, media_type = cover.image(template.manuscript.meta, values.plain(template.title))
    cover_uri = f"data:{media_type};base64,{base64.b64encode(image).decode('ascii')}"
    return values.markup(parts).replace(COVER_SOURCE, cover_uri)

"""The PDF edition: the template's book HTML with the reader's values, laid out by WeasyPrint.

Tagged (PDF/UA-1), with the bundled book face embedded and subset, the cover as the first
page, and an outline of chapters and scenes. WeasyPrint is imported lazily: an EPUB-only
build never pays for it.
"""

from __future__ import annotations

import atexit
import base64
import os
from importlib.resources import as_file, files
from pathlib import Path
from typing import TYPE_CHECKING, Any

from builder import cover
from builder.editions.pages import page_css, preset
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
    from builder.editions import parallel_pdf

    css = page_css(preset(options.page))
    values = values_for(template, profile, identifier)
    html = book_html(template, values)
    book = parallel_pdf.cut(html)
    parts = parallel_pdf.plan(book) if book is not None else []
    if book is None or len(parts) <= 1:
        return render(html, css, identifier.encode("ascii"))
    header = parallel_pdf.header_css(values.plain(template.title))
    job = parallel_pdf.Job(
        htmls=tuple(parallel_pdf.part_html(book, parts, i) for i in range(len(parts))),
        css=tuple(css + (header if i else "") for i in range(len(parts))),
        identifier=identifier.encode("ascii"),
    )
    workers = options.pdf_workers or cores()
    return parallel_pdf.join(parallel_pdf.render_parts(job, render, workers))


def cores() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def book_html(template: EditionTemplate, values: Values) -> str:
    """The whole book as one HTML document with the reader's values and cover."""
    parts = template.cache.get(CACHE_KEY)
    if not isinstance(parts, tuple):
        parts = template.cache[CACHE_KEY] = split_markers(template.pdf_html)
    image, media_type = cover.image(template.manuscript.meta, values.plain(template.title))
    cover_uri = f"data:{media_type};base64,{base64.b64encode(image).decode('ascii')}"
    return values.markup(parts).replace(COVER_SOURCE, cover_uri)


# Parsing the book's stylesheet and loading its @font-face fonts costs a first render a
# quarter of its time; a process that renders again (the site, batch runs, parallel parts)
# keeps them. Keyed by process id: a forked child starts its own.
_styles: dict[int, tuple[Any, Any]] = {}


def _stylesheet(styles: Path) -> tuple[Any, Any]:
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    cached = _styles.get(os.getpid())
    if cached is None:
        if not _styles:
            atexit.register(forget_styles)
        # @font-face rules (the bundled book face) only load through a FontConfiguration.
        fonts = FontConfiguration()
        cached = (fonts, CSS(filename=str(styles / "pdf.css"), font_config=fonts))
        _styles.clear()
        _styles[os.getpid()] = cached
    return cached


def forget_styles() -> None:
    """Drop the kept stylesheet, so its fonts' temporary folder goes now, while WeasyPrint
    can still clean it (not at interpreter exit, nor never in a worker that exits with
    os._exit)."""
    _styles.clear()


def render(html: str, css: str, identifier: bytes) -> bytes:
    """One HTML document laid out and written as a tagged PDF; `css` adds the page size."""
    # WeasyPrint costs 0.5 s to import: only a PDF build pays for it.
    from weasyprint import CSS, HTML

    with as_file(files("builder.styles")) as styles:
        fonts, book_css = _stylesheet(styles)
        document = HTML(string=html, base_url=str(styles))
        pdf = document.write_pdf(
            stylesheets=[book_css, CSS(string=css)],
            font_config=fonts,
            pdf_identifier=identifier,
            pdf_variant="pdf/ua-1",
        )
    assert isinstance(pdf, bytes)
    return pdf

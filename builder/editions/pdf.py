"""The PDF edition: the template's book HTML with the reader's values, laid out by WeasyPrint.

Tagged (PDF/UA-1), with the bundled book face embedded and subset, the cover as the first
page, and an outline of chapters and scenes. WeasyPrint is imported lazily: an EPUB-only
build never pays for it.
"""

from __future__ import annotations

import base64
from importlib.resources import as_file, files
from typing import TYPE_CHECKING

from builder import cover
from builder.editions.pages import page_css, preset
from builder.model import EditionTemplate, Profile
from builder.render import COVER_SOURCE, split_markers, values_for

if TYPE_CHECKING:
    from builder.editions import EditionOptions

CACHE_KEY = "pdf"


def write(
    template: EditionTemplate, profile: Profile, identifier: str, options: EditionOptions
) -> bytes:
    """The reader's PDF."""
    # WeasyPrint costs 0.5 s to import: only a PDF build pays for it.
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    page = preset(options.page)
    values = values_for(template, profile, identifier)
    parts = template.cache.get(CACHE_KEY)
    if not isinstance(parts, tuple):
        parts = template.cache[CACHE_KEY] = split_markers(template.pdf_html)
    image, media_type = cover.image(template.manuscript.meta, values.plain(template.title))
    cover_uri = f"data:{media_type};base64,{base64.b64encode(image).decode('ascii')}"
    html = values.markup(parts).replace(COVER_SOURCE, cover_uri)
    with as_file(files("builder.styles")) as styles:
        document = HTML(string=html, base_url=str(styles))
        # @font-face rules (the bundled book face) only load through a FontConfiguration.
        fonts = FontConfiguration()
        stylesheets = [
            CSS(filename=str(styles / "pdf.css"), font_config=fonts),
            CSS(string=page_css(page)),
        ]
        pdf = document.write_pdf(
            stylesheets=stylesheets,
            font_config=fonts,
            pdf_identifier=identifier.encode("ascii"),
            pdf_variant="pdf/ua-1",
        )
    assert isinstance(pdf, bytes)
    return pdf

"""The PDF edition: the template's book HTML with the reader's values, laid out by WeasyPrint.

WeasyPrint is imported here, lazily, so that an EPUB-only build never pays for it.
"""

from __future__ import annotations

from importlib.resources import as_file, files

from builder.model import EditionTemplate, Profile
from builder.render import fill_markers, slot_values


def write(template: EditionTemplate, profile: Profile, identifier: str) -> bytes:
    """The reader's PDF: tagged, with title, author, language and an outline of the scenes."""
    from weasyprint import CSS, HTML

    html = fill_markers(template.pdf_html, slot_values(template, profile), identifier)
    with as_file(files("builder.styles")) as styles:
        document = HTML(string=html, base_url=str(styles))
        stylesheet = CSS(filename=str(styles / "pdf.css"))
        pdf = document.write_pdf(
            stylesheets=[stylesheet],
            pdf_identifier=identifier.encode("ascii"),
        )
    assert isinstance(pdf, bytes)
    return pdf

"""WeasyPrint's half of the PDF edition: lay out prepared HTML and write the tagged PDF.

Kept apart from builder.editions.pdf (which makes the HTML with Jinja2 and Pillow) so that a
process that only lays out (builder.pdf_worker, the parallel parts) imports only this.
"""

from __future__ import annotations

import atexit
import os
from dataclasses import dataclass
from importlib.resources import as_file, files
from pathlib import Path
from typing import Any

from builder.editions import parallel_pdf
from builder.editions.parallel_pdf import Job


@dataclass(frozen=True, slots=True)
class Layout:
    """Everything WeasyPrint is given, made without it (so a process that has imported
    WeasyPrint early can be handed the rest: see builder.pdf_worker)."""

    job: Job
    """The book as one part, or as the parts to lay out in parallel and join."""
    workers: int
    """Processes for the parts."""


def lay_out(layout: Layout) -> bytes:
    """The PDF: WeasyPrint's part of the work."""
    job = layout.job
    if len(job.htmls) == 1:
        return render(job.htmls[0], job.css[0], job.identifier)
    from builder.editions.pdf_join import join

    return join(parallel_pdf.render_parts(job, render, layout.workers))


def cores() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


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


def warm_up(hyphenation: bool = True) -> None:
    """Load the book's stylesheet and fonts (and the English hyphenation dictionary) now,
    before there is a book to lay out."""
    with as_file(files("builder.styles")) as styles:
        _stylesheet(styles)
    if hyphenation:
        import pyphen  # type: ignore[import-untyped]

        pyphen.Pyphen(lang="en")


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

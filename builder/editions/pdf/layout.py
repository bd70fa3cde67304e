"""WeasyPrint's half of the PDF edition: lay out prepared HTML and write the tagged PDF.

The only module that imports WeasyPrint (lazily: it costs half a second), so that a process
that only lays out (the warm worker, the parallel parts) imports only this, and everything
else about the PDF can be made and tested without it.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from importlib.resources import as_file
from pathlib import Path
from typing import Any

from builder.errors import MissingLibraryError
from builder.resources import styles

INSTALL_HINT = (
    "the PDF needs Pango, which WeasyPrint could not load ({problem}); install it "
    "(Debian, Ubuntu: apt install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0; "
    "Fedora: dnf install pango; macOS: brew install pango), or ask for --format epub"
)
OffsetFor = Callable[[int], int]
"""Given a part's own page count, returns how many pages come before it (may wait)."""

# Parsing the book's stylesheet and loading its @font-face fonts costs a first render a
# quarter of its time; a process that renders again (the site, batch runs, parallel parts)
# keeps them. Keyed by process id: a forked child starts its own.
_styles: dict[int, tuple[Any, Any]] = {}


def load() -> None:
    """Import WeasyPrint, or raise a MissingLibraryError saying what to install when its
    system libraries cannot be loaded (it raises OSError from `import` then)."""
    try:
        # WeasyPrint prints a banner to stdout before it raises: ours is the one message.
        with contextlib.redirect_stdout(io.StringIO()):
            import weasyprint.text.fonts  # noqa: F401  (loads Pango, HarfBuzz, fontconfig)
    except OSError as error:
        problem = str(error).split(":", 1)[0]
        raise MissingLibraryError(INSTALL_HINT.format(problem=problem)) from None


def _stylesheet(folder: Path) -> tuple[Any, Any]:
    load()
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    cached = _styles.get(os.getpid())
    if cached is None:
        if not _styles:
            atexit.register(forget_styles)
        # @font-face rules (the bundled book face) only load through a FontConfiguration.
        fonts = FontConfiguration()
        cached = (fonts, CSS(filename=str(folder / "pdf.css"), font_config=fonts))
        _styles.clear()
        _styles[os.getpid()] = cached
    return cached


WARM_LANGUAGE = "en"
"""The language whose hyphenation dictionary `warm_up` loads: most stories'."""


def warm_up(hyphenation: bool = True) -> None:
    """Load the book's stylesheet and fonts (and WARM_LANGUAGE's hyphenation dictionary) now,
    before there is a book to lay out."""
    with as_file(styles()) as folder:
        _stylesheet(folder)
    if hyphenation:
        import pyphen  # type: ignore[import-untyped]

        pyphen.Pyphen(lang=WARM_LANGUAGE)


def forget_styles() -> None:
    """Drop the kept stylesheet, so its fonts' temporary folder goes now, while WeasyPrint
    can still clean it (not at interpreter exit, nor never in a worker that exits with
    os._exit)."""
    _styles.clear()


def render(html: str, css: str, identifier: bytes) -> bytes:
    """One HTML document laid out and written as a tagged PDF; `css` adds the page size. Inside
    `page_offset()`, the printed page numbers start past the pages of the parts before.

    No page ends in a hyphenated word (CSS's `hyphenate-limit-last` is not in WeasyPrint): see
    `_install_page_turn_hook`, which lays out again, as it goes, only a page that would."""
    load()
    _install_page_turn_hook()
    from weasyprint import CSS, HTML

    with as_file(styles()) as folder:
        fonts, book_css = _stylesheet(folder)
        document = HTML(string=html, base_url=str(folder))
        options: dict[str, Any] = {
            "stylesheets": [book_css, CSS(string=css)],
            "pdf_identifier": identifier,
            "pdf_variant": "pdf/ua-1",
        }
        laid = document.render(font_config=fonts, **options)
        rtl = document.etree_element.get("dir") == "rtl"
        pdf = laid.write_pdf(finisher=_right_to_left if rtl else None, **options)
    assert isinstance(pdf, bytes)
    return pdf


def _right_to_left(document: Any, pdf: Any) -> None:
    """A right-to-left book (`<html dir="rtl">`) tells PDF viewers so: pages side by side and
    page turns go from right to left (ViewerPreferences /Direction /R2L)."""
    import pydyf  # type: ignore[import-untyped]

    preferences = pdf.catalog.get("ViewerPreferences") or pydyf.Dictionary()
    preferences["Direction"] = "/R2L"
    pdf.catalog["ViewerPreferences"] = preferences


# --- no hyphen at a page turn -----------------------------------------------------------
# WeasyPrint makes pages one after the other (layout.page.remake_page, given where the page
# before ended). Right after a page is made, its last line is looked at: when it ends in a
# word hyphenated there, the paragraph loses its automatic hyphenation (`hyphens: manual`,
# set on the styles of its boxes) and that one page is made again from the same start, so the
# word moves whole to the next page and everything after follows, not yet laid out. One pass
# over the book, and a page costs a second layout only when it needs one.

_turn_lock = threading.Lock()
_turn_hooked = False
_HYPHENATED = "_ficpress_hyphenated"
"""The LayoutContext attribute holding the document's blocks by element, less those already
unhyphenated."""


def _install_page_turn_hook() -> None:
    global _turn_hooked
    with _turn_lock:
        if _turn_hooked:
            return
        from weasyprint.layout import page as pages

        original = pages.remake_page

        def remake_page(index: int, context: Any, root_box: Any, html: Any) -> Any:
            # What making a page consumes from the page before: restored for a second try.
            out_of_flow = dict(context.broken_out_of_flow)
            footnotes, reported = list(context.footnotes), list(context.reported_footnotes)
            page, resume_at = original(index, context, root_box, html)
            while resume_at is not None:
                paragraph = _hyphenated_at_foot(page)
                if paragraph is None or not _unhyphenate(paragraph, context, root_box):
                    break
                context.broken_out_of_flow = dict(out_of_flow)
                context.footnotes, context.reported_footnotes = list(footnotes), list(reported)
                remake_state = context.page_maker[index][-1]
                remake_state["anchors"] = []
                remake_state["content_lookups"] = []
                page, resume_at = original(index, context, root_box, html)
            return page, resume_at

        pages.remake_page = remake_page
        _turn_hooked = True


def _hyphenated_at_foot(page: Any) -> Any:
    """The element of the paragraph whose line ends `page` (a PageBox) in a word hyphenated
    there, or None."""
    from weasyprint.formatting_structure import boxes

    last: tuple[Any, Any] | None = None
    stack: list[tuple[Any, Any]] = [(page, None)]
    while stack:
        box, block = stack.pop()
        if isinstance(box, boxes.MarginBox):
            continue  # running header and page number, when made
        if isinstance(box, boxes.LineBox):
            if last is None or box.position_y > last[0].position_y:
                last = (box, block)
        elif isinstance(box, boxes.ParentBox):
            inner = box.element if isinstance(box, boxes.BlockBox) else block
            stack.extend((child, inner) for child in box.children)
    if last is None or last[1] is None:
        return None
    texts = [box for box in last[0].descendants() if isinstance(box, boxes.TextBox)]
    if texts and texts[-1].text.endswith(texts[-1].style["hyphenate_character"]):
        return last[1]
    return None


def _unhyphenate(paragraph: Any, context: Any, root_box: Any) -> bool:
    """Turn off automatic hyphenation in `paragraph` (an element) for the rest of this layout;
    False when it was already off (nothing would change). The laid-out boxes share their
    styles with the document's box tree, where the paragraph's later words are too."""
    from weasyprint.formatting_structure import boxes

    blocks: dict[Any, Any] | None = getattr(context, _HYPHENATED, None)
    if blocks is None:  # found once per document: a long one-part book has hundreds of turns
        blocks = {}
        for box in root_box.descendants():
            if isinstance(box, boxes.BlockBox):
                blocks.setdefault(box.element, box)
        setattr(context, _HYPHENATED, blocks)
    block = blocks.pop(paragraph, None)
    if block is None:
        return False
    for box in block.descendants():
        box.style["hyphens"] = "manual"
    return True


# --- page numbers across parts ---------------------------------------------------------
# A part learns its first page number only when the parts before it have been laid out,
# which happens at the same time in other processes. WeasyPrint makes the margin boxes
# (where `counter(page)` is printed) after it has laid out every page, so a part lays out its
# pages, reports how many it has, waits for the count of the parts before it, and then makes
# its margin boxes with the page counter moved on by that many.

_offset_for: ContextVar[OffsetFor | None] = ContextVar("ficpress_page_offset", default=None)
_hook_lock = threading.Lock()
_hooked = False


def _install_hook() -> None:
    """Wrap WeasyPrint's margin-box maker so a part's page counter can start past the parts
    before it. Outside page_offset() (no offset provider set) it changes nothing."""
    global _hooked
    with _hook_lock:
        if _hooked:
            return
        load()
        from weasyprint import layout

        original = layout.make_margin_boxes

        def make_margin_boxes(context: Any, page: Any, state: Any) -> Any:
            provider = _offset_for.get()
            if provider is None:
                return original(context, page, state)
            # page_maker holds one entry per page plus the state after the last one.
            offset = provider(len(context.page_maker) - 1)
            quote_depth, counters, scopes, groups = state
            counters = dict(counters)
            counters["page"] = [value + offset for value in counters.get("page", [0])]
            return original(context, page, (quote_depth, counters, scopes, groups))

        layout.make_margin_boxes = make_margin_boxes
        _hooked = True


@contextmanager
def page_offset(provider: OffsetFor) -> Iterator[None]:
    """While active, render() numbers pages from `provider(own page count)` on (asked once)."""
    _install_hook()
    cached: list[int] = []

    def once(count: int) -> int:
        if not cached:
            cached.append(provider(count))
        return cached[0]

    token = _offset_for.set(once)
    try:
        yield
    finally:
        _offset_for.reset(token)

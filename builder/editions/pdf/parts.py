"""How a book's PDF is laid out: in one pass, or in parts cut between chapters (pure data).

WeasyPrint lays out on one core, and a 100,000-word book takes it a quarter of a minute. Every
chapter starts on a new page and no style looks at the page side, so a run of chapters lays
out the same whatever comes before it: the render stage keeps the book's HTML in pieces
(`BookHtml`), a long book is cut between chapters into parts, each part is laid out by its own
process (builder.editions.pdf.processes), and the parts are joined (builder.editions.pdf.join).
Two things cross the cuts: page numbers (the parts after the first continue the count: see
builder.editions.pdf.layout) and the running header (`string(book-title)`, set by the title
page's heading), given to the parts after the first as a literal.

How a book is cut depends only on the book, never on how many processes run the parts, so
the bytes are the same from the command line, a batch worker or the download site.
"""

from __future__ import annotations

from dataclasses import dataclass

from builder.model import BookHtml

PARALLEL_MIN_CHARS = 150_000
"""Below about 25,000 words a single pass is faster than starting processes and joining."""
CHARS_PER_PART = 80_000
"""About 13,000 words a part. Smaller parts balance better over the processes (the last
one to finish sets the time) and keep the PDF writer's per-page costs, which grow faster
than the page count, small; each part costs about a tenth of a second of its own."""
MAX_PARTS = 8


@dataclass(frozen=True, slots=True)
class Layout:
    """Everything WeasyPrint is given, made without it (so that a process that imported
    WeasyPrint early can be handed the rest)."""

    htmls: tuple[str, ...]
    """The book as one document, or its parts in order."""
    css: tuple[str, ...]
    """Each document's own CSS: the page, and the running header in parts after the first."""
    identifier: bytes
    """The PDF identifier (the edition's)."""
    workers: int = 1
    """Processes that may lay out the parts at once."""


def layout(book: BookHtml, css: str, title: str, identifier: str, workers: int) -> Layout:
    """The filled `book` as one document, or, when it is long, as parts to lay out in parallel;
    `css` sets the page and `title` (plain text) is the running header."""
    parts = plan(book)
    if len(parts) <= 1:
        return Layout((book.html(),), (css,), identifier.encode("ascii"))
    last = len(parts) - 1
    return Layout(
        htmls=tuple(
            book.html(chapters, first=index == 0, last=index == last)
            for index, chapters in enumerate(parts)
        ),
        css=tuple(css + (header_css(title) if index else "") for index in range(len(parts))),
        identifier=identifier.encode("ascii"),
        workers=workers,
    )


def plan(book: BookHtml) -> list[range]:
    """The chapters of each part: contiguous runs of about CHARS_PER_PART characters; one
    part (a single pass) for a short book or one of fewer than two chapters."""
    sizes = [len(chapter) for chapter in book.chapters]
    total = sum(sizes)
    if len(sizes) < 2 or total < PARALLEL_MIN_CHARS:
        return [range(len(sizes))]
    count = max(2, min(MAX_PARTS, len(sizes), round(total / CHARS_PER_PART)))
    parts: list[range] = []
    start = 0
    done = 0
    for part in range(count):
        if part == count - 1:
            parts.append(range(start, len(sizes)))
            break
        target = total * (part + 1) / count
        end = start + 1
        # Close the part at the chapter boundary nearest the target, leaving a chapter at
        # least for every part still to come.
        while end < len(sizes) - (count - part - 1) and abs(
            done + sum(sizes[start:end]) + sizes[end] - target
        ) < abs(done + sum(sizes[start:end]) - target):
            end += 1
        done += sum(sizes[start:end])
        parts.append(range(start, end))
        start = end
    return parts


def _css_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    return f'"{escaped}"'


def header_css(title: str) -> str:
    """The running header for a part without the title page (which would set it)."""
    return f"@page {{ @top-center {{ content: {_css_string(title)}; }} }}\n"

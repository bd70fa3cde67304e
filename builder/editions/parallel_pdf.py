"""Novel-length PDFs laid out in parts, in parallel, and joined into the one PDF a single
pass would give.

WeasyPrint lays out on one core, and a 100,000-word book takes it a quarter of a minute. Every
chapter starts on a new page and no style looks at the page side, so a run of chapters lays
out the same whatever comes before it: the book is cut between chapters into parts, each part
is laid out by its own process, and the parts are joined. Two things cross the cuts:

- Page numbers. A part learns its first page number only when the parts before it have been
  laid out, which happens at the same time in other processes. WeasyPrint makes the margin
  boxes (where `counter(page)` is printed) after it has laid out every page, so a part lays
  out its pages, reports how many it has, waits for the count of the parts before it, and
  then makes its margin boxes with the page counter moved on by that many.
- The running header (`string(book-title)`, set by the title page's heading), given to the
  parts after the first as a literal.

The join (builder.editions.pdf_join) keeps what a single pass writes: pages, outline, named
destinations, links, metadata and the PDF/UA structure tree.

How a book is cut depends only on the book, never on how many processes run the parts, so
the bytes are the same from the command line, a batch worker or the download site.
"""

from __future__ import annotations

import gc
import itertools
import multiprocessing
import os
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from builder.errors import EditionError

PARALLEL_MIN_CHARS = 150_000
"""Below about 25,000 words a single pass is faster than starting processes and joining."""
CHARS_PER_PART = 80_000
"""About 13,000 words a part. Smaller parts balance better over the processes (the last
one to finish sets the time) and keep the PDF writer's per-page costs, which grow faster
than the page count, small; each part costs about a tenth of a second of its own."""
MAX_PARTS = 8
CHAPTER_START = '\n<section id="chapter-'
CREDITS_START = '\n<section class="credits"'
BODY_END = "\n</body>"


@dataclass(frozen=True, slots=True)
class Book:
    """The book's HTML cut at chapter boundaries."""

    head: str
    """Everything up to and including `<body ...>`."""
    front: str
    """Cover and title page."""
    chapters: tuple[str, ...]
    """One `<section class="chapter">` each."""
    back: str
    """The credits page, if any, up to `</body>`."""
    tail: str
    """`</body></html>`."""


def cut(html: str) -> Book | None:
    """The book's HTML cut into front matter, chapters and back matter; None when it has
    fewer than two chapters (nothing to run in parallel)."""
    body_open = html.find("<body")
    body_start = html.find(">", body_open) + 1
    starts = []
    position = html.find(CHAPTER_START, body_start)
    while position >= 0:
        starts.append(position)
        position = html.find(CHAPTER_START, position + 1)
    end = html.rfind(BODY_END)
    if body_open < 0 or end < 0 or len(starts) < 2:
        return None
    credits = html.find(CREDITS_START, starts[-1])
    back_start = credits if credits >= 0 else end
    bounds = [*starts, back_start]
    return Book(
        head=html[:body_start],
        front=html[body_start : starts[0]],
        chapters=tuple(html[a:b] for a, b in itertools.pairwise(bounds)),
        back=html[back_start:end],
        tail=html[end:],
    )


def plan(book: Book) -> list[range]:
    """The chapters of each part: contiguous runs of about CHARS_PER_PART characters; one
    part (a single pass) for a short book."""
    sizes = [len(chapter) for chapter in book.chapters]
    total = sum(sizes)
    if total < PARALLEL_MIN_CHARS:
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


def part_html(book: Book, parts: Sequence[range], index: int) -> str:
    chapters = "".join(book.chapters[i] for i in parts[index])
    front = book.front if index == 0 else ""
    back = book.back if index == len(parts) - 1 else ""
    return f"{book.head}{front}{chapters}{back}{book.tail}"


def _css_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    return f'"{escaped}"'


def header_css(title: str) -> str:
    """The running header for a part without the title page (which would set it)."""
    return f"@page {{ @top-center {{ content: {_css_string(title)}; }} }}\n"


# --- page numbers across parts ---------------------------------------------------------

OffsetFor = Callable[[int], int]
"""Given the part's own page count, returns how many pages come before it (may wait)."""
_offset_for: ContextVar[OffsetFor | None] = ContextVar("ficpress_page_offset", default=None)
_hook_lock = threading.Lock()
_hooked = False


def _install_hook() -> None:
    """Wrap WeasyPrint's margin-box maker so a part's page counter can start past the parts
    before it. Outside a part render (no offset provider set) it changes nothing."""
    global _hooked
    with _hook_lock:
        if _hooked:
            return
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
def _page_offset(provider: OffsetFor) -> Iterator[None]:
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


# --- rendering the parts ---------------------------------------------------------------

RenderPart = Callable[[str, str, bytes], bytes]
"""(part HTML, extra CSS, PDF identifier) -> the part's PDF."""


@dataclass(frozen=True, slots=True)
class Job:
    htmls: tuple[str, ...]
    css: tuple[str, ...]
    identifier: bytes


def render_parts(job: Job, render: RenderPart, workers: int) -> list[bytes]:
    """Every part's PDF, in order, laid out by up to `workers` processes (in this process,
    one after the other, when `workers` is 1 or this process may not start children)."""
    count = len(job.htmls)
    workers = min(workers, count)
    if workers <= 1 or multiprocessing.current_process().daemon:
        return _render_here(job, render)
    # Fork shares the already imported WeasyPrint; with other threads running it could copy
    # a held lock, so then start fresh interpreters instead.
    method = "fork" if _can_fork() else "spawn"
    context: Any = multiprocessing.get_context(method)
    counts = context.Array("i", [-1] * count)
    ready = context.Condition()
    tasks: Any = context.SimpleQueue()
    results: Any = context.Queue()
    for index in range(count):
        tasks.put(index)
    for _ in range(workers):
        tasks.put(None)
    processes = [
        context.Process(
            target=_worker,
            args=(job, render, tasks, results, counts, ready),
            name=f"ficpress-pdf-{number}",
        )
        for number in range(workers)
    ]
    if method == "fork":
        # The children's garbage collector would otherwise walk (and so copy) every object
        # this process holds; frozen objects are left alone.
        gc.freeze()
    try:
        for process in processes:
            process.start()
    finally:
        if method == "fork":
            gc.unfreeze()
    pdfs: dict[int, bytes] = {}
    failure: str | None = None
    try:
        while len(pdfs) < count and failure is None:
            try:
                index, data, error = results.get(timeout=0.5)
            except queue.Empty:
                # A worker killed outright (out of memory, a crash in a C library) sends
                # nothing, and the parts after its own would wait for its page count forever.
                dead = [p for p in processes if p.exitcode not in (None, 0)]
                if dead:
                    failure = f"{dead[0].name} stopped (exit status {dead[0].exitcode})"
                continue
            if error is not None:
                failure = error
            else:
                pdfs[index] = data
    finally:
        if failure is not None:
            for process in processes:
                process.terminate()
        for process in processes:
            process.join()
    if failure is not None:
        raise EditionError(f"a PDF part failed: {failure}")
    return [pdfs[index] for index in range(count)]


def _can_fork() -> bool:
    return hasattr(os, "fork") and threading.active_count() == 1


def _render_here(job: Job, render: RenderPart) -> list[bytes]:
    pdfs = []
    counts: list[int] = []

    def offset(count: int) -> int:
        counts.append(count)
        return sum(counts[:-1])

    for html, css in zip(job.htmls, job.css, strict=True):
        with _page_offset(offset):
            pdfs.append(render(html, css, job.identifier))
    return pdfs


def _worker(
    job: Job,
    render: RenderPart,
    tasks: Any,
    results: Any,
    counts: Any,
    ready: Any,
) -> None:
    try:
        _work(job, render, tasks, results, counts, ready)
    finally:
        from builder.editions.pdf_layout import forget_styles

        forget_styles()


def _work(job: Job, render: RenderPart, tasks: Any, results: Any, counts: Any, ready: Any) -> None:
    while (index := tasks.get()) is not None:

        def offset(count: int, index: int = index) -> int:
            with ready:
                counts[index] = count
                ready.notify_all()
                ready.wait_for(lambda: all(counts[i] >= 0 for i in range(index)))
                return sum(counts[i] for i in range(index))

        try:
            with _page_offset(offset):
                data = render(job.htmls[index], job.css[index], job.identifier)
        except Exception as error:  # reported to the parent, which raises EditionError
            results.put((index, b"", f"{type(error).__name__}: {error}"))
            return
        results.put((index, data, None))

"""Where a PDF is laid out: here, in a warm worker forked early, or in parts across processes.

- `lay_out`: one pass here, or a long book's parts in up to `Layout.workers` processes,
  joined into the file a single pass would give.
- `PdfWorker`: `import weasyprint` costs half a second, more than reading, compiling and
  packaging a short story's EPUB. A cold build that makes a PDF forks this worker first: it
  imports WeasyPrint and loads the book's stylesheet, fonts and English hyphenation on the
  second core while this process compiles the story and packages the other editions; then it
  lays out the PDF.
- `fork_is_safe`: the one rule for choosing fork over spawn, shared with batch runs.
- `start_early`: the command line forks the warm worker before it imports the rest of a
  build, whose imports then run beside WeasyPrint's (this package imports nothing heavy).

Only the layout crosses a process boundary: the bytes are exactly what a single pass here
makes.
"""

from __future__ import annotations

import atexit
import ctypes
import gc
import multiprocessing
import os
import queue
import signal
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from builder.editions.pdf import layout
from builder.editions.pdf.parts import Layout
from builder.errors import EditionError, FicpressError, MissingLibraryError

PR_SET_PDEATHSIG = 1
"""Linux's prctl option: a signal for this process when the thread that made it ends."""
RenderPart = Callable[[str, str, bytes], bytes]
"""(part HTML, extra CSS, PDF identifier) -> the part's PDF (layout.render)."""


def fork_is_safe() -> bool:
    """Fork copies only the calling thread, and a lock another thread held stays held in the
    child: fork (which shares what is already imported) only from a single-threaded process;
    otherwise start fresh interpreters."""
    return hasattr(os, "fork") and threading.active_count() == 1


def die_with_parent(parent: int) -> None:
    """Run first in every layout process: when the process that started it ends (killed with
    -9 included), this one ends too, rather than lay out a book nobody will read. Linux kills
    it at once (PR_SET_PDEATHSIG); elsewhere a thread notices within half a second."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0:
                if os.getppid() != parent:  # it ended before the line above
                    os._exit(1)
                return
        except (OSError, AttributeError):
            pass

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="ficpress-parent-watch", daemon=True).start()


def cores() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


Progress = Callable[[int, int], None]
"""Hears (parts laid out, parts in all) as a PDF's layout goes on."""


def lay_out(
    prepared: Layout, render: RenderPart = layout.render, progress: Progress | None = None
) -> bytes:
    """The PDF: WeasyPrint's part of the work, in one pass or in parts."""
    if len(prepared.htmls) == 1:
        return render(prepared.htmls[0], prepared.css[0], prepared.identifier)
    from builder.editions.pdf.join import join

    return join(render_parts(prepared, render, progress))


# --- a long book's parts ---------------------------------------------------------------


def render_parts(
    prepared: Layout, render: RenderPart = layout.render, progress: Progress | None = None
) -> list[bytes]:
    """Every part's PDF, in order, laid out by up to `prepared.workers` processes (here, one
    after the other, when that is 1 or this process may not start children)."""
    count = len(prepared.htmls)
    workers = min(prepared.workers, count)
    told = progress or (lambda done, total: None)
    if workers <= 1 or multiprocessing.current_process().daemon:
        return _render_here(prepared, render, told)
    method = "fork" if fork_is_safe() else "spawn"
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
            target=_part_worker,
            args=(prepared, render, tasks, results, counts, ready, os.getpid()),
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
    failure: str | tuple[type[FicpressError], str] | None = None
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
                told(len(pdfs), count)
    finally:
        if failure is not None:
            for process in processes:
                process.terminate()
        for process in processes:
            process.join()
    if isinstance(failure, tuple):
        kind, message = failure
        raise kind(message)
    if failure is not None:
        raise EditionError(f"a PDF part failed: {failure}")
    return [pdfs[index] for index in range(count)]


def _render_here(prepared: Layout, render: RenderPart, progress: Progress) -> list[bytes]:
    pdfs = []
    counts: list[int] = []

    def offset(count: int) -> int:
        counts.append(count)
        return sum(counts[:-1])

    for html, css in zip(prepared.htmls, prepared.css, strict=True):
        with layout.page_offset(offset):
            pdfs.append(render(html, css, prepared.identifier))
        progress(len(pdfs), len(prepared.htmls))
    return pdfs


def _part_worker(
    prepared: Layout,
    render: RenderPart,
    tasks: Any,
    results: Any,
    counts: Any,
    ready: Any,
    parent: int,
) -> None:
    die_with_parent(parent)
    try:
        while (index := tasks.get()) is not None:

            def offset(count: int, index: int = index) -> int:
                with ready:
                    counts[index] = count
                    ready.notify_all()
                    ready.wait_for(lambda: all(counts[i] >= 0 for i in range(index)))
                    return sum(counts[i] for i in range(index))

            try:
                with layout.page_offset(offset):
                    data = render(prepared.htmls[index], prepared.css[index], prepared.identifier)
            except FicpressError as error:  # a missing library: the parent raises it as it is
                results.put((index, b"", (type(error), error.message)))
                return
            except Exception as error:  # reported to the parent, which raises EditionError
                results.put((index, b"", f"{type(error).__name__}: {error}"))
                return
            results.put((index, data, None))
    finally:
        layout.forget_styles()


# --- the warm worker -------------------------------------------------------------------


class PdfWorker:
    """A forked process, warming up; give it one prepared PDF to lay out with start()."""

    def __init__(self) -> None:
        context: Any = multiprocessing.get_context("fork")
        self._connection, child = context.Pipe()
        self._process = context.Process(
            target=_serve, args=(child, self._connection, os.getpid()), name="ficpress-pdf"
        )
        self._process.start()
        child.close()
        self._sent = False

    @staticmethod
    def available() -> bool:
        """Whether a warm worker can start here (it is forked)."""
        return fork_is_safe()

    def start(self, prepared: Layout, language: str) -> Callable[[], bytes]:
        """Send the layout to the worker; returns a function that waits for the bytes (made
        here instead if the worker is gone)."""
        try:
            self._connection.send((prepared, _hyphenation(language)))
            self._sent = True
        except OSError:
            return lambda: lay_out(prepared)

        def wait() -> bytes:
            try:
                status, payload = self._connection.recv()
            except (EOFError, OSError):
                return lay_out(prepared)
            if status == "ok":
                assert isinstance(payload, bytes)
                return payload
            kind, message, path, line = payload
            raise kind(message, path=path, line=line)

        return wait

    def close(self) -> None:
        self._connection.close()
        if self._sent:
            self._process.join(timeout=5)
        # Never given a book (the build failed first) or stuck: not worth waiting for.
        if self._process.is_alive():
            self._process.terminate()
            self._process.join()


_early: list[PdfWorker] = []
"""The warm worker the command line started before it imported the rest of a build."""


def start_early() -> None:
    """Fork the warm worker now: the command line calls this as soon as it knows a single
    build wants a PDF, so that the build's own imports (the pipeline, the stages, the
    editions) run beside WeasyPrint's; builder.pipeline takes the worker (take_early), or it
    is closed when the process exits."""
    if not _early and "weasyprint" not in sys.modules and PdfWorker.available():
        _early.append(PdfWorker())
        # Registered after multiprocessing's own exit handler (which joins this child), so
        # it runs first: a worker never given a book would otherwise keep the exit waiting.
        atexit.unregister(_close_early)
        atexit.register(_close_early)


def take_early() -> PdfWorker | None:
    """The worker start_early() started, if any (then it is the caller's to close)."""
    return _early.pop() if _early else None


def _close_early() -> None:
    while _early:
        _early.pop().close()


def _serve(connection: Any, parent_end: Any, parent: int) -> None:
    die_with_parent(parent)
    # The fork copied the parent's end too: closed here, so that the parent closing its own
    # (a build that failed before the PDF) ends recv() with EOFError instead of a hang.
    parent_end.close()
    # The cyclic collector's passes over the thousands of objects an import creates (all of
    # them kept until exit) cost a sixth of the import; after it they are frozen out of its way.
    gc.disable()
    try:
        layout.load()  # quietly, or MissingLibraryError
        import weasyprint  # noqa: F401  (the half second this process exists to spend early)

        # The English dictionary too: a novel's compile keeps the parent busy for longer.
        layout.warm_up()
        gc.freeze()
        gc.enable()
        prepared, hyphenation = connection.recv()
    except (EOFError, OSError, KeyboardInterrupt, MissingLibraryError):
        return  # the parent lays the book out itself, and reports what is missing
    if hyphenation:
        import pyphen  # type: ignore[import-untyped]

        pyphen.hdcache.update(hyphenation)
    try:
        reply: tuple[str, Any] = ("ok", lay_out(prepared))
    except FicpressError as error:
        reply = ("error", (type(error), error.message, error.path, error.line))
    except Exception as error:
        reply = ("error", (EditionError, f"{type(error).__name__}: {error}", None, None))
    try:
        connection.send(reply)
    except OSError:  # the build stopped waiting (it failed, say on a read-only --out)
        pass
    finally:
        layout.forget_styles()
        connection.close()


def _hyphenation(language: str) -> dict[Any, Any]:
    """The story's hyphenation dictionary, unless the worker loaded it as it warmed up
    (layout.WARM_LANGUAGE); loaded here, as unpickling it in the worker takes a tenth of
    parsing it there. WeasyPrint asks pyphen for it by language; pyphen keeps loaded
    dictionaries in `hdcache`, by file."""
    if language == layout.WARM_LANGUAGE:
        return {}
    try:
        import pyphen

        fallback = pyphen.language_fallback(language.replace("-", "_"))
        if fallback is None:
            return {}
        pyphen.Pyphen(lang=fallback)
        path = pyphen.LANGUAGES[fallback]
        return {path: pyphen.hdcache[path]}
    except Exception:  # only an optimisation: the worker loads it itself
        return {}

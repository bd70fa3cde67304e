"""A process that imports WeasyPrint while this one reads the manuscript.

`import weasyprint` costs half a second, more than reading, compiling and packaging a short
story's EPUB. A cold `ficpress build` that makes a PDF therefore forks this worker first
thing: it imports WeasyPrint and loads the book's stylesheet and fonts on the second core
while this process compiles the story, writes the PDF's HTML (and the cover, which the EPUB
shares) and packages the EPUB; then the worker lays out the PDF. Only the layout crosses the
process boundary: the bytes are exactly what pipeline.personalise makes.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import threading
from collections.abc import Callable
from typing import Any

from builder.editions import Edition, EditionOptions
from builder.errors import FicpressError
from builder.model import EditionTemplate, Profile


class PdfWorker:
    """A forked process, warming up; give it one PDF to lay out with start()."""

    def __init__(self) -> None:
        context: Any = multiprocessing.get_context("fork")
        self._connection, child = context.Pipe()
        self._process = context.Process(
            target=_serve, args=(child, self._connection), name="ficpress-pdf"
        )
        self._process.start()
        child.close()
        self._sent = False

    @staticmethod
    def available() -> bool:
        """Fork copies only the calling thread: safe when it is the only one."""
        return hasattr(os, "fork") and threading.active_count() == 1

    def start(
        self,
        template: EditionTemplate,
        profile: Profile,
        edition: Edition,
        options: EditionOptions,
    ) -> Callable[[], bytes]:
        """Send the PDF's layout to the worker; returns a function that waits for the bytes
        (made here instead if the worker is gone)."""
        from builder import pipeline
        from builder.editions import pdf, pdf_layout

        if edition.name != "pdf":
            raise ValueError(f"the PDF worker cannot make {edition.name}")
        layout = pdf.prepare(template, profile, pipeline.identifier(template, profile), options)
        try:
            self._connection.send((layout, _hyphenation(template.manuscript.meta.language)))
            self._sent = True
        except OSError:
            return lambda: pdf_layout.lay_out(layout)

        def wait() -> bytes:
            try:
                status, payload = self._connection.recv()
            except (EOFError, OSError):
                return pdf_layout.lay_out(layout)
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


def _serve(connection: Any, parent_end: Any) -> None:
    # The fork copied the parent's end too: closed here, so that the parent closing its own
    # (a build that failed before the PDF) ends recv() with EOFError instead of a hang.
    parent_end.close()
    # The cyclic collector's passes over the thousands of objects an import creates (all of
    # them kept until exit) cost a sixth of the import; after it they are frozen out of its way.
    gc.disable()
    try:
        import weasyprint  # noqa: F401  (the half second this process exists to spend early)

        from builder.editions import pdf_layout as pdf

        pdf.warm_up(hyphenation=False)
        gc.freeze()
        gc.enable()
        layout, hyphenation = connection.recv()
    except (EOFError, OSError, KeyboardInterrupt):
        return
    if hyphenation:
        import pyphen  # type: ignore[import-untyped]

        pyphen.hdcache.update(hyphenation)
    try:
        connection.send(("ok", pdf.lay_out(layout)))
    except FicpressError as error:
        connection.send(("error", (type(error), error.message, error.path, error.line)))
    except Exception as error:
        from builder.errors import EditionError

        connection.send(("error", (EditionError, f"{type(error).__name__}: {error}", None, None)))
    finally:
        pdf.forget_styles()
        connection.close()


def _hyphenation(language: str) -> dict[Any, Any]:
    """The story's hyphenation dictionary, loaded here: this process has time to spare, and
    unpickling it in the worker takes a tenth of parsing it there. WeasyPrint asks pyphen for
    it by language; pyphen keeps loaded dictionaries in `hdcache`, by file."""
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

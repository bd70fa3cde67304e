"""The editions ficpress writes, by format name: the CLI, the site and OPDS read this registry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from builder.errors import UsageError
from builder.model import EditionTemplate, Profile

SCENE_LAYOUTS = {
    "separate": "each scene its own document: a scene break turns the page (short stories)",
    "inline": "each chapter one document, its scenes sections in it (long chapters, novels)",
}
"""The values of `EditionOptions.scenes`. The PDF always runs scenes on within a chapter."""


@dataclass(frozen=True, slots=True)
class EditionOptions:
    """Choices that change an edition's layout but not its text."""

    page: str = "6in"
    """The PDF's page preset (see `builder.editions.pdf.PAGE_PRESETS`)."""
    scenes: str = "separate"
    """How the EPUB family lays out a chapter's scenes (see `SCENE_LAYOUTS`)."""
    pdf_workers: int = 0
    """Processes laying out a long book's PDF parts; 0: one per core. The file is the same
    whatever the number (batch runs give 1: their own pool already uses every core)."""

    def __post_init__(self) -> None:
        if self.scenes not in SCENE_LAYOUTS:
            known = ", ".join(SCENE_LAYOUTS)
            raise UsageError(f"unknown scene layout {self.scenes!r}; choose from {known}")


Writer = Callable[[EditionTemplate, Profile, str, EditionOptions], bytes]


@dataclass(frozen=True, slots=True)
class Edition:
    """One output format."""

    name: str
    """The format's name on the command line (`--format epub`)."""
    suffix: str
    """The file name's ending, after the slug."""
    media_type: str
    """The MIME type a download is served with."""
    writer: Callable[[], Writer]
    """Returns the writer function (imported on demand, so unused formats cost nothing)."""


def _epub_writer() -> Writer:
    from builder.editions import epub

    return epub.write


def _kepub_writer() -> Writer:
    from builder.editions import epub

    return epub.write_kepub


def _pdf_writer() -> Writer:
    from builder.editions import pdf

    return pdf.write


def _azw3_writer() -> Writer:
    from builder.editions import azw3

    return azw3.write


EDITIONS: dict[str, Edition] = {
    edition.name: edition
    for edition in (
        Edition("epub", ".epub", "application/epub+zip", _epub_writer),
        Edition("pdf", ".pdf", "application/pdf", _pdf_writer),
        # Kobo's own renderer only reads files named *.kepub.epub.
        Edition("kepub", ".kepub.epub", "application/kepub+zip", _kepub_writer),
        Edition("azw3", ".azw3", "application/vnd.amazon.ebook", _azw3_writer),
    )
}


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file in the same folder, so that a failure
    never leaves a partial file behind (one file of `output.write_all`)."""
    from builder.editions.output import write_all

    write_all([(path, data)])

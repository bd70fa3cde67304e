"""Kindle's AZW3, made by Calibre's `ebook-convert` from our EPUB (the only way to write it).

Calibre's output is not reproducible (it stamps its own dates and identifiers); the EPUB is.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from builder.editions import epub
from builder.errors import EditionError
from builder.model import EditionTemplate, Profile

if TYPE_CHECKING:
    from builder.editions import EditionOptions

CONVERT_TIMEOUT = 300
LANDMARKS = re.compile(r'\s*<nav epub:type="landmarks"[^>]*>.*?</nav>', re.DOTALL)
INSTALL_HINT = (
    "AZW3 needs Calibre's ebook-convert: install Calibre (Debian/Ubuntu: "
    "'apt-get install calibre'; macOS: 'brew install --cask calibre'), or send the EPUB to "
    "your Kindle with Send to Kindle instead"
)


def converter() -> str | None:
    """The path of Calibre's `ebook-convert`, or None when Calibre is not installed."""
    return shutil.which("ebook-convert")


def write(
    template: EditionTemplate, profile: Profile, identifier: str, options: EditionOptions
) -> bytes:
    """The reader's AZW3, converted from their EPUB."""
    program = converter()
    if program is None:
        raise EditionError(INSTALL_HINT)
    book = _without_landmarks(epub.write(template, profile, identifier, options))
    with tempfile.TemporaryDirectory(prefix="ficpress-azw3-") as work:
        source, target = Path(work) / "book.epub", Path(work) / "book.azw3"
        source.write_bytes(book)
        try:
            subprocess.run(
                [program, str(source), str(target)],
                check=True,
                capture_output=True,
                timeout=CONVERT_TIMEOUT,
            )
        except subprocess.CalledProcessError as error:
            last = (error.stderr or error.stdout or b"").decode("utf-8", "replace").strip()
            detail = last.splitlines()[-1] if last else f"exit status {error.returncode}"
            raise EditionError(f"ebook-convert failed: {detail}") from None
        except subprocess.TimeoutExpired:
            raise EditionError(
                f"ebook-convert took over {CONVERT_TIMEOUT} s and was stopped"
            ) from None
        return target.read_bytes()


def _without_landmarks(book: bytes) -> bytes:
    """The EPUB minus its landmarks list. MOBI has no non-linear documents, so Calibre puts the
    nav in the Kindle's reading order (where its contents list belongs, as KDP asks for an
    HTML contents page), and would split the hidden landmarks onto a blank page of their own.
    The Kindle's go-to points (cover, contents, beginning) come from the OPF's guide instead."""
    source, target = io.BytesIO(book), io.BytesIO()
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w") as copy:
        for info in original.infolist():
            data = original.read(info)
            if info.filename.endswith(f"/{epub.NAV_PAGE}"):
                data = LANDMARKS.sub("", data.decode("utf-8"), count=1).encode("utf-8")
            copy.writestr(info, data)
    return target.getvalue()

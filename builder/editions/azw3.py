"""Kindle's AZW3, made by Calibre's `ebook-convert` from our EPUB (the only way to write it).

Calibre's output is not reproducible (it stamps its own dates and identifiers); the EPUB is.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from builder.editions import epub
from builder.errors import EditionError
from builder.model import EditionTemplate, Profile

if TYPE_CHECKING:
    from builder.editions import EditionOptions

CONVERT_TIMEOUT = 300
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
    book = epub.write(template, profile, identifier, options)
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

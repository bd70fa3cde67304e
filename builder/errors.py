"""One hierarchy of errors, each class with its exit code.

The library raises these; only `cli.py` prints them (one line, no traceback) and exits.
A message names the file and, when known, the line and the offending source text.
"""

from __future__ import annotations

from pathlib import Path

SOURCE_EXCERPT_LIMIT = 60


class FicpressError(Exception):
    """Base of every error ficpress reports to a user."""

    exit_code = 1

    def __init__(
        self,
        message: str,
        *,
        path: Path | str | None = None,
        line: int | None = None,
        source_line: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.source_line = source_line

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = str(self.path)
            if self.line is not None:
                where += f":{self.line}"
            where += ": "
        text = f"{where}error: {self.message}"
        if self.source_line is not None and self.source_line.strip():
            excerpt = self.source_line.strip()
            if len(excerpt) > SOURCE_EXCERPT_LIMIT:
                excerpt = excerpt[: SOURCE_EXCERPT_LIMIT - 1] + "…"
            text += f" (in: {excerpt})"
        return text


class UsageError(FicpressError):
    """The command line asks for something impossible (`--set` without `=`, unknown format)."""

    exit_code = 2


class ManuscriptError(FicpressError):
    """A manuscript cannot be read: missing, empty, not UTF-8, bad front matter."""

    exit_code = 2


class ImportSourceError(FicpressError):
    """A story to import cannot be read: binary, empty, undecodable, too large, or no story
    in it (`ficpress import`)."""

    exit_code = 2


class FetchError(FicpressError):
    """A story's web address cannot be fetched: an unsupported site, no answer, an HTTP
    error, a redirect off the site, a page only logged-in users see (`ficpress import URL`)."""

    exit_code = 2


class ProfileError(FicpressError):
    """A reader profile (`--reader FILE`) cannot be read or holds a bad value."""

    exit_code = 2


class UnfilledPlaceholderError(FicpressError):
    """`--strict`: placeholders the story uses have no value."""

    exit_code = 2


class OutputError(FicpressError):
    """An output file or folder cannot be written."""

    exit_code = 2


class EditionError(FicpressError):
    """An edition writer failed on valid input (a bug or a broken external tool)."""

    exit_code = 1


class MissingLibraryError(EditionError):
    """An edition's system libraries are not installed (WeasyPrint's Pango for the PDF): the
    message says what to install. A build still writes the other editions it was asked for."""

    exit_code = 1


class DeviceError(FicpressError):
    """An e-reader cannot take the book: none connected, several, full, or gone mid-copy."""

    exit_code = 3


class MailError(FicpressError):
    """Mailing a book failed: the SMTP server refused, or the book is over the mail limit."""

    exit_code = 4

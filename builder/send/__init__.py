"""`ficpress send`: one reader's edition of a story, onto an e-reader or into a Kindle's mail.

`plan` decides where the book goes and in which format before anything is made (so that a
wrong address or a missing reader fails first); the steps after it are separate functions so
that the command line can report between them. Every edition comes from
`pipeline.personalise`, so a sent book is byte for byte the one `build` writes; an anthology
(a collection file, or stories with `--anthology`) is compiled by `anthology.compile` as
`build` compiles it, and sent as the one book it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from builder import anthology, pipeline
from builder.editions import EDITIONS, Edition
from builder.errors import UsageError
from builder.model import EditionTemplate, Profile, SavedProfile
from builder.profile import resolve
from builder.send import copy as safe_copy
from builder.send import devices, mail


@dataclass(slots=True)
class Destination:
    """Where a book goes: a device in a format, a Kindle's mail address, or both."""

    device: devices.Device | None
    """The e-reader (or folder) to copy to, or None."""
    edition: Edition | None
    """The format the device gets (None when there is no device)."""
    address: str | None
    """The Send to Kindle address to mail the EPUB to, or None."""
    server: mail.SmtpSettings | None
    """The mail server's settings when mailing."""
    warnings: list[str] = field(default_factory=list)
    """One-line warnings (`PATH: warning: ...`) about changes to what was asked."""


def plan(
    to: Path | None = None,
    auto: bool = False,
    kindle_email: str | None = None,
    requested: str | None = None,
) -> Destination:
    """Where the book goes (`--to`, `--device auto`, `--kindle-email`) and in which format
    (`requested` overrides the device's own). A Kindle that needs AZW3 while Calibre is
    missing gets the EPUB by mail instead when an address was given."""
    if to is None and not auto and kindle_email is None:
        raise UsageError("say where the book goes: --device auto, --to PATH or --kindle-email")
    server = None
    if kindle_email is not None:
        mail.check_address(kindle_email)
        server = mail.settings()
    device = None
    if to is not None:
        device = devices.at(to)
    elif auto:
        patterns = devices.mount_patterns()
        device = devices.only(devices.find(patterns), patterns)
    destination = Destination(device, None, kindle_email, server)
    if device is not None:
        if devices.edition_name(device, requested) is None and server is not None:
            destination.warnings.append(
                f"{device.root}: warning: not copying to this Kindle: AZW3 needs Calibre; "
                "mailing the EPUB instead"
            )
            destination.device = None
        else:
            destination.edition = devices.edition(device, requested)
    return destination


@dataclass(slots=True)
class Story:
    """A compiled story with one reader's profile, and the editions made of it so far."""

    template: EditionTemplate
    profile: Profile
    warnings: list[str] = field(default_factory=list)
    _books: dict[str, bytes] = field(default_factory=dict)

    def book(self, edition: Edition) -> bytes:
        """The reader's edition (made once, however many places it goes)."""
        if edition.name not in self._books:
            self._books[edition.name] = pipeline.personalise(
                self.template, self.profile, edition, pipeline.DEFAULT_OPTIONS
            )
        return self._books[edition.name]

    def filename(self, edition: Edition) -> str:
        """`<slug><suffix>`: never the reader's values, like `build`'s files."""
        return f"{self.template.slug}{edition.suffix}"


def prepare(
    book: Path | anthology.Collection,
    assignments: Sequence[str] = (),
    reader_file: Path | None = None,
    saved: SavedProfile | None = None,
) -> Story:
    """The story at `book` (a manuscript's path, or a collection of stories made one book as
    `build` makes it) with the reader's profile from `--set`, `--reader` and their saved
    profile (None: they have none)."""
    aliases = saved.aliases if saved else ()
    warnings: list[str] = []
    if isinstance(book, anthology.Collection):
        compiled = anthology.compile(book, aliases)
        template, path, warnings = compiled.template, book.path, compiled.warnings
    else:
        template, path = pipeline.compile(book, aliases), book
    profile = resolve(
        template.codes, assignments, reader_file, saved=saved.all() if saved else None
    )
    warnings += pipeline.check_profile(template, profile, path, False, saved is not None)
    return Story(template, profile, warnings)


def to_device(
    story: Story, device: devices.Device, edition: Edition, subfolder: str | None = None
) -> safe_copy.CopyResult:
    """Copy the reader's `edition` into the library folder of `device`, safely."""
    target = devices.folder(device, subfolder) / story.filename(edition)
    return safe_copy.copy(story.book(edition), target, is_zip=edition.name in devices.ZIP_EDITIONS)


def to_kindle(story: Story, address: str, server: mail.SmtpSettings) -> mail.Sent:
    """Mail the reader's EPUB to a Send to Kindle address."""
    epub = EDITIONS["epub"]
    return mail.send(story.book(epub), story.filename(epub), address, server)

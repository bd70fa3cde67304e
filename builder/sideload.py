"""`ficpress send`: one reader's edition of a story, onto an e-reader or into a Kindle's mail.

The steps are separate functions so that the command line can report between them (the
device and its free space before the copy starts); every edition comes from
`pipeline.personalise`, so a sent book is byte for byte the one `build` writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from builder import devices, mail, pipeline
from builder.editions import EDITIONS, Edition
from builder.model import EditionTemplate, Profile
from builder.profile import resolve


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


def prepare(path: Path, assignments: Sequence[str] = (), reader_file: Path | None = None) -> Story:
    """The story at `path` with the reader's profile from `--set` and `--reader`."""
    template = pipeline.compile(path)
    profile = resolve(template.codes, assignments, reader_file)
    return Story(template, profile, pipeline.check_profile(template, profile, path, strict=False))


def to_device(
    story: Story, device: devices.Device, edition: Edition, subfolder: str | None = None
) -> devices.CopyResult:
    """Copy the reader's `edition` into the library folder of `device`, safely."""
    target = devices.folder(device, subfolder) / story.filename(edition)
    return devices.copy(story.book(edition), target, is_zip=edition.name in devices.ZIP_EDITIONS)


def to_kindle(story: Story, address: str, server: mail.SmtpSettings) -> mail.Sent:
    """Mail the reader's EPUB to a Send to Kindle address."""
    epub = EDITIONS["epub"]
    return mail.send(story.book(epub), story.filename(epub), address, server)

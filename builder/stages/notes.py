"""Author's notes in a story: a paragraph that opens with `A/N:` (or `Author's note:`).

The manuscript marks a note the way authors already write one, so an imported story needs no
new markup and a hand-written one reads naturally. Where notes go in a book is the reader's
choice, `notes: place|end|omit` (front matter, or `ficpress build --notes`): where the author
put them, styled apart (default); gathered in an "Author's notes" section at the back; or
left out.
"""

from __future__ import annotations

import re
from typing import Literal

NOTE = re.compile(r"^\**(?:A/N|Author['’]?s notes?)\**\s*:\**\s*", re.IGNORECASE)
"""The label that opens an author's note paragraph (`A/N:`, `**Author's note:**`)."""
NotePlacement = Literal["place", "end", "omit"]
PLACEMENTS: tuple[NotePlacement, ...] = ("place", "end", "omit")
"""The ways to place author's notes; the first is the default."""


def is_note(text: str) -> bool:
    """Whether a paragraph's manuscript text is an author's note."""
    return NOTE.match(text) is not None

"""Author's notes in a story: a paragraph that opens with `A/N:` (or `Author's note:`).

The manuscript marks a note the way authors already write one, so an imported story needs no
new markup and a hand-written one reads naturally. Where notes go in a book is the reader's
choice, `notes: place|end|omit` (front matter, or `ficpress build --notes`): where the author
put them, styled apart (default); gathered in an "Author's notes" section at the back; or
left out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Literal

from builder.model import Manuscript, Meta, Paragraph, Text

NOTE = re.compile(r"^\**(?:A/N|Author['’]?s notes?)\**\s*:\**\s*", re.IGNORECASE)
"""The label that opens an author's note paragraph (`A/N:`, `**Author's note:**`)."""
NotePlacement = Literal["place", "end", "omit"]
PLACEMENTS: tuple[NotePlacement, ...] = ("place", "end", "omit")
"""The ways to place author's notes; the first is the default."""


def is_note(text: str) -> bool:
    """Whether a paragraph's manuscript text is an author's note."""
    return NOTE.match(text) is not None


def is_note_paragraph(paragraph: Paragraph) -> bool:
    """Whether a parsed paragraph is an author's note (its text opens with the label; the
    label may be bold)."""
    opening = "".join(token.text for token in paragraph.inlines[:4] if isinstance(token, Text))
    return is_note(opening)


def placement(meta: Meta, chosen: str | None) -> NotePlacement:
    """Where notes go: the build's choice, else the front matter's, else `place`."""
    for value in (chosen, meta.notes):
        for known in PLACEMENTS:
            if value == known:
                return known
    return PLACEMENTS[0]


def gather(
    manuscript: Manuscript, where: NotePlacement | Sequence[NotePlacement]
) -> tuple[Manuscript, tuple[tuple[int, Paragraph], ...]]:
    """The manuscript without the notes of its `end` and `omit` chapters, and the `end` ones
    taken out (with their chapter's index); `place` chapters keep theirs. `where`: one
    placement for every chapter, or one per chapter (an anthology's stories choose apart)."""
    count = len(manuscript.chapters)
    wheres = (where,) * count if isinstance(where, str) else tuple(where)
    if all(chosen == "place" for chosen in wheres):
        return manuscript, ()
    taken: list[tuple[int, Paragraph]] = []
    chapters = []
    for index, (chapter, chosen) in enumerate(zip(manuscript.chapters, wheres, strict=True)):
        if chosen == "place":
            chapters.append(chapter)
            continue
        scenes = []
        for scene in chapter.scenes:
            kept = tuple(p for p in scene.paragraphs if not is_note_paragraph(p))
            if chosen == "end":
                taken += [(index, p) for p in scene.paragraphs if is_note_paragraph(p)]
            if kept or scene.caption is not None or len(kept) == len(scene.paragraphs):
                scenes.append(replace(scene, paragraphs=kept))
        # A chapter that held only notes keeps an empty first scene: its heading still prints.
        empty = (replace(chapter.scenes[0], paragraphs=()),) if chapter.scenes else ()
        chapters.append(replace(chapter, scenes=tuple(scenes) or empty))
    return replace(manuscript, chapters=tuple(chapters)), tuple(taken)

"""An anthology's stories as one book: each story a part, its chapters after its title page.

Each story goes through the text stages on its own (its legend finds its codes, its language
sets its typography); `join` then puts the typeset stories into one manuscript for the render
stage, and `Part` tells that stage where each story starts and what its title page shows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from builder.model import Manuscript, Meta


@dataclass(frozen=True, slots=True)
class Part:
    """One story of an anthology, as the render stage needs it."""

    meta: Meta
    """The story's own front matter after the text stages (its title and summary may hold
    slots): what its title page shows."""
    chapters: int
    """How many of the joined manuscript's chapters are the story's (they follow the previous
    part's)."""


def join(
    stories: Sequence[Manuscript], meta: Meta, key: str, source_path: Path
) -> tuple[Manuscript, tuple[Part, ...]]:
    """The typeset `stories` as one manuscript with the anthology's `meta`, and its parts.

    A chapter without a heading (a one-chapter story, or text before the first heading) is
    titled with its story's title: in an anthology the book's title is not the story's.
    `key` names what chose the stories (the collection file's bytes, or the command line's
    title): with every story's content hash it makes the book's hash, hence its identifier;
    `source_path` is what chose them, for messages."""
    chapters = tuple(
        replace(chapter, title=chapter.title or story.meta.title)
        for story in stories
        for chapter in story.chapters
    )
    digest = hashlib.sha256(key.encode("utf-8"))
    for story in stories:
        digest.update(f"\n{story.content_hash}".encode("ascii"))
    joined = Manuscript(
        meta=meta,
        chapters=chapters,
        source_path=source_path,
        content_hash=digest.hexdigest(),
        modified=max(story.modified for story in stories),
    )
    return joined, tuple(Part(story.meta, len(story.chapters)) for story in stories)

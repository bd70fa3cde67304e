"""The manuscript an import writes: the shared last step of every importer (file or web).

The draft is rendered, named after its title, read back by the manuscript stages before it
is put in place (so an import never leaves a manuscript `ficpress build` would refuse), and
written atomically.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from builder.editions import write_atomic
from builder.errors import FicpressError, ImportSourceError, OutputError
from builder.importers import draft as drafts
from builder.importers.decoding import Decoded
from builder.stages import manuscript, scenes


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import wrote and did."""

    path: Path
    """The manuscript written."""
    report: tuple[str, ...]
    """One line per thing done, for the user."""
    manuscript: str
    """The manuscript's text."""
    more: tuple[ImportResult, ...] = ()
    """Further manuscripts the same source gave (a series' other works, a masterlist's
    posts); `report` already holds their lines."""
    collection: Path | None = None
    """The collection file written beside them (a series, a masterlist), or None."""


def write_story(
    draft: drafts.Draft,
    decoded: Decoded,
    source: Path | str,
    out_dir: Path,
    *,
    title: str | None = None,
    author: str | None = None,
    force: bool = False,
    fallback_title: str | None = None,
    taken: frozenset[Path] = frozenset(),
    remember_chapters: bool = False,
) -> ImportResult:
    """Clean `draft` up and write it as `out_dir/<slug>.md` (a name in `taken`, written
    earlier by the same import, gets a number instead of being replaced). With
    `remember_chapters` (a story fetched from a link) each chapter's fingerprint is written in
    `chapter_ids`, for `ficpress update`."""
    if title:
        draft.meta["title"] = title
    if author:
        draft.meta["author"] = author
    draft = drafts.finish(draft, fallback_title=fallback_title)
    if remember_chapters:
        draft.meta["chapter_ids"] = [drafts.chapter_id(c) for c in drafts.chapters(draft.blocks)]
    content = drafts.render(draft)
    name = slug(str(draft.meta["title"])) or slug(Path(str(source)).stem) or "story"
    path = out_dir / f"{name}.md"
    number = 1
    while path in taken:
        number += 1
        path = out_dir / f"{name}-{number}.md"
    if path.exists() and not force:
        raise OutputError("already exists; add --force to replace it", path=path)
    check(content, path, source)
    write_atomic(path, content.encode("utf-8"))
    paragraphs = sum(block.kind == "paragraph" for block in draft.blocks)
    scenes_count = 1 + sum(block.kind == "break" for block in draft.blocks)
    chapters = sum(block.kind == "heading" for block in draft.blocks)
    report = [
        f"read {source} as {draft.kind} ({decoded.encoding}, {len(decoded.text):,} characters)",
        *draft.notes,
        f"{paragraphs} paragraphs, {scenes_count} scene(s)"
        + (f", {chapters} chapter(s)" if chapters else ""),
        f"wrote {path}",
    ]
    return ImportResult(path, tuple(report), content)


def slug(title: str) -> str:
    """`For Her Safety!` -> `for-her-safety`: ASCII letters and digits joined by dashes."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    ascii_title = re.sub(r"['’]", "", ascii_title.lower())
    return re.sub(r"[^a-z0-9]+", "-", ascii_title).strip("-")[:80].strip("-")


def check(content: str, path: Path, source: Path | str) -> None:
    """Read the manuscript back as `ficpress build` will, so that none is written that it
    would refuse (a story that is all footer, a private-use character ficpress reserves)."""
    try:
        scenes.split(manuscript.parse(content, path, file_time=lambda: 0))
    except FicpressError as error:
        raise ImportSourceError(
            f"cannot become a manuscript: it {error.message}", path=source
        ) from None

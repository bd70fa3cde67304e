"""`ficpress import`: a story as found in the wild -> a clean manuscript.

Detects what the source is (plain text, Markdown, HTML: AO3, Tumblr or any page), reads it
into a `Draft`, applies the shared clean-up, and writes `<slug>.md`. The written text is
read back by the manuscript stages before it is put in place, so an import never leaves a
manuscript that `ficpress build` would refuse; and it is written atomically.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from builder.editions import write_atomic
from builder.errors import FicpressError, ImportSourceError, OutputError
from builder.importers import draft as drafts
from builder.importers import text
from builder.importers.decoding import decode, read_source
from builder.stages import manuscript, scenes

HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
MARKDOWN_SUFFIXES = frozenset({".md", ".markdown", ".mdown"})
# A file stem that is an identifier, not a name (`000_16ab0dadcb654190`, `12345678`).
MACHINE_STEM = re.compile(r"^[\W_]*(?:[0-9a-f]{6,}|\d+)(?:[\W_]+[0-9a-f]+)*[\W_]*$", re.I)


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import wrote and did."""

    path: Path
    """The manuscript written."""
    report: tuple[str, ...]
    """One line per thing done, for the user."""
    manuscript: str
    """The manuscript's text."""


def import_story(
    source: Path,
    out_dir: Path,
    *,
    title: str | None = None,
    author: str | None = None,
    force: bool = False,
) -> ImportResult:
    """Import `source` into `out_dir/<slug>.md`; refuses to replace a file unless `force`."""
    decoded = decode(read_source(source), source)
    kind = detect(source, decoded.text)
    if kind == "html":
        from builder.importers import html  # lxml loads only for a page

        draft = html.read(decoded.text, source)
    else:
        draft = text.read(decoded.text, source, markdown=kind == "markdown")
    if title:
        draft.meta["title"] = title
    if author:
        draft.meta["author"] = author
    draft = drafts.finish(draft, fallback_title=_stem_title(source))
    content = drafts.render(draft)
    path = out_dir / f"{slug(str(draft.meta['title'])) or slug(source.stem) or 'story'}.md"
    if path.exists() and not force:
        raise OutputError("already exists; add --force to replace it", path=path)
    _check(content, path, source)
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


def detect(source: Path, content: str) -> str:
    """`html`, `markdown` or `text`, by suffix, then by a look at the content."""
    suffix = source.suffix.lower()
    if suffix in HTML_SUFFIXES:
        return "html"
    if suffix in MARKDOWN_SUFFIXES:
        return "markdown"
    head = content.lstrip("\ufeff \n\t")[:200].lower()
    if head.startswith(("<!doctype html", "<html", "<?xml", "<body", "<p>", "<div")):
        return "html"
    return "text"


def slug(title: str) -> str:
    """`For Her Safety!` -> `for-her-safety`: ASCII letters and digits joined by dashes."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    ascii_title = re.sub(r"['’]", "", ascii_title.lower())
    return re.sub(r"[^a-z0-9]+", "-", ascii_title).strip("-")[:80].strip("-")


def _stem_title(source: Path) -> str | None:
    """A title from the file's name (`my_story-final.txt` -> `My story final`), unless the
    name is an identifier; then the story's first words are used."""
    stem = source.stem
    if MACHINE_STEM.match(stem) or not re.search(r"[A-Za-z]{3}", stem):
        return None
    words = re.sub(r"[_\-.]+", " ", stem).strip()
    return words[:1].upper() + words[1:]


def _check(content: str, path: Path, source: Path) -> None:
    """Read the manuscript back as `ficpress build` will, so that none is written that it
    would refuse (a story that is all footer, a private-use character ficpress reserves)."""
    try:
        scenes.split(manuscript.parse(content, path, file_time=lambda: 0))
    except FicpressError as error:
        raise ImportSourceError(
            f"cannot become a manuscript: it {error.message}", path=source
        ) from None

"""`ficpress import`: a story as found in the wild -> a clean manuscript.

Detects what the source is (plain text, Markdown, HTML: AO3, Tumblr or any page), reads it
into a `Draft`, applies the shared clean-up, and writes `<slug>.md`. The written text is
read back by the manuscript stages before it is put in place, so an import never leaves a
manuscript that `ficpress build` would refuse; and it is written atomically.

A source that is an http(s) address is fetched by `builder.importers.web`, which reads each
page it fetches through the same `read`/`write_story` path as a saved page.
"""

from __future__ import annotations

import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from builder import manuscript, scenes
from builder.editions import write_atomic
from builder.errors import FicpressError, ImportSourceError, OutputError
from builder.importers import draft as drafts
from builder.importers import html, text
from builder.importers.decoding import Decoded, decode, read_source

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
    more: tuple[ImportResult, ...] = ()
    """Further manuscripts the same source gave (a series' other works, a masterlist's
    posts); `report` already holds their lines."""


def import_story(
    source: Path | str,
    out_dir: Path,
    *,
    title: str | None = None,
    author: str | None = None,
    force: bool = False,
    cookies: Path | None = None,
) -> ImportResult:
    """Import `source` into `out_dir/<slug>.md`; refuses to replace a file unless `force`.

    `source` is a file, or the http(s) address of a story on a supported site (`cookies`: a
    Netscape cookie file sent to that site, for pages only logged-in users see)."""
    if is_address(source):
        from builder.importers import web  # the HTTP client loads only for an address

        options = web.FetchOptions(cookies=cookies)
        return web.import_address(
            str(source), out_dir, title=title, author=author, force=force, options=options
        )
    source = Path(source)
    decoded = decode(read_source(source), source)
    kind = detect(source, decoded.text)
    if kind == "html":
        draft = html.read(decoded.text, source)
    else:
        draft = text.read(decoded.text, source, markdown=kind == "markdown")
    return write_story(
        draft,
        decoded,
        source,
        out_dir,
        title=title,
        author=author,
        force=force,
        fallback_title=_stem_title(source),
    )


def is_address(source: Path | str) -> bool:
    """Whether `source` is a web address (`http://` or `https://`), not a file name."""
    return isinstance(source, str) and re.match(r"(?i)https?://", source) is not None


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
) -> ImportResult:
    """Clean `draft` up and write it as `out_dir/<slug>.md` (a name in `taken`, written
    earlier by the same import, gets a number instead of being replaced)."""
    if title:
        draft.meta["title"] = title
    if author:
        draft.meta["author"] = author
    draft = drafts.finish(draft, fallback_title=fallback_title)
    content = drafts.render(draft)
    name = slug(str(draft.meta["title"])) or slug(Path(str(source)).stem) or "story"
    path = out_dir / f"{name}.md"
    number = 1
    while path in taken:
        number += 1
        path = out_dir / f"{name}-{number}.md"
    if path.exists() and not force:
        raise OutputError("already exists; add --force to replace it", path=path)
    _check(content, path.name, source)
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


def _check(content: str, name: str, source: Path | str) -> None:
    """Read the manuscript back as `ficpress build` will, so that none is written that it
    would refuse (a story that is all footer, a private-use character ficpress reserves)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_text(content, encoding="utf-8")
        try:
            scenes.split(manuscript.read(path))
        except FicpressError as error:
            raise ImportSourceError(
                f"cannot become a manuscript: it {error.message}", path=source
            ) from None
        except OSError as error:
            raise OutputError(f"cannot check the manuscript: {error.strerror}") from None

"""`ficpress import`: a story as found in the wild -> a clean manuscript.

Detects what the source is (plain text, Markdown, HTML: AO3, Tumblr or any page; an EPUB by
its suffix or its ZIP signature), reads it
into a `Draft`, applies the shared clean-up, and writes `<slug>.md`. The written text is
read back by the manuscript stages before it is put in place, so an import never leaves a
manuscript that `ficpress build` would refuse; and it is written atomically.

A source that is an http(s) address is fetched by `builder.importers.web`, which reads each
page it fetches through the same `read`/`write_story` path as a saved page.
"""

from __future__ import annotations

import re
from pathlib import Path

from builder.importers import text
from builder.importers.decoding import decode, read_source
from builder.importers.writing import ImportResult, slug, write_story

HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
MARKDOWN_SUFFIXES = frozenset({".md", ".markdown", ".mdown"})
# A file stem that is an identifier, not a name (`000_16ab0dadcb654190`, `12345678`).
MACHINE_STEM = re.compile(r"^[\W_]*(?:[0-9a-f]{6,}|\d+)(?:[\W_]+[0-9a-f]+)*[\W_]*$", re.I)


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
    data = read_source(source)
    if source.suffix.lower() == ".epub" or data.startswith(b"PK\x03\x04"):
        from builder.importers import epub  # lxml and zipfile load only for a book

        if source.suffix.lower() == ".epub" or epub.is_epub(data):
            draft, decoded = epub.read(data, source)
            return write_story(
                draft, decoded, source, out_dir, title=title, author=author, force=force
            )
    decoded = decode(data, source)
    kind = detect(source, decoded.text)
    if kind == "html":
        from builder.importers import html  # lxml loads only for a page

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


def _stem_title(source: Path) -> str | None:
    """A title from the file's name (`my_story-final.txt` -> `My story final`), unless the
    name is an identifier; then the story's first words are used."""
    stem = source.stem
    if MACHINE_STEM.match(stem) or not re.search(r"[A-Za-z]{3}", stem):
        return None
    words = re.sub(r"[_\-.]+", " ", stem).strip()
    return words[:1].upper() + words[1:]


__all__ = ["ImportResult", "detect", "import_story", "is_address", "slug", "write_story"]

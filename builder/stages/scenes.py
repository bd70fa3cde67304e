"""Stage 2: the body's lines become chapters, scenes and paragraphs.

`# Title` starts a chapter. A line made only of a break marker (`--`, `* * *`, `o0o`,
`⁂`, `<hr>`...), optionally followed by a caption (`-- (6 months later)`), starts a
scene; the caption heads it. Blank lines separate paragraphs.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from builder.errors import ManuscriptError
from builder.model import Chapter, Manuscript, Paragraph, Scene, Source
from builder.stages.inline import SourceLine, parse_lines

CHAPTER_HEADING = re.compile(r"^#(?!#)\s+(?P<title>\S.*?)(?:\s+#+)?\s*$")
HTML_RULE = re.compile(r"^<hr\s*/?>(?P<rest>.*)$", re.IGNORECASE)
LETTER_ORNAMENT = re.compile(r"^(?P<marker>[oO0]{3,}|[xX]{3,})(?P<rest>(?:\s.*)?)$")
# Characters that begin or end ordinary prose never make a marker: quotes, brackets, and the
# sentence punctuation of `...` or `?!` lines.
PROSE_PUNCTUATION = frozenset("\"'“”‘’«»‹›„‚()[]{}.,;:!?…¿¡")
DASHES = frozenset("-‐‑‒–—―~*")
CAPTION_BRACKETS = {"(": ")", "[": "]", "{": "}"}


@dataclass(frozen=True, slots=True)
class SceneBreak:
    """A recognised break line."""

    marker: str
    """The marker as written, e.g. `* * *`."""
    caption: str | None
    """The caption's text with wrapping brackets removed, or None."""
    caption_column: int
    """1-based column where the caption's text starts."""


def is_marker_character(character: str) -> bool:
    return (
        not (character.isalnum() or character.isspace() or character in PROSE_PUNCTUATION)
        and unicodedata.category(character)[0] in "PS"
    )


def scene_break(line: str) -> SceneBreak | None:
    """The break a line makes, or None when the line is text."""
    stripped = line.strip()
    indent = len(line) - len(line.lstrip())
    if not stripped or _starts_prose(stripped[0]):
        return None
    marker, rest = _split_marker(stripped)
    if not marker:
        return None
    caption_text = rest.strip()
    if not caption_text:
        return SceneBreak(marker, None, 0)
    symbols = marker.replace(" ", "")
    # `- item`, `* item` and a French dialogue dash are prose; a captioned marker needs two
    # symbols or a real ornament such as `⁂`.
    if len(symbols) < 2 and (symbols in DASHES or symbols == "#"):
        return None
    if not any(character.isalnum() for character in caption_text):
        return None
    caption_text = _trim_caption(caption_text, symbols)
    column = indent + stripped.index(caption_text) + 1
    return SceneBreak(marker, caption_text, column)


def _starts_prose(first: str) -> bool:
    """Whether a line starting with `first` is text for sure (most lines): no marker starts
    with a letter or digit but the letter ornaments' `o`, `0` and `x`, nor with a quote or
    a bracket."""
    return (first.isalnum() and first not in "oO0xX") or first in PROSE_PUNCTUATION


def _split_marker(stripped: str) -> tuple[str, str]:
    for pattern in (HTML_RULE, LETTER_ORNAMENT):
        match = pattern.match(stripped)
        if match and (pattern is HTML_RULE or len(set(match.group("marker"))) > 1):
            rest = match.group("rest")
            return stripped[: len(stripped) - len(rest)].strip(), rest
    end = 0
    while end < len(stripped) and (
        is_marker_character(stripped[end]) or (stripped[end] == " " and end > 0)
    ):
        end += 1
    marker = stripped[:end].rstrip()
    rest = stripped[len(marker) :]
    # A marker is followed by a space, a bracketed caption or nothing: `*word*` is emphasis.
    if not marker or (rest and not rest[0].isspace() and rest[0] not in CAPTION_BRACKETS):
        return "", stripped
    return marker, rest


def _trim_caption(caption: str, symbols: str) -> str:
    """Drop a closing copy of the marker (`-- later --`) and wrapping brackets."""
    trailing = caption.rstrip("".join(set(symbols)) + " ")
    if trailing and trailing != caption and not trailing[-1].isspace():
        caption = trailing
    closing = CAPTION_BRACKETS.get(caption[0])
    if closing and caption.endswith(closing) and len(caption) > 2:
        caption = caption[1:-1].strip()
    return caption


@dataclass(slots=True)
class _Builder:
    """Accumulates chapters while the body is read line by line."""

    chapters: list[Chapter] = field(default_factory=list)
    title: Paragraph | None = None
    chapter_line: int = 0
    scenes: list[Scene] = field(default_factory=list)
    caption: Paragraph | None = None
    scene_line: int = 0
    paragraphs: list[Paragraph] = field(default_factory=list)
    lines: list[SourceLine] = field(default_factory=list)

    def end_paragraph(self) -> None:
        if self.lines:
            self.paragraphs.append(parse_lines(self.lines))
            self.lines = []

    def end_scene(self) -> None:
        self.end_paragraph()
        if self.paragraphs or self.caption:
            line = self.scene_line or self.paragraphs[0].line
            self.scenes.append(Scene(self.caption, tuple(self.paragraphs), line))
        self.caption, self.paragraphs, self.scene_line = None, [], 0

    def end_chapter(self) -> None:
        self.end_scene()
        if self.title and not self.scenes:
            self.scenes.append(Scene(None, (), self.chapter_line))
        if self.scenes:
            line = self.chapter_line or self.scenes[0].line
            self.chapters.append(Chapter(self.title, tuple(self.scenes), line))
        self.title, self.scenes, self.chapter_line = None, [], 0


def split(source: Source) -> Manuscript:
    """Chapters and scenes of the manuscript read from `source`."""
    builder = _Builder()
    for index, line in enumerate(source.body):
        number = source.body_line + index
        heading = CHAPTER_HEADING.match(line.strip())
        found_break = None if heading else scene_break(line)
        if heading:
            builder.end_chapter()
            column = line.index(heading.group("title")) + 1
            builder.title = parse_lines([SourceLine(heading.group("title"), number, column)])
            builder.chapter_line = number
        elif found_break:
            builder.end_scene()
            builder.scene_line = number
            if found_break.caption:
                builder.caption = parse_lines(
                    [SourceLine(found_break.caption, number, found_break.caption_column)]
                )
        elif line.strip():
            column = len(line) - len(line.lstrip()) + 1
            builder.lines.append(SourceLine(line.strip(), number, column))
        else:
            builder.end_paragraph()
    builder.end_chapter()
    if not builder.chapters:
        raise ManuscriptError(
            "has no story text after the front matter", path=source.path, line=source.body_line
        )
    return Manuscript(
        meta=source.meta,
        chapters=tuple(builder.chapters),
        source_path=source.path,
        content_hash=source.content_hash,
        modified=source.modified,
    )

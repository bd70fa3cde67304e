"""Inline markup: `*emphasis*` and `**strong**`, and nothing else.

Everything else the author typed (`<`, `&`, backslashes, underscores) is text. The
parser works on one paragraph's text (its lines joined with spaces) and maps every
token back to its source line and column.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from builder.model import Inline, Markup, Paragraph, Text

# An opener is not followed by a space, a closer not preceded by one (as in CommonMark), and
# a strong closer is not followed by another star, so that `***both***` nests.
# A backslash before a star (`\\*`) makes it a literal star: `ficpress import` writes it for a
# star that was the author's character (`f*ck`, a star in an HTML page), not markup.
STRONG = re.compile(r"(?<!\\)\*\*(?!\s)(.+?)(?<![\s\\])\*\*(?!\*)")
EMPHASIS = re.compile(r"(?<!\\)\*(?![\s*])(.+?)(?<![\s*\\])\*(?!\*)")
ESCAPED_STAR = re.compile(r"\\(?=\*)")


@dataclass(frozen=True, slots=True)
class SourceLine:
    """One source line that went into a paragraph."""

    text: str
    """The line with surrounding whitespace removed."""
    line: int
    """Its 1-based line number."""
    column: int
    """The 1-based column of `text`'s first character in the source line."""


class Positions:
    """Maps an offset in a paragraph's joined text back to a source line and column."""

    def __init__(self, lines: Sequence[SourceLine]) -> None:
        self._offsets: list[int] = []
        self._lines = list(lines)
        offset = 0
        for source_line in lines:
            self._offsets.append(offset)
            offset += len(source_line.text) + 1  # the joining space

    def at(self, offset: int) -> tuple[int, int]:
        index = max(bisect.bisect_right(self._offsets, offset) - 1, 0)
        source_line = self._lines[index]
        return source_line.line, source_line.column + offset - self._offsets[index]

    def line_starts(self, start: int, end: int) -> list[int]:
        """Offsets strictly inside (start, end) where a new source line begins."""
        return [offset for offset in self._offsets if start < offset < end]


def parse_lines(lines: Sequence[SourceLine]) -> Paragraph:
    """A paragraph from its source lines: a single line break inside it is a space."""
    text = " ".join(source_line.text for source_line in lines)
    positions = Positions(lines)
    return Paragraph(tuple(_parse(text, 0, positions)), lines[0].line)


def parse_text(text: str, line: int, column: int = 1) -> Paragraph:
    """A paragraph from one piece of text that starts at `line`:`column`."""
    return parse_lines([SourceLine(text, line, column)])


def _parse(text: str, start: int, positions: Positions) -> list[Inline]:
    tokens: list[Inline] = []
    position = 0
    while position < len(text):
        found = _earliest(text, position)
        if found is None:
            break
        match, tag = found
        if match.start() > position:
            tokens.extend(_texts(text[position : match.start()], start + position, positions))
        tokens.append(Markup(tag, opening=True))
        tokens.extend(_parse(match.group(1), start + match.start(1), positions))
        tokens.append(Markup(tag, opening=False))
        position = match.end()
    if position < len(text):
        tokens.extend(_texts(text[position:], start + position, positions))
    return tokens


def _earliest(text: str, position: int) -> tuple[re.Match[str], Literal["em", "strong"]] | None:
    strong = STRONG.search(text, position)
    emphasis = EMPHASIS.search(text, position)
    if strong and (emphasis is None or strong.start() <= emphasis.start()):
        return strong, "strong"
    if emphasis:
        return emphasis, "em"
    return None


def _texts(text: str, offset: int, positions: Positions) -> list[Text]:
    """Text tokens for `text`, one per source line it spans, so that every position inside
    a token is its column plus an offset (the joining space ends the previous line's token).
    The backslash of an escaped star is dropped, and a new token starts at the star."""
    cuts = {0, *(cut - offset for cut in positions.line_starts(offset, offset + len(text)))}
    escapes = {match.start() for match in ESCAPED_STAR.finditer(text)}
    cuts |= {escape + 1 for escape in escapes}
    ordered = sorted(cuts)
    tokens = []
    for begin, end in zip(ordered, [*ordered[1:], len(text)], strict=True):
        piece = text[begin:end]
        if end - 1 in escapes:
            piece = piece[:-1]
        if piece:
            line, column = positions.at(offset + begin)
            tokens.append(Text(piece, line, column))
    return tokens


def plain_text(paragraph: Paragraph) -> str:
    """The paragraph's characters without markup; a slot shows as the author wrote it."""
    parts: list[str] = []
    for token in paragraph.inlines:
        if isinstance(token, Text):
            parts.append(token.text)
        elif not isinstance(token, Markup):
            if token.article:
                parts.append(token.article + " ")
            parts.append(token.written)
    return "".join(parts)

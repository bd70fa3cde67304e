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

# The markup, as regular expressions say it (docs and tests compare against these; the parser
# below finds the same matches in linear time, where these would take quadratic time on
# `**a **a **a ...`, a lazy `.+?` tried to the end of the text from every opener):
#   strong:   (?<!\\)\*\*(?!\s)(.+?)(?<![\s\\])\*\*(?!\*)
#   emphasis: (?<!\\)\*(?![\s*])(.+?)(?<![\s*\\])\*(?!\*)
# An opener is not followed by a space, a closer not preceded by one (as in CommonMark), and
# a strong closer is not followed by another star, so that `***both***` nests.
# A backslash before a star (`\\*`) makes it a literal star: `ficpress import` writes it for a
# star that was the author's character (`f*ck`, a star in an HTML page), not markup.
ESCAPED_STAR = re.compile(r"\\(?=\*)")
MAX_NESTING = 32
"""Markup nested deeper than this is left as the text it is (`*****...word*****...`): no
story nests emphasis that far, and the bound keeps parsing linear and recursion shallow."""
Tag = Literal["em", "strong"]
TAGS: tuple[Tag, ...] = ("strong", "em")


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
        first = bisect.bisect_right(self._offsets, start)
        last = bisect.bisect_left(self._offsets, end)
        return self._offsets[first:last]


def parse_lines(lines: Sequence[SourceLine]) -> Paragraph:
    """A paragraph from its source lines: a single line break inside it is a space."""
    text = " ".join(source_line.text for source_line in lines)
    positions = Positions(lines)
    return Paragraph(tuple(_parse(text, positions)), lines[0].line)


def parse_text(text: str, line: int, column: int = 1) -> Paragraph:
    """A paragraph from one piece of text that starts at `line`:`column`."""
    return parse_lines([SourceLine(text, line, column)])


def _parse(text: str, positions: Positions) -> list[Inline]:
    if "*" not in text:  # most paragraphs: nothing to look for
        return list(_texts(text, 0, positions))
    return _Parser(text, positions).parse(0, len(text), 0)


class _Parser:
    """Finds what the two regular expressions above would, in one paragraph's `text`.

    A level of nesting is a range [lo, hi) of the text, parsed as the regular expressions
    parse the substring: look-behinds see nothing before `lo`, look-aheads nothing from `hi`.
    Where the stars are, and which of them are valid closers in the whole text, is worked out
    once; a level then finds a match from an opener with one binary search, and keeps its
    next strong and next emphasis match until it has passed it. So a level costs the stars
    in it, and a paragraph at most its stars times MAX_NESTING: only stars are ever visited,
    one by one, so a long paragraph with a few stars costs little more than finding them."""

    def __init__(self, text: str, positions: Positions) -> None:
        self.text = text
        self.positions = positions
        self.stars = [match.start() for match in re.finditer(r"\*", text)]
        self.strong_closers = [
            j for j in self.stars if self.closes("strong", j) and not self._star(j + 2)
        ]
        self.em_closers = [j for j in self.stars if self.closes("em", j) and not self._star(j + 1)]

    def _star(self, index: int) -> bool:
        return index < len(self.text) and self.text[index] == "*"

    def closes(self, tag: Tag, j: int) -> bool:
        """Whether a closer's left side is at `j`: `**` not after a space or `\\`; `*` not
        after a space, `*` or `\\`."""
        text = self.text
        if j == 0 or text[j] != "*" or text[j - 1].isspace():
            return False
        if tag == "strong":
            return self._star(j + 1) and text[j - 1] != "\\"
        return text[j - 1] not in "*\\"

    def parse(self, lo: int, hi: int, depth: int) -> list[Inline]:
        tokens: list[Inline] = []
        position = lo
        found: dict[Tag, tuple[int, int] | None] = {}
        while position < hi:
            kind: Tag
            for kind in TAGS:
                if kind not in found or (
                    (match := found[kind]) is not None and match[0] < position
                ):
                    found[kind] = self._search(kind, position, lo, hi)
            strong, em = found["strong"], found["em"]
            tag: Tag
            if strong is not None and (em is None or strong[0] <= em[0]):
                tag, (opener, closer), width = "strong", strong, 2
            elif em is not None:
                tag, (opener, closer), width = "em", em, 1
            else:
                break
            if opener > position:
                tokens.extend(self._texts(position, opener))
            if depth >= MAX_NESTING:
                tokens.extend(self._texts(opener, closer + width))
            else:
                tokens.append(Markup(tag, opening=True))
                tokens.extend(self.parse(opener + width, closer, depth + 1))
                tokens.append(Markup(tag, opening=False))
            position = closer + width
        if position < hi:
            tokens.extend(self._texts(position, hi))
        return tokens

    def _search(self, tag: Tag, position: int, lo: int, hi: int) -> tuple[int, int] | None:
        """(opener, closer) of the first `tag` match starting at or after `position`."""
        text, width = self.text, 2 if tag == "strong" else 1
        stars = self.stars
        for index in range(bisect.bisect_left(stars, position), len(stars)):
            i = stars[index]
            if i >= hi - 2 * width:
                break
            if i > lo and text[i - 1] == "\\":
                continue
            after = text[i + width]
            if tag == "strong" and (text[i + 1] != "*" or after.isspace()):
                continue
            if tag == "em" and (after.isspace() or after == "*"):
                continue
            closer = self._closer(tag, i + width + 1, hi)
            if closer is not None and text.find("\n", i + width, closer) < 0:
                return i, closer
        return None

    def _closer(self, tag: Tag, first: int, hi: int) -> int | None:
        """The first closer at or after `first` inside [.., hi): where a closer is valid in the
        whole text, or one that ends exactly at `hi` (its look-ahead sees nothing there)."""
        width = 2 if tag == "strong" else 1
        valid = self.strong_closers if tag == "strong" else self.em_closers
        index = bisect.bisect_left(valid, first)
        best = valid[index] if index < len(valid) else len(self.text)
        if best + width > hi:
            best = hi
        end = hi - width
        if first <= end < best and self.closes(tag, end):
            best = end
        return best if best + width <= hi else None

    def _texts(self, begin: int, end: int) -> list[Text]:
        return _texts(self.text[begin:end], begin, self.positions)


def _texts(text: str, offset: int, positions: Positions) -> list[Text]:
    """Text tokens for `text`, one per source line it spans, so that every position inside
    a token is its column plus an offset (the joining space ends the previous line's token).
    The backslash of an escaped star is dropped, and a new token starts at the star."""
    starts = positions.line_starts(offset, offset + len(text))
    if not starts and "\\" not in text:  # most runs: inside one line, no escaped star
        return [Text(text, *positions.at(offset))] if text else []
    cuts = {0, *(cut - offset for cut in starts)}
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

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
    return _Parser(text, positions).parse(0, len(text), 0)


class _Parser:
    """Finds what the two regular expressions above would, in one paragraph's `text`.

    A level of nesting is a range [lo, hi) of the text, parsed as the regular expressions
    parse the substring: look-behinds see nothing before `lo`, look-aheads nothing from `hi`.
    Where each valid closer is, and the next one after every position, is worked out once for
    the whole text; a level then finds a match from an opener in constant time, and keeps its
    next strong and next emphasis match until it has passed it. So a level costs its length,
    and a paragraph at most its length times MAX_NESTING."""

    def __init__(self, text: str, positions: Positions) -> None:
        self.text = text
        self.positions = positions
        size = len(text)
        space = [character.isspace() for character in text]
        star = [character == "*" for character in text]
        # A closer's left side: `**` not after a space or `\`; `*` not after a space, `*`, `\`.
        self.strong_core = [
            j > 0
            and j + 1 < size
            and star[j]
            and star[j + 1]
            and not space[j - 1]
            and text[j - 1] != "\\"
            for j in range(size)
        ]
        self.em_core = [
            j > 0 and star[j] and not space[j - 1] and text[j - 1] not in "*\\" for j in range(size)
        ]
        self.next_strong = _next(
            [self.strong_core[j] and not (j + 2 < size and star[j + 2]) for j in range(size)]
        )
        self.next_em = _next(
            [self.em_core[j] and not (j + 1 < size and star[j + 1]) for j in range(size)]
        )
        self.next_newline = _next([character == "\n" for character in text])
        self.space = space

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
        for i in range(position, hi - 2 * width):
            if text[i] != "*" or (i > lo and text[i - 1] == "\\"):
                continue
            after = text[i + width]
            if tag == "strong" and (text[i + 1] != "*" or self.space[i + width]):
                continue
            if tag == "em" and (self.space[i + width] or after == "*"):
                continue
            closer = self._closer(tag, i + width + 1, hi)
            if closer is not None and self.next_newline[i + width] >= closer:
                return i, closer
        return None

    def _closer(self, tag: Tag, first: int, hi: int) -> int | None:
        """The first closer at or after `first` inside [.., hi): where a closer is valid in the
        whole text, or one that ends exactly at `hi` (its look-ahead sees nothing there)."""
        width, core = (2, self.strong_core) if tag == "strong" else (1, self.em_core)
        following = self.next_strong if tag == "strong" else self.next_em
        best = following[first] if first < len(following) else len(self.text)
        if best + width > hi:
            best = hi
        end = hi - width
        if first <= end < best and core[end]:
            best = end
        return best if best + width <= hi else None

    def _texts(self, begin: int, end: int) -> list[Text]:
        return _texts(self.text[begin:end], begin, self.positions)


def _next(flags: Sequence[bool]) -> list[int]:
    """For every index, the first index at or after it whose flag is set (or len(flags))."""
    following = [len(flags)] * (len(flags) + 1)
    for index in range(len(flags) - 1, -1, -1):
        following[index] = index if flags[index] else following[index + 1]
    return following


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

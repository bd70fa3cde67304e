"""The author's marks on single pronouns: `her{+}` says "this one is the reader's", `her{-}`
"this one is not". The pronoun stage (builder.stages.pronouns) asks `mark` and takes the
author's word over its own there; `strip`, the stage after it, takes the marks off the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

from builder.errors import ManuscriptError
from builder.model import Inline, Manuscript, Paragraph, Slot, Text, map_paragraphs

MARK = re.compile(r"(?<=[^\W\d_])\{(?P<sign>[+-])\}")
"""`{+}` or `{-}` right after a word (no space between)."""
LOOSE = re.compile(r"\{[+-]\}")
REASONS = {
    "+": "the author's mark {+}: the reader's",
    "-": "the author's mark {-}: not the reader's",
}


def mark(paragraph: Paragraph, token: int, end: int) -> tuple[bool, str] | None:
    """(the reader's?, why) when the author marked the word ending at `end` of token `token`
    (its characters in the paragraph's inlines)."""
    text = paragraph.inlines[token]
    if not isinstance(text, Text) or text.text[end : end + 1] != "{":
        return None
    found = MARK.match(text.text, end)
    return None if found is None else (found["sign"] == "+", REASONS[found["sign"]])


def strip(book: Manuscript) -> Manuscript:
    """The stage after the pronoun stage: the manuscript without its marks (a mark that
    follows no word is an error naming its line)."""

    def take(paragraph: Paragraph) -> Paragraph:
        if not any(isinstance(t, Text) and LOOSE.search(t.text) for t in paragraph.inlines):
            return paragraph
        inlines: list[Inline] = []
        for token in paragraph.inlines:
            inlines.extend(_split(book, token, paragraph) if isinstance(token, Text) else [token])
        return replace(paragraph, inlines=tuple(inlines))

    return map_paragraphs(book, take)


def _split(book: Manuscript, token: Text, paragraph: Paragraph) -> Iterator[Text]:
    text, position = token.text, 0
    for found in LOOSE.finditer(text):
        # After a word, or right after a slot the word became (the token then starts with it).
        if not (MARK.match(text, found.start()) or found.start() == 0):
            raise ManuscriptError(
                f"'{found.group()}' at column {token.column + found.start()} must follow the "
                "pronoun it marks, with no space: her{+} or her{-}",
                path=book.source_path,
                line=token.line,
                source_line=_line_of(paragraph, token.line),
            )
        if found.start() > position:
            yield Text(text[position : found.start()], token.line, token.column + position)
        position = found.end()
    if position < len(text):
        yield Text(text[position:], token.line, token.column + position)


def _line_of(paragraph: Paragraph, line: int) -> str:
    """The paragraph's text on source line `line`, slots as written (for the error's excerpt)."""
    return "".join(
        token.text if isinstance(token, Text) else token.written
        for token in paragraph.inlines
        if isinstance(token, Text | Slot) and token.line == line
    )

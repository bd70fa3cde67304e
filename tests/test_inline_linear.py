"""Inline markup is parsed in linear time and finds exactly what the documented regular
expressions find (they are the reference here, run the old recursive way)."""

from __future__ import annotations

import re
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from builder.model import Inline, Markup
from builder.stages import inline
from builder.stages.inline import Positions, SourceLine, parse_text

STRONG = re.compile(r"(?<!\\)\*\*(?!\s)(.+?)(?<![\s\\])\*\*(?!\*)")
EMPHASIS = re.compile(r"(?<!\\)\*(?![\s*])(.+?)(?<![\s*\\])\*(?!\*)")


def reference(text: str, start: int, positions: Positions) -> list[Inline]:
    """The parser as it was: earliest match of either expression, its inside recursively."""
    tokens: list[Inline] = []
    position = 0
    while position < len(text):
        strong, em = STRONG.search(text, position), EMPHASIS.search(text, position)
        if strong and (em is None or strong.start() <= em.start()):
            match, tag = strong, "strong"
        elif em:
            match, tag = em, "em"
        else:
            break
        if match.start() > position:
            tokens.extend(
                inline._texts(text[position : match.start()], start + position, positions)
            )
        tokens.append(Markup(tag, opening=True))  # type: ignore[arg-type]
        tokens.extend(reference(match.group(1), start + match.start(1), positions))
        tokens.append(Markup(tag, opening=False))  # type: ignore[arg-type]
        position = match.end()
    if position < len(text):
        tokens.extend(inline._texts(text[position:], start + position, positions))
    return tokens


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="***\\ ab\n", max_size=40))
def test_same_tokens_as_the_regular_expressions(text: str) -> None:
    positions = Positions([SourceLine(text, 3, 5)])
    assert inline._parse(text, positions) == reference(text, 0, positions)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(alphabet="**\\ ab", min_size=1, max_size=12), min_size=1, max_size=5))
def test_same_tokens_across_source_lines(lines: list[str]) -> None:
    sources = [SourceLine(text, number + 1, 1) for number, text in enumerate(lines)]
    positions = Positions(sources)
    text = " ".join(lines)
    assert inline._parse(text, positions) == reference(text, 0, positions)


def seconds(text: str) -> float:
    started = time.perf_counter()
    parse_text(text, 1)
    return time.perf_counter() - started


def test_unclosed_strong_openers_parse_in_linear_time() -> None:
    """`**a ` repeated took 23 s for 80 KB and 114 s for 160 KB (quadratic)."""
    small, large = seconds("**a " * 10_000), seconds("**a " * 40_000)
    assert large < 5
    assert large < 10 * max(small, 0.01)  # four times the text: ~4x the time, not 16x


def test_thousands_of_stars_around_a_word_are_no_recursion_error() -> None:
    paragraph = parse_text("*" * 5000 + "word" + "*" * 5000, 1)
    depth = deepest = 0
    for token in paragraph.inlines:
        if isinstance(token, Markup):
            depth += 1 if token.opening else -1
            deepest = max(deepest, depth)
    assert deepest == inline.MAX_NESTING
    assert "word" in inline.plain_text(paragraph)

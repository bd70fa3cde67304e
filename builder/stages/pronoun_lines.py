"""The lines of dialogue around a pronoun, for the pronoun stage: who acts right before a line
(its likely speaker), whether the reader says a line, which line a tag follows, whom the
paragraph before was about, and whether a line of the reader's takes up the words of a line
about her (`"Was she brave?" / "She was not," said Y/N`).
"""

from __future__ import annotations

from collections.abc import Sequence

from builder.stages.pronoun_mentions import ADDRESSED, Mention, State, in_paragraph
from builder.stages.pronoun_reading import Item


def acting_before(state: State, items: Sequence[Item], index: int) -> set[str]:
    """Who does something in the narration right before the line at `index` (`He glanced at
    her. "He's my boyfriend."`): the one who says it, when no tag says otherwise."""
    start = index
    while start > 0 and items[start - 1].quoted:
        start -= 1
    if start == 0 or items[start - 1].text not in (".", "!", "?", "…"):
        return set()  # no sentence of narration ends right before the line
    beat = items[start - 1].sentence - 1  # a full stop opens the next sentence
    subjects = [
        m
        for m in state.mentions
        if in_paragraph(m, state) and not m.quoted and m.subject and m.sentence == beat and m.who
    ]  # the reader's own lines need a tag naming them (`Y/N said`): a pronoun may be wrong
    return {subjects[0].who} if subjects and not subjects[0].reader else set()


def reader_beat(state: State, items: Sequence[Item]) -> bool:
    """The paragraph's first line follows a sentence whose subject is the reader by name
    (`Y/N's throat was dry. "You poisoned me."`): the reader says it."""
    first = next((at for at, item in enumerate(items) if item.quoted), None)
    if not first or items[first - 1].text not in (".", "!", "?", "…"):
        return False
    beat = items[first - 1].sentence - 1  # a full stop opens the next sentence
    subjects = [
        m
        for m in state.mentions
        if in_paragraph(m, state) and not m.quoted and m.subject and m.sentence == beat
    ]
    return bool(subjects) and subjects[0].reader and items[subjects[0].position].kind == "slot"


def line_before(items: Sequence[Item], index: int) -> int | None:
    """The last quoted item of the line that the tag at `index` follows (`"...," she said`)."""
    at = index - 1
    while at >= 0 and not items[at].quoted:
        if items[at].text not in ('"', "”"):
            return None
        at -= 1
    return at if at >= 0 else None


def topic_before(state: State, pool: Sequence[Mention]) -> str:
    """Who the last sentence of the paragraph before is about (the subject that opens it), if
    it is narration: the likely speaker of a line opening this one. `reader` when no one
    opens it (`Later, when Carol had rung, Y/N found herself...`)."""
    told = [m for m in pool if not m.quoted and m.paragraph == state.paragraph - 1]
    last = [m for m in told if m.subject and m.sentence == told[-1].sentence] if told else []
    return last[0].who if last and last[0].first else "reader"


def says_you(items: Sequence[Item], item: Item) -> bool:
    """The line says `you` to someone (`your sister` only talks of a third person)."""
    return any(i.quoted and i.lower in ("you", "you're", "you've", "you'd") for i in items)


def takes_up(state: State, items: Sequence[Item], index: int) -> bool:
    """The reader's line at `index` takes up the words of a line about her: the pronoun opens
    a sentence of the line (`"She was not."`, not `"What she said."`) or the line already
    did, and nobody else of the pronouns is talked of in it before (`"Tell the queen. And
    tell her..."`)."""
    line = [m for m in state.mentions if in_paragraph(m, state) and m.quoted and m.position < index]
    if any(not m.reader and m.who != ADDRESSED for m in line):
        return False
    opens = index == 0 or items[index - 1].text in ('"', "“", ".", "!", "?", "…")
    return opens or any(m.reader for m in line)

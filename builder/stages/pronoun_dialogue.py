"""Who talks in a paragraph, for the pronoun stage: the speakers its tags name (`"...," Y/N
said`, `said Marit`), the pronouns that tag a line (`"...," she said`), and whether a line is
said to the reader.

What English dialogue tells about a pronoun without knowing the story:

- nobody calls themselves by name: a line that names the reader (`"Y/N," she said`,
  `"Y/N, wait," she called`) is someone else's, so its tag pronoun is not the reader;
- a speaker says `I`, the one spoken to is `you`: in a line said to the reader (it calls the
  reader by name, or answers the reader's own line in the paragraph before), `she` is not
  the reader.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from builder.stages import pronoun_words as en
from builder.stages.pronoun_reading import READER_CODES, Item, name_of

OPENING = frozenset({'"', "“"})
CLOSING = frozenset({",", ".", "!", "?", "…", '"', "”"})


@dataclass(frozen=True, slots=True)
class Exchange:
    """The dialogue of one paragraph, as far as its words show it."""

    speakers: frozenset[str]
    """Who its tags name as speaking: `reader`, or names of the story."""
    tags: frozenset[int]
    """Indices of the pronouns that tag a line (`"...," she said`, `said he`)."""
    names_reader: bool
    """A line calls the reader by name: whoever says it is not the reader."""
    to_reader: int
    """Lines before this index are said to the reader when one calls the reader by name as a
    form of address (else 0): up to where the narration turns to someone else (`turned to
    Oskar`, `To Pia she says`)."""
    turn: int
    """Where the paragraph's first turn ends: the narration turns to someone else."""
    opens_with_line: bool
    """The paragraph starts with a quoted line (a new turn of the conversation)."""
    other_speaker: bool = False
    """A tag names someone neither the reader nor of the reader's pronouns (`Bastian says`, `he
    said` in a story whose reader is she)."""


SILENCE = Exchange(frozenset(), frozenset(), False, 0, 0, False)
"""A paragraph without dialogue."""


def exchange(items: Sequence[Item], names: frozenset[str], written: str) -> Exchange:
    """What the paragraph's `items` show of its dialogue, in a story whose reader is
    `written` (she, he or you)."""
    speakers: set[str] = set()
    tags: set[int] = set()
    other = False
    for at in range(len(items) - 1):
        first, second = items[at], items[at + 1]
        if first.quoted or second.quoted:
            continue
        for who, verb, where in ((first, second, at), (second, first, at + 1)):
            if verb.lower not in en.SPEECH:
                continue
            if who.text in READER_CODES:
                speakers.add("reader")
            elif name_of(who.text) in names:
                speakers.add(name_of(who.text))
            elif who.lower == written and _beside_a_line(items, where):
                tags.add(where)
            elif who.lower in en.TITLES:  # `says Madame Marit`: the name after the title speaks
                titled = items[where + 1] if where == at + 1 and where + 1 < len(items) else None
                if titled is not None and name_of(titled.text) in names:
                    speakers.add(name_of(titled.text))
            elif who.lower in ("she", "he") or (
                who.kind == "word" and who.text[0].isupper() and who.text not in en.NOT_NAMES
            ):
                other = True  # the other set's pronoun, or a name not of the reader's
    named = [at for at, item in enumerate(items) if item.quoted and _calls_reader(items, at)]
    # `turned to Y/N. "And you..."`: the narration turns to the reader (`looked at Y/N` only
    # with a `you` in the line after it: a look at someone is often one talked about)
    turned = next((at for at in range(1, len(items)) if _turns_to_reader(items, at)), None)
    turn = next(
        (
            at + 1
            for at in range(len(items) - 1)
            if not items[at].quoted
            and items[at].lower in ("to", "at")
            and items[at + 1].kind == "word"
            and items[at + 1].text[0].isupper()
        ),
        len(items),
    )
    return Exchange(
        frozenset(speakers),
        frozenset(tags),
        bool(named),
        turn if turned is not None or any(_vocative(items, at) for at in named if at < turn) else 0,
        turn,
        bool(items) and items[0].text in OPENING,
        other,
    )


def _calls_reader(items: Sequence[Item], at: int) -> bool:
    """The slot at `at` is the reader's own name, not said by the reader: not a family name
    (`L/N`, `Mrs. L/N`: the reader's family), not an introduction (`I'm Y/N`)."""
    if items[at].text not in READER_CODES or items[at].text == "L/N":
        return False
    before = items[at - 1].lower if at else ""
    if before == "." and at > 1:
        before = items[at - 2].lower
    return before not in en.TITLES and before not in en.BE | {"i'm", "am", "call"}


def _beside_a_line(items: Sequence[Item], at: int) -> bool:
    """The tag at `at` sits next to a quoted line: `"...," she said` or `she said, "..."`."""
    before = items[max(0, at - 3) : at]
    after = items[at + 1 : at + 5]
    return any(item.quoted or item.text in OPENING | {"”"} for item in (*before, *after))


def _turns_to_reader(items: Sequence[Item], at: int) -> bool:
    """Narration at `at` turns to the reader (`turned to Y/N`, `said to Y/N`, `looked at Y/N.
    "You should go."`)."""
    return (
        items[at].kind == "slot"
        and items[at].text in READER_CODES
        and not items[at].quoted
        and (
            items[at - 1].lower == "to"
            or (
                items[at - 1].lower == "at"
                and any(i.quoted and i.lower in ("you", "your") for i in items[at + 1 :])
            )
        )
    )


def _vocative(items: Sequence[Item], at: int) -> bool:
    """The reader's name at `at` is a form of address: `"Y/N, wait"`, `"Sorry, Y/N."`."""
    before = items[at - 1].text if at else ""
    after = items[at + 1].text if at + 1 < len(items) else ""
    return before in OPENING | {","} and after in CLOSING

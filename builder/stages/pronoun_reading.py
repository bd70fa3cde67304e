"""Reading a paragraph for the pronoun stage: its words with quote, sentence and clause marks,
the names a story calls by the reader's pronouns, the gendered words that are the reader's,
and cutting the words decided on into slots.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import pairwise

from builder.model import Inline, Paragraph, Slot, Text
from builder.pronouns import SLOT_PREFIX
from builder.stages import pronoun_words as en

READER_CODES = frozenset({"Y/N", "F/N", "L/N", "Y/L/N", "M/N", "N/N"})
ITEM = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*|--|[.!?…;:,()\"“”—–]")
SENTENCE_END = frozenset(".!?…")
ABBREVIATIONS = frozenset({"mr", "mrs", "ms", "dr", "st", "mx"})


@dataclass(slots=True)
class Item:
    """A word, a punctuation mark or a slot of a paragraph, where it is and what surrounds it."""

    text: str
    token: int
    start: int
    end: int
    kind: str  # "word", "punct" or "slot"
    quoted: bool = False
    sentence: int = 0
    clause: int = 0
    lower: str = ""
    """The text in lower case with straight apostrophes (what the word lists hold)."""

    def __post_init__(self) -> None:
        self.lower = self.text.lower().replace("’", "'")


def items_of(paragraph: Paragraph) -> list[Item]:
    """The paragraph's words, punctuation and slots, with quote, sentence and clause marks."""
    items: list[Item] = []
    for index, token in enumerate(paragraph.inlines):
        if isinstance(token, Text):
            for match in ITEM.finditer(token.text):
                kind = "word" if match.group()[0].isalpha() else "punct"
                items.append(Item(match.group(), index, match.start(), match.end(), kind))
        elif isinstance(token, Slot):
            items.append(Item(token.code, index, 0, 0, "slot"))
    quoted, sentence, clause = False, 0, 0
    for position, item in enumerate(items):
        text = item.text
        if text in ('"', "“", "”"):
            quoted = text == "“" or (text == '"' and not quoted)
            clause += 1
        elif text in SENTENCE_END:
            previous = items[position - 1].lower if position else ""
            if previous not in ABBREVIATIONS:
                sentence += 1
                clause += 1
        elif text in (";", ":", "(", ")", "—", "–", "--") or item.lower in en.CLAUSE_WORDS:
            clause += 1
        item.quoted, item.sentence, item.clause = quoted, sentence, clause
    return items


def reader_word(items: Sequence[Item], index: int, written: str) -> str | None:
    """Why the gendered word at `index` is the reader's, or None."""
    item = items[index]
    lower = item.lower
    after = items[index + 1] if index + 1 < len(items) else None
    if after is not None and after.text == "." and index + 2 < len(items):
        after = items[index + 2]  # `Mrs. L/N`
    if lower in en.HONORIFICS and after is not None and after.text in READER_CODES:
        return "a title before the reader's name"
    back = index - 1
    while back >= 0 and items[back].kind == "word" and _adjective(items[back].lower):
        back -= 1
    previous = items[back] if back >= 0 else None  # `, young man?`
    vocative = lower in en.VOCATIVES or (
        previous is not None and previous.text == "," and lower in en.ADDRESSES
    )
    if (
        vocative
        and item.quoted
        and previous is not None
        and previous.text in (",", '"', "“")
        and (after is None or after.text in (",", ".", "!", "?", '"', "”"))
    ):
        return "said to someone (a form of address)"
    endearment = items[index - 1] if index else None
    if (
        item.quoted
        and lower in ("man", "woman", "lady")
        and endearment is not None
        and endearment.lower == "young"
        and index > 1
        and items[index - 2].text == ","
    ):
        return "said to someone (`..., young man?`)"
    if (  # `the porter called you ma'am`, `calls Y/N princess`
        previous is not None
        and ((previous.lower == "you" and written == "you") or previous.text in READER_CODES)
        and back >= 1
        and items[back - 1].lower in en.CALLING
    ):
        return "what the reader is called"
    if lower in ("girl", "boy") and endearment and endearment.lower in en.TERMS_OF_ENDEARMENT:
        return f"'{endearment.text} {item.text}'"
    owner = items[back] if back >= 0 else None
    if (
        lower in en.ROMANTIC
        and owner is not None
        and (owner.lower in en.POSSESSIVE or (owner.kind == "word" and owner.lower.endswith("'s")))
    ):  # `my girlfriend`, `the keeper's girlfriend`
        return f"'{owner.text} {item.text}' about the beloved"
    if owner is not None and owner.lower in ("a", "an", "the", "my", "his", "her") and back:
        back -= 1
    verb = items[back] if back >= 0 else None
    if verb is not None and (verb.lower in en.BE or verb.lower in ("'re", "'s")) and back >= 1:
        subject = items[back - 1]
        if subject.text in READER_CODES or (written == "you" and subject.lower == "you"):
            return "said of the reader (the reader is this)"
    you_are = verb is not None and (
        verb.lower == "you're"
        or (verb.lower == "are" and back >= 1 and items[back - 1].lower == "you")
        or (verb.lower == "you" and back >= 1 and items[back - 1].lower == "are")  # are you a
    )
    if you_are and (written == "you" or item.quoted):
        return "said of the reader (you are this)"
    if written == "you" and item.quoted and _i_am(items, index) and _you_say(items):
        return "the reader says it of herself (`I'm not a lady,` you say)"
    return None


def presented(items: Sequence[Item], index: int) -> bool:
    """The gendered word at `index` presents someone in a line: `That's my sister`, `This is
    the girl who...` (whom `that` points at is whom the line is about)."""
    back = index - 1
    while back >= 0 and items[back].kind == "word" and _adjective(items[back].lower):
        back -= 1
    if back >= 0 and items[back].lower in ("a", "an", "the", "my", "your", "our"):
        back -= 1
    if back < 0 or not items[index].quoted:
        return False
    if items[back].lower in ("that's", "this's"):
        return True
    return items[back].lower == "is" and back >= 1 and items[back - 1].lower in ("this", "that")


def _i_am(items: Sequence[Item], index: int) -> bool:
    """`I'm not a lady`, `I am just a girl`: the word says what the speaker is."""
    back = index - 1
    while back >= 0 and (
        items[back].lower in ("a", "an", "the", "not", "just", "only", "really", "no")
        or (items[back].kind == "word" and _adjective(items[back].lower))
    ):
        back -= 1
    if back < 0:
        return False
    if items[back].lower == "i'm":
        return True
    return items[back].lower == "am" and back >= 1 and items[back - 1].lower == "i"


def _you_say(items: Sequence[Item]) -> bool:
    """In a second-person story, the paragraph's line is the reader's: `you say`, `you tell
    her`, `you said`."""
    return any(
        first.lower == "you" and not first.quoted and second.lower in en.SPEECH | en.SPEECH_BASE
        for first, second in pairwise(items)
    )


def _adjective(word: str) -> bool:
    kinds = en.kinds(word)
    return word not in en.CLOSED and "ADJ" in kinds and ("NOUN" not in kinds or word in ORDINALS)


ORDINALS = frozenset({"first", "second", "third", "last", "only", "best", "most"})


def next_word(items: Sequence[Item], index: int, skip_adverbs: bool = True) -> int | None:
    """The index of the next word right after `index` (an adverb skipped), if no punctuation
    comes between."""
    for at in range(index + 1, min(index + 3, len(items))):
        if items[at].kind != "word":
            return at if items[at].kind == "slot" else None
        if not (skip_adverbs and items[at].lower in en.ADVERBS and at == index + 1):
            return at
    return None


def name_of(word: str) -> str:
    """`Theo's` -> `Theo`."""
    for suffix in ("'s", "’s"):
        if word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _acts(items: Sequence[Item], position: int) -> bool:
    """The name at `position` does something in its sentence: it is followed by a verb
    (`Priya called`, `Dani rolled`), is a possessor (`Dani's voice`) or says a line (`said
    Priya`), so that the next pronoun is likely its own."""
    item = items[position]
    if name_of(item.text) != item.text:
        return True
    if position and items[position - 1].lower in en.SPEECH:
        return True
    for later in items[position + 1 : position + 3]:
        if later.kind != "word":
            return later.text == ","  # `Priya, the stage manager, did not`
        if en.finite_verb(later.text):
            return True
        if later.lower not in en.ADVERBS:
            return False
    return False


def same_pronoun_names(all_items: Sequence[Sequence[Item]], written: str) -> frozenset[str]:
    """Names the story (its paragraphs' items) itself calls by the reader's pronouns: after a
    name, the next subject or reflexive pronoun before anyone else is named (`Priya ... she
    called`) is a vote."""
    # A name is capitalised where a sentence does not start, or is no English word at all
    # (`Mara`, met only at sentence starts); `Instead` is neither.
    capitalised = {
        name_of(item.text)
        for items in all_items
        for position, item in enumerate(items)
        if item.kind == "word"
        and item.text[0].isupper()
        and (
            (position and items[position - 1].text not in SENTENCE_END | {'"', "“", "”"})
            or not (en.kinds(name_of(item.text)) or item.lower in en.CLOSED)
        )
    }
    lower_case = {item.lower for items in all_items for item in items if item.text[:1].islower()}
    counts = Counter(
        name_of(item.text) for items in all_items for item in items if item.kind == "word"
    )
    names = {
        name
        for name in capitalised
        if name not in en.NOT_NAMES
        and name.isalpha()
        and not name.isupper()
        and name.lower() not in lower_case
        and counts[name] >= 2
    }
    other = "he" if written == "she" else "she"
    votes: dict[str, dict[str, int]] = {}
    voters = {"she": "she", "herself": "she", "he": "he", "himself": "he", "his": "he"}
    for items in all_items:
        for position, item in enumerate(items):
            name = name_of(item.text)
            if item.kind != "word" or name not in names:
                continue
            title = items[position - 1].lower if position else ""
            if title in en.TITLES:
                tally = votes.setdefault(name, {"she": 0, "he": 0})
                tally[en.TITLES[title]] += 2
            if position and name_of(items[position - 1].text) in names:
                continue  # a surname: `Theo Marsh`
            if not _acts(items, position):
                continue  # `saw Dani drinking out of it, he stopped`: not Dani's pronoun
            for later in items[position + 1 : position + 40]:
                if later.kind == "slot" or name_of(later.text) in names:
                    break
                if later.quoted != item.quoted:
                    continue  # `Rosa said, "Then he teaches you"`: someone Rosa talks about
                vote = voters.get(later.lower.partition("'")[0])
                if vote:
                    tally = votes.setdefault(name, {"she": 0, "he": 0})
                    tally[vote] += 1 if vote == written else 2  # the reader is never `other`
                    break
    return frozenset(
        name for name, tally in votes.items() if tally[written] and tally[written] >= tally[other]
    )


def cut(paragraph: Paragraph, items: Sequence[Item], cuts: list[tuple[int, str, str]]) -> Paragraph:
    """The paragraph with each cut word made a slot."""
    by_token: dict[int, list[tuple[int, int, str, str]]] = {}
    for index, role, variant in cuts:
        item = items[index]
        by_token.setdefault(item.token, []).append((item.start, item.end, role, variant))
    inlines: list[Inline] = []
    for number, token in enumerate(paragraph.inlines):
        if number not in by_token or not isinstance(token, Text):
            inlines.append(token)
            continue
        position = 0
        for start, end, role, variant in sorted(set(by_token[number])):
            if start > position:
                inlines.append(
                    Text(token.text[position:start], token.line, token.column + position)
                )
            inlines.append(
                Slot(
                    code=SLOT_PREFIX + role,
                    written=token.text[start:end],
                    line=token.line,
                    column=token.column + start,
                    variant=variant,
                )
            )
            position = end
        if position < len(token.text):
            inlines.append(Text(token.text[position:], token.line, token.column + position))
    return replace(paragraph, inlines=tuple(inlines))

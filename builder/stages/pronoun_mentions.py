"""Who the pronoun stage has met so far in a scene: the people mentioned (the reader, names
the story calls by the reader's pronouns, nouns like `the waitress`), where each mention
stands (sentence, clause, paragraph, inside a line or not, subject or not), and the state
the stage carries from paragraph to paragraph. builder.stages.pronoun_referents picks among
them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from builder.stages import pronoun_words as en
from builder.stages.pronoun_dialogue import SILENCE, Exchange
from builder.stages.pronoun_reading import Item, next_word

WINDOW = 2
"""How many paragraphs back a pronoun looks for who it means."""


ADDRESSED = "addressed"
"""Who a name spoken to is: nobody a pronoun of its line means."""


@dataclass(slots=True)
class Mention:
    reader: bool
    sentence: int
    clause: int
    paragraph: int
    quoted: bool
    subject: bool
    who: str = ""
    """Who it is: `reader`, a name, a noun (`waitress`); a pronoun inherits its antecedent's."""
    possessor: bool = False
    """A possessive name (`Mara's hand`): not what a pronoun in its own sentence means."""
    position: int = -1
    """Its index among its paragraph's items."""
    subordinate: bool = False
    """In a subordinate or relative clause (`because Oskar had left`, `that Marit is right`): less
    likely than the main clause's subject to be what the next clause's pronoun means."""
    first: bool = False
    """It opens its sentence (`Dani rolled her eyes, ...`): what the sentence is about."""
    certain: bool = True
    """False for a pronoun the stage left uncertain: what it is taken to mean is a guess."""


@dataclass(slots=True)
class State:
    written: str
    names: frozenset[str]
    column: int
    """Which column of builder.pronouns.WORDS the story's reader words are in."""
    mentions: list[Mention] = field(default_factory=list)
    paragraph: int = 0
    sentence: int = 0
    clause: int = 0
    talk: Exchange = SILENCE
    """The dialogue of the paragraph being read."""
    tagged: set[str] = field(default_factory=set)
    """Who the paragraph's tag pronouns so far turned out to be."""
    last_speaker: str = ""
    """Who spoke the line of the paragraph before (`reader`, a name), if it had one."""
    spoken_of: bool = False
    """A line of the paragraph before spoke of the reader with these pronouns (`"Is she
    awake?"`): the reader's answer may take up its words (`"She is," Y/N said`)."""


def mention(
    state: State, items: Sequence[Item], index: int, who: str, possessor: bool = False
) -> Mention:
    item = items[index]
    subject = item.lower not in en.NOT_SUBJECTS and (
        item.lower.partition("'")[0] in ("she", "he")
        or before_verb(items, index)
        or (  # `"...," said Luca`
            index > 1 and items[index - 1].lower in en.SPEECH and items[index - 2].kind == "punct"
        )
        or relative(items, index) is not None  # `Nadia, who waved her over`
        or _before_infinitive(items, index)  # `it took Luca to cross the room`
    )
    opens = index == 0 or items[index - 1].text in (".", "!", "?", "…", '"', "“")
    after = items[index + 1].text if index + 1 < len(items) else ""
    if item.quoted and (opens or items[index - 1].text == ",") and after in ',.!?"”':
        who = ADDRESSED  # `"Oskar, sit down. He walked all night."`: Oskar is you
        subject = opens = False
    return Mention(
        who == "reader",
        *(item.sentence, item.clause, state.paragraph, item.quoted),
        # `Priya, the stage manager, did`; `Marit's kettle whistled. She poured`: a sentence's
        # first person is its topic, as its subject or the subject's owner
        subject=(subject and not possessor) or opens,
        who=who,
        possessor=possessor,
        position=index,
        first=opens,
        # `looked at Theo, who was looking back`: an object is only its relative clause's subject
        subordinate=opener(items, index) in en.SUBORDINATORS
        or (relative(items, index) is not None and not opens and items[index - 1].kind == "word"),
    )


def _before_infinitive(items: Sequence[Item], index: int) -> bool:
    """The name at `index`, after a verb, is the subject of the infinitive that follows it
    (`had taken Luca Ferrante to cross the lobby`, `asked Mara to sing`; not `went to Mara to
    ask`): a surname may come between."""
    if not index or items[index - 1].kind != "word" or items[index - 1].lower in en.CLOSED:
        return False
    at = index + 1
    if at < len(items) and items[at].kind == "word" and items[at].text[0].isupper():
        at += 1
    return (
        at + 1 < len(items)
        and items[at].lower == "to"
        and items[at + 1].kind == "word"
        and en.base_verb(items[at + 1].text)
    )


def opener(items: Sequence[Item], index: int) -> str:
    """The first word of the clause the item at `index` is in."""
    start = index
    while start > 0 and items[start - 1].clause == items[index].clause:
        start -= 1
    return items[start].lower


def before_verb(items: Sequence[Item], index: int) -> bool:
    after = next_word(items, index)
    return after is not None and en.finite_verb(items[after].text)


def relative(items: Sequence[Item], index: int) -> int | None:
    """The index of the relative pronoun right after the person at `index` (`Nadia, who`),
    whose clause that person is the subject of."""
    at = index + 1
    if at < len(items) and items[at].text == ",":
        at += 1
    return at if at < len(items) and items[at].lower in ("who", "which") else None


def in_paragraph(mention: Mention, state: State) -> bool:
    return mention.paragraph == state.paragraph

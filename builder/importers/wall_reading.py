"""A wall of text read for paragraph repair: quotations (with their tags and whom they
address) and the narration sentences between them, each with the character it is about.

Pure reading, no decisions: `paragraphs.restore` decides where the paragraphs go.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from builder.stages.placeholders import BUILT_IN, pattern


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_QUOTE_OPENERS = {'"': '"', "“": "”"}
# Sentence ends inside narration: terminal punctuation (with closing quotes or brackets),
# then space, then something that can start a sentence.
_SENTENCE_BREAK = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+(?=[\"“‘(\[]?[A-Z0-9])")
_ABBREVIATIONS = _words("mr mrs ms dr st jr sr prof capt gen lt sgt col vs etc no mt ft")
_WORD = re.compile(r"[A-Za-z][\w'’]*")
_PLACEHOLDER = pattern(info.code for info in BUILT_IN)
READER = "you"
"""Who the reader is in a reader-insert story: `you`, and `Y/N`."""
# Who a sentence is about: pronouns stand for a character; the reader is `you` (and Y/N).
_PRONOUNS = {
    "he": "he",
    "his": "he",
    "him": "he",
    "she": "she",
    "her": "she",
    "you": READER,
    "your": READER,
    "i": "i",
    "my": "i",
    "we": "we",
    "our": "we",
    "they": "they",
    "their": "they",
}
THIRD_PERSON = frozenset({"he", "she", "they"})
_SAYING_VERBS = _words(
    """say says said ask asks asked reply replies replied whisper whispers whispered shout shouts
    shouted yell yells yelled mutter mutters muttered murmur murmurs murmured call calls called
    add adds added answer answers answered continue continues continued snap snaps snapped
    hiss hisses hissed tell tells told stammer stammers stammered mumble mumbles mumbled
    exclaim exclaims exclaimed demand demands demanded drawl drawls drawled agree agrees agreed
    repeat repeats repeated respond responds responded explain explains explained admit admits
    admitted insist insists insisted plead pleads pleaded beg begs begged warn warns warned
    suggest suggests suggested retort retorts retorted protest protests protested interrupt
    interrupts interrupted announce announces announced declare declares declared whine whines
    whined tease teases teased grumble grumbles grumbled confess confesses confessed"""
)
"""Verbs that only report speech: `He says.` is a tag even after a full stop."""
_SPEECH_VERBS = _SAYING_VERBS | _words(
    """scream screams screamed cry cries cried sigh sighs sighed laugh laughs laughed growl
    growls growled breathe breathes breathed spit spits spat sob sobs sobbed chuckle chuckles
    chuckled bargain bargains bargained groan groans groaned scoff scoffs scoffed giggle giggles
    giggled snicker snickers snickered grunt grunts grunted coo coos cooed purr purrs purred
    croak croaks croaked rasp rasps rasped bark barks barked sing sings sang huff huffs huffed
    snort snorts snorted"""
)
"""...and sounds that carry words as a tag (`"Fine," he sighed.`), not after a full stop."""
_STARTLED = _words(
    """jump jumps jumped flinch flinches flinched startle startles startled freeze freezes froze
    stiffen stiffens stiffened"""
)
"""What a listener does on hearing words (`"Shh!" You jumped.`): not what their speaker does."""
_ACTING_SUBJECT = re.compile(
    r"(?:^|[.!?…][\"”]? )([A-Z][a-z]+) (?:[a-z]+ed|"
    r"was|is|had|has|did|does|would|could|will|can|wasn't|isn't|hadn't|didn't)\b"
)
_NO_NAMES = _words("it there this that what who nothing everything everyone someone nobody")
"""Capitalised words before `was` that are no names, even when a short wall never has them
in lower case."""
_YOUR = re.compile(r"\b[Yy]our\b")
_TITLES = _words(
    "mr mrs ms miss dr madam madame agent captain professor lady lord sir detective officer"
)
"""Words before a name (`Mr. Okafor said`): the character is the name after them."""
_PET_NAMES = _words(
    "doll kid kiddo sweetheart darling honey babe baby princess angel sweetie love dear pet"
)
"""What characters call the reader in x-reader fiction (`You're dripping on my floor, doll.`)."""
_VOCATIVE_AT_END = re.compile(r",\s+([A-Za-z][\w/]*)[.!?…]+(?=\s|$)")
"""`..., Spencer!`: a name after a comma that ends a sentence of the quotation."""
_VOCATIVE_AT_START = re.compile(r"^([A-Z][\w/]*)(?:,\s|[.!?…]+$)")
"""`Dean, it's late.` or the whole quotation `Bucky.`"""
_SHIFT_OF_TIME = re.compile(
    r"^(?:(?:an?|one|two|three|four|five|six|several|a few|many|some) \w+ later\b|later\b"
    r"|(?:the|that) (?:next|following) (?:morning|day|night|evening|week|afternoon)\b"
    r"|(?:that|the next) (?:morning|night|evening|afternoon)\b|the next day\b|meanwhile\b"
    r"|by the time\b|afterwards\b|after that\b|halfway through\b"
    r"|on the (?:\w+ )?(?:morning|day|night|evening|afternoon)\b)",
    re.IGNORECASE,
)
"""A sentence that moves the story in time (`An hour later`, `The next morning`): a new
paragraph in any printed story."""
_SHIFT_OF_PLACE = re.compile(
    r"^(?:across|behind|outside|inside|above|below|beyond|downstairs|upstairs|overhead|"
    r"nearby|somewhere|elsewhere|at the other end|on the other side)\b[^,.!?]{0,30},"
)
"""A sentence that opens on another part of the scene (`Behind you, the doors boomed open.`)."""


@dataclass(slots=True)
class Segment:
    """A quotation with what is glued to it, or one sentence of narration."""

    kind: Literal["quote", "narration"]
    """Which of the two."""
    text: str
    """The text, exactly as in the wall."""
    tag: str | None = None
    """For a quotation with a dialogue tag (`"What's wrong?" you ask.`): who the tag names."""
    addressed: str | None = None
    """For a quotation: whom it calls by name (`"..., Spencer!"`; `you` for Y/N or `doll`)."""
    subject: str | None = None
    """For narration: the character the sentence is about, when it starts with one."""
    felt_by_reader: bool = False
    """For narration about no one: whether it happens in the reader (`The coffee turned to
    acid in your stomach.`)."""
    startled: bool = False
    """For narration: whether its subject starts at what was just said (`You jumped`)."""
    shift: Literal["time", "place"] | None = None
    """For narration: whether it opens by moving in time (`An hour later`) or place
    (`Behind you,`)."""


def quotations(text: str) -> list[tuple[int, int]]:
    """(start, end) of each quotation in `text`; empty when the quotes do not balance."""
    spans = []
    position = 0
    while position < len(text):
        character = text[position]
        closer = _QUOTE_OPENERS.get(character)
        opens = position == 0 or text[position - 1].isspace() or text[position - 1] in "([—–-"
        if closer and opens:
            end = text.find(closer, position + 1)
            if end < 0:
                return []
            spans.append((position, end + 1))
            position = end + 1
        elif character in '"”':
            return []  # a closing quote with no opener: not safe to cut around
        else:
            position += 1
    return spans


def spoken(quotation: str) -> str:
    """The words inside a quotation segment's quotes (without its tag)."""
    return quotation[1 : quotation.find(_QUOTE_OPENERS[quotation[0]], 1)]


def segments(text: str, spans: list[tuple[int, int]], names: set[str]) -> list[Segment]:
    """Quotations (with the punctuation glued to them) and the narration sentences between."""
    found: list[Segment] = []
    position = 0
    for start, end in spans:
        while end < len(text) and not text[end].isspace():
            end += 1
        _narration(found, text[position:start], names)
        quotation = text[start:end].strip()
        found.append(Segment("quote", quotation, addressed=_addressed(spoken(quotation), names)))
        position = end
    _narration(found, text[position:], names)
    return found


def _narration(found: list[Segment], text: str, names: set[str]) -> None:
    for index, sentence in enumerate(sentences(text)):
        previous = found[-1] if found else None
        if index == 0 and previous and previous.kind == "quote" and previous.tag is None:
            tag = _tag_subject(sentence, previous.text, names)
            if tag is not None:
                # `"Hey," he said.` and `"What's wrong?" You ask.` belong to the quotation.
                previous.text += " " + sentence
                previous.tag = tag
                continue
        words = _WORD.findall(sentence[:40])
        found.append(
            Segment(
                "narration",
                sentence,
                subject=subject(sentence, names),
                felt_by_reader=_YOUR.search(sentence) is not None,
                startled=len(words) > 1 and words[1].lower() in _STARTLED,
                shift=_shift(sentence),
            )
        )


def _shift(sentence: str) -> Literal["time", "place"] | None:
    if _SHIFT_OF_TIME.match(sentence):
        return "time"
    return "place" if _SHIFT_OF_PLACE.match(sentence.lower()) else None


def sentences(text: str) -> list[str]:
    """`text` cut after each sentence's end (not after `Mr.` or an initial)."""
    found = []
    position = 0
    for match in _SENTENCE_BREAK.finditer(text):
        words = _WORD.findall(text[position : match.start()])
        last = words[-1].lower() if words else ""
        if last in _ABBREVIATIONS or (len(last) == 1 and last != "i"):
            continue  # `Mr. Solo`, `J. K.`: not the end of a sentence
        found.append(text[position : match.end()].strip())
        position = match.end()
    found.append(text[position:].strip())
    return [sentence for sentence in found if sentence]


def _tag_subject(sentence: str, quotation: str, names: set[str]) -> str | None:
    """Who a dialogue tag names (`he said`, `You ask`); None when the sentence is no tag.

    After a quotation that ends with a full stop, a capitalised sentence is a tag only with
    a verb of saying (`"Stop." He says.`, as many walls write it): `"Fine." He sighed.` is
    a sentence of its own, often someone else's."""
    placeholder = _PLACEHOLDER.match(sentence)
    start = placeholder.end() if placeholder else 0
    words = [word.lower() for word in _WORD.findall(sentence[start : start + 60])]
    if placeholder:
        words.insert(0, "y/n")  # `Y/N says`: the verb is the word after the code
    elif words and words[0] in _TITLES:
        words.pop(0)  # `Mr. Okafor says`: ...and after the title and name
    who = subject(sentence, names)
    if sentence[0].islower() or quotation.rstrip("\"”'’ ").endswith(","):
        return who or ""  # `"Fine," Jess sighed.`: after a comma the sentence goes on
    full_stop = quotation.rstrip("\"”'’ ").endswith(".")
    verbs = _SAYING_VERBS if full_stop else _SPEECH_VERBS
    if len(words) > 1 and who is not None and words[1] in verbs:
        return who
    return None


def _addressed(words: str, names: set[str]) -> str | None:
    """Whom a quotation calls by name: a story name, Y/N or a pet name (both the reader)."""
    for match in (_VOCATIVE_AT_START.match(words), *_VOCATIVE_AT_END.finditer(words)):
        if match is None:
            continue
        word = match.group(1)
        if _PLACEHOLDER.fullmatch(word) or word.lower() in _PET_NAMES:
            return READER
        if word in names:
            return word
    return None


def subject(sentence: str, names: set[str]) -> str | None:
    """Who a narration sentence is about: its first word, or the first after an opening
    clause (`Taking a deep breath, he starts.`); None when it starts with a thing."""
    found = _first_character(sentence, names)
    if found is None:
        comma = sentence.find(",")
        if 0 < comma < 80:
            found = _first_character(sentence[comma + 1 :], names)
    return found


def _first_character(text: str, names: set[str]) -> str | None:
    text = text.lstrip(" \"'“‘([—–-")
    if _PLACEHOLDER.match(text):
        return READER  # in reader-insert fiction Y/N is the reader, `you`
    match = _WORD.match(text)
    if match and match.group().lower() in _TITLES:
        match = _WORD.match(text, match.end() + 1 + (text[match.end() : match.end() + 1] == "."))
    if not match:
        return None
    word = re.sub(r"['’]s$", "", match.group())
    if word.lower() in _PRONOUNS:
        return _PRONOUNS[word.lower()]
    return word if word in names else None


def names(text: str) -> set[str]:
    """Capitalised words that never appear in lower case and appear at least once inside a
    sentence: the story's names (`Kylo`, `Snoke`), not a sentence-initial `The`."""
    lower = {word.lower() for word in _WORD.findall(text) if word[0].islower()}
    found = re.findall(r"(?<=[a-z,;] )([A-Z][a-z]+)", text)
    # ...and a sentence's subject that acts (`Ron looked up.`, `Bucky was`), a name after a
    # title (`Dr. Reid`), and the subject of a dialogue tag (`"Again," Natasha said.`).
    found += _ACTING_SUBJECT.findall(text)
    found += [
        name
        for title, name in re.findall(r"\b([A-Z][a-z]+)\.? ([A-Z][a-z]+)", text)
        if title.lower() in _TITLES
    ]
    found += [
        name
        for name, verb in re.findall(r"[,!?…—–-][\"”] ([A-Z][a-z]+) ([a-z]+)", text)
        if verb in _SPEECH_VERBS
    ]
    excluded = lower | _PRONOUNS.keys() | _NO_NAMES
    return {word for word in found if word.lower() not in excluded}


def different(first: str, second: str) -> bool:
    """Whether two subjects are surely different people: `he` and `Kylo` may be one."""
    if first == second:
        return False
    pronouns = set(_PRONOUNS.values())
    if first in THIRD_PERSON and second not in pronouns:
        return False
    return not (second in THIRD_PERSON and first not in pronouns)


def is_name(who: str | None) -> bool:
    """Whether `who` is a character's name rather than a pronoun."""
    return bool(who) and who not in _PRONOUNS.values()

"""Paragraph structure of text that lost it: scene breaks inside a line, and paragraph breaks
restored at speaker turns in a wall of text.

Everything here only chooses where to cut: a cut is always at whitespace, so the author's
words and punctuation come out exactly as they went in. `lint` uses the same tests
(`inline_breaks`, `lost_breaks`) to point at the same problems without changing anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from builder.stages.placeholders import BUILT_IN, pattern
from builder.stages.scenes import PROSE_PUNCTUATION, is_marker_character, scene_break


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


LOST_BREAKS_LENGTH = 1200
"""A paragraph longer than this that holds dialogue has probably lost its breaks: printed
stories put each speaker's turn in its own paragraph, and a turn is rarely this long."""
LOST_BREAKS_QUOTES = 2
"""...and it must hold at least this many quotations (a long narrative paragraph is prose)."""
NARRATION_BEFORE_DIALOGUE = 3
"""After this many narration sentences, the next quotation starts a paragraph of its own."""

# An inline break marker: two or more symbols (single spaces allowed between them, as in
# `* * *`) with space on both sides, optionally followed by a bracketed caption.
_SYMBOL = "[^\\w\\s" + re.escape("".join(sorted(PROSE_PUNCTUATION))) + "]"
_INLINE_MARKER = re.compile(
    rf"(?<=\s)(?P<marker>{_SYMBOL}(?: ?{_SYMBOL})+)"
    r"(?P<caption>\s+[(\[][^()\[\]]{1,60}[)\]](?:\s+(?P=marker))?)?\s"
)
_SIDE_BY_SIDE = re.compile(r"[.!?…—–-][\"”] +[\"“]")
"""A quotation ending a sentence, a space, and the next quotation: a lost turn."""
_SENTENCE_END = re.compile(r"[.!?…\"”’)\]*~]$")
_DASHES = frozenset("-‐‑‒–—―")
_QUOTE_OPENERS = {'"': '"', "“": "”"}
# Sentence ends inside narration: terminal punctuation (with closing quotes or brackets),
# then space, then something that can start a sentence.
_SENTENCE_BREAK = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+(?=[\"“‘(\[]?[A-Z0-9])")
_ABBREVIATIONS = _words("mr mrs ms dr st jr sr prof capt gen lt sgt col vs etc no mt ft")
_WORD = re.compile(r"[A-Za-z][\w'’]*")
_PLACEHOLDER = pattern(info.code for info in BUILT_IN)
# Who a sentence is about: pronouns stand for a character; the reader is `you` (and Y/N).
_PRONOUNS = {
    "he": "he",
    "his": "he",
    "him": "he",
    "she": "she",
    "her": "she",
    "you": "you",
    "your": "you",
    "i": "i",
    "my": "i",
    "we": "we",
    "our": "we",
    "they": "they",
    "their": "they",
}
_CONTINUES = re.compile(r"[\"“](?:And|But|So|Or|Because|Then)\b")
"""A quotation opening with a conjunction goes on from the one before it."""
_THIRD_PERSON = frozenset({"he", "she", "they"})
_SPEECH_VERBS = _words(
    """say says said ask asks asked reply replies replied whisper whispers whispered shout shouts
    shouted yell yells yelled scream screams screamed mutter mutters muttered murmur murmurs
    murmured call calls called cry cries cried add adds added answer answers answered continue
    continues continued snap snaps snapped sigh sighs sighed laugh laughs laughed hiss hisses
    hissed growl growls growled breathe breathes breathed tell tells told spit spits spat
    stammer stammers stammered sob sobs sobbed mumble mumbles mumbled exclaim exclaims
    exclaimed demand demands demanded chuckle chuckles chuckled drawl drawls drawled agree agrees
    agreed repeat repeats repeated bargain bargains bargained"""
)


@dataclass(frozen=True, slots=True)
class InlineBreak:
    """A scene-break marker found inside a paragraph's text."""

    start: int
    """Offset of the marker in the text."""
    end: int
    """Offset just after the marker and its caption."""
    line: str
    """The break as a line of its own (`-- (6 months later)`); `scene_break` accepts it."""


def inline_breaks(text: str) -> list[InlineBreak]:
    """Scene-break markers written inside running text (`...alive. -- (6 months later) Kylo`).

    A marker counts only between two sentences, before a capital or a quote: ` -- ` is also
    a dash in prose, so a two-dash marker needs a bracketed caption to count."""
    found = []
    for match in _INLINE_MARKER.finditer(text):
        marker = match.group("marker")
        symbols = marker.replace(" ", "")
        if not all(is_marker_character(character) for character in symbols):
            continue
        before = text[: match.start()].rstrip()
        after = text[match.end() :].lstrip()
        if not before or not after or not _SENTENCE_END.search(before):
            continue
        if not (after[0].isupper() or after[0].isdigit() or after[0] in "\"“‘'([*"):
            continue
        caption = (match.group("caption") or "").strip()
        if not caption and (len(symbols) < 3 and set(symbols) <= _DASHES):
            continue
        line = f"{marker} {caption}".strip()
        if scene_break(line) is None:
            continue
        end = match.end("caption") if caption else match.end("marker")
        found.append(InlineBreak(match.start(), end, line))
    return found


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


def lost_breaks(text: str) -> bool:
    """Whether a paragraph probably lost its breaks: very long and holding dialogue, or of
    any length holding two quotations side by side (`..." "...`), which printed text never
    does (each is a turn of its own), or two speakers' tagged quotations."""
    spans = quotations(text)
    if spans and (_SIDE_BY_SIDE.search(text) or _two_speakers(text, spans)):
        return True
    if len(text) <= LOST_BREAKS_LENGTH:
        return False
    return text.count('"') // 2 + text.count("“") >= LOST_BREAKS_QUOTES


def _two_speakers(text: str, spans: list[tuple[int, int]]) -> bool:
    """Whether dialogue tags name two different speakers (`"Hi," he said. "Bye," you said.`)."""
    tags = [segment.tag for segment in _segments(text, spans, _names(text)) if segment.tag]
    return any(_different(first, second) for first in tags for second in tags)


@dataclass(slots=True)
class _Segment:
    kind: Literal["quote", "narration"]
    text: str
    tag: str | None = None
    """For a quotation with a dialogue tag (`"What's wrong?" You ask.`): who the tag names."""


@dataclass(slots=True)
class _Paragraph:
    segments: list[_Segment] = field(default_factory=list)
    lead: str | None = None
    """Who the paragraph's opening narration is about."""
    speaker: str | None = None
    """Who speaks its quotations, when that can be told."""
    not_speaker: str | None = None
    """Who does not: the previous paragraph's speaker, as turns alternate."""
    narration_run: int = 0
    """Narration sentences since the paragraph's start or its last quotation."""

    @property
    def has_quote(self) -> bool:
        return any(segment.kind == "quote" for segment in self.segments)


def restore(text: str) -> list[str]:
    """`text` cut into paragraphs at speaker turns and around quotations.

    A quotation begins a paragraph when it follows another (but after a one-word quotation's
    tag, or when it opens with `And`, `But`...: the speaker goes on), when its tag names
    someone other than the paragraph's speaker, or after several sentences of narration (two
    for a tagged one); a beat by the speaker between two of their quotations stays with
    them. Narration right after a quotation begins a paragraph when it is about someone other
    than the speaker. Without balanced quotes the text is left whole."""
    spans = quotations(text)
    if not spans:
        return [text]
    names = _names(text)
    paragraphs: list[_Paragraph] = [_Paragraph()]
    last_subject: str | None = None
    previous_subject: str | None = None
    for segment in _segments(text, spans, names):
        current = paragraphs[-1]
        subject = _subject(segment.text, names) if segment.kind == "narration" else None
        if current.segments and _breaks_before(current, segment, subject, previous_subject):
            previous, current = current, _Paragraph()
            if segment.kind == "quote" and (
                not previous.has_quote or previous.narration_run >= NARRATION_BEFORE_DIALOGUE
            ):
                current.speaker = last_subject  # after narration: its character speaks
            elif previous.has_quote:
                current.not_speaker = previous.speaker  # in an exchange, turns alternate
            paragraphs.append(current)
        _add(current, segment, subject)
        last_subject = subject or segment.tag or last_subject
        previous_subject = subject
    return [" ".join(s.text for s in paragraph.segments) for paragraph in paragraphs]


def _breaks_before(
    paragraph: _Paragraph, segment: _Segment, subject: str | None, previous_subject: str | None
) -> bool:
    previous = paragraph.segments[-1]
    if previous.text.rstrip()[-1:] in (",", ":", ";", "—", "–"):
        return False  # the sentence goes on: `He said, "Come here."`
    if segment.kind == "quote":
        return _quote_breaks(paragraph, segment, previous, previous_subject)
    if not paragraph.has_quote or subject is None or paragraph.narration_run >= 2:
        return False  # only the sentences right after a quotation show a turn
    if paragraph.speaker is None:
        return paragraph.not_speaker is not None and subject == paragraph.not_speaker
    return _different(subject, paragraph.speaker)


def _quote_breaks(
    paragraph: _Paragraph, segment: _Segment, previous: _Segment, previous_subject: str | None
) -> bool:
    """Whether a quotation begins a paragraph of its own."""
    speakers = {paragraph.speaker, paragraph.lead, previous_subject} - {None, ""}
    if segment.tag and any(_different(segment.tag, who) for who in speakers if who):
        return True  # its tag names someone else: one paragraph never holds two speakers
    if previous.kind == "quote":
        # Two quotations in a row are two turns, also after a tag (`"Hi," he said.` is
        # answered more often than it goes on), unless the first is a single word before
        # its tag (`"Brother!" Thor called. "Sit."`) or the second opens with a conjunction
        # (`"Right," he said. "And then?"`).
        if previous.tag is None:
            return True
        spoken = previous.text[: previous.text.find(_QUOTE_OPENERS[previous.text[0]], 1)]
        return len(spoken.split()) > 1 and _CONTINUES.match(segment.text) is None
    if paragraph.narration_run >= NARRATION_BEFORE_DIALOGUE:
        return True
    if not paragraph.has_quote:
        # A one-sentence beat opens its speaker's paragraph (`You sigh. "Fine."`); a
        # quotation with its own tag needs no beat, so longer narration stands alone.
        return bool(segment.tag) and paragraph.narration_run >= 2
    return False  # a beat by the speaker between two of their quotations


def _add(paragraph: _Paragraph, segment: _Segment, subject: str | None) -> None:
    if segment.kind == "quote":
        paragraph.narration_run = 0
        if segment.tag:
            paragraph.speaker = segment.tag
        elif paragraph.speaker is None and paragraph.lead:
            paragraph.speaker = paragraph.lead
    else:
        paragraph.narration_run += 1
        if not paragraph.segments:
            paragraph.lead = subject
        elif (
            subject
            and paragraph.speaker is None
            and paragraph.has_quote
            and subject != paragraph.not_speaker
        ):
            # The first character named after an unattributed quotation is its speaker,
            # unless turns alternate and this is the one who spoke last.
            paragraph.speaker = subject
    paragraph.segments.append(segment)


def _different(first: str, second: str) -> bool:
    """Whether two subjects are surely different people: `he` and `Kylo` may be one."""
    if first == second:
        return False
    pronouns = set(_PRONOUNS.values())
    if first in _THIRD_PERSON and second not in pronouns:
        return False
    return not (second in _THIRD_PERSON and first not in pronouns)


def _segments(text: str, spans: list[tuple[int, int]], names: set[str]) -> list[_Segment]:
    """Quotations (with the punctuation glued to them) and the narration sentences between."""
    segments: list[_Segment] = []
    position = 0
    for start, end in spans:
        while end < len(text) and not text[end].isspace():
            end += 1
        _narration(segments, text[position:start], names)
        segments.append(_Segment("quote", text[start:end].strip()))
        position = end
    _narration(segments, text[position:], names)
    return segments


def _narration(segments: list[_Segment], text: str, names: set[str]) -> None:
    for index, sentence in enumerate(_sentences(text)):
        previous = segments[-1] if segments else None
        if index == 0 and previous and previous.kind == "quote" and previous.tag is None:
            tag = _tag_subject(sentence, names)
            if tag is not None:
                # `"Hey," he said.` and `"What's wrong?" You ask.` belong to the quotation.
                previous.text += " " + sentence
                previous.tag = tag
                continue
        segments.append(_Segment("narration", sentence))


def _sentences(text: str) -> list[str]:
    sentences = []
    position = 0
    for match in _SENTENCE_BREAK.finditer(text):
        words = _WORD.findall(text[position : match.start()])
        last = words[-1].lower() if words else ""
        if last in _ABBREVIATIONS or (len(last) == 1 and last != "i"):
            continue  # `Mr. Solo`, `J. K.`: not the end of a sentence
        sentences.append(text[position : match.end()].strip())
        position = match.end()
    sentences.append(text[position:].strip())
    return [sentence for sentence in sentences if sentence]


def _tag_subject(sentence: str, names: set[str]) -> str | None:
    """Who a dialogue tag names (`he said`, `You ask`); None when the sentence is no tag."""
    words = [word.lower() for word in _WORD.findall(sentence[:60])]
    subject = _subject(sentence, names)
    if sentence[0].islower():
        return subject or ""
    if len(words) > 1 and subject is not None and words[1] in _SPEECH_VERBS:
        return subject
    return None


def _subject(sentence: str, names: set[str]) -> str | None:
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
        return "you"  # in reader-insert fiction Y/N is the reader, `you`
    match = _WORD.match(text)
    if not match:
        return None
    word = re.sub(r"['’]s$", "", match.group())
    if word.lower() in _PRONOUNS:
        return _PRONOUNS[word.lower()]
    return word if word in names else None


def _names(text: str) -> set[str]:
    """Capitalised words that never appear in lower case and appear at least once inside a
    sentence: the story's names (`Kylo`, `Snoke`), not a sentence-initial `The`."""
    lower = {word.lower() for word in _WORD.findall(text) if word[0].islower()}
    found = re.findall(r"(?<=[a-z,;] )([A-Z][a-z]+)", text)
    # ...and a sentence's subject that acts (`Ron looked up.`), and the subject of a dialogue
    # tag (`"Again," Natasha said.`).
    found += re.findall(r"(?:^|[.!?…][\"”]? )([A-Z][a-z]+) [a-z]+ed\b", text)
    found += [
        name
        for name, verb in re.findall(r"[,!?…—–-][\"”] ([A-Z][a-z]+) ([a-z]+)", text)
        if verb in _SPEECH_VERBS
    ]
    return {word for word in found if word.lower() not in lower and word.lower() not in _PRONOUNS}

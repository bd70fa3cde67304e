"""Paragraph structure of text that lost it: scene breaks inside a line, and paragraph breaks
restored in a wall of text at speaker turns and where the story moves (the wall is read by
`wall_reading`; this module decides).

Everything here only chooses where to cut: a cut is always at whitespace, so the author's
words and punctuation come out exactly as they went in. `lint` uses the same tests
(`inline_breaks`, `lost_breaks`) to point at the same problems without changing anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import pairwise

from builder.importers.wall_reading import (
    READER,
    THIRD_PERSON,
    Segment,
    different,
    is_name,
    names,
    quotations,
    segments,
    spoken,
)
from builder.stages.scenes import PROSE_PUNCTUATION, is_marker_character, scene_break

__all__ = ["InlineBreak", "inline_breaks", "lost_breaks", "quotations", "restore"]

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
_CONTINUES = re.compile(
    r"[\"“](?:And|But|So|Or|Because|Then|For|From|With|Without|On|At|In|Unless|Except|Especially)"
    r"\b(?![^\"”.!?…]*\?)"
)
"""A quotation opening with a conjunction or a preposition goes on from the one before it
(`"We're baking," she said. "For his birthday."`), unless its first sentence asks
(`"And then?"`)."""


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
    """Whether two different people speak: named by tags (`"Hi," he said. "Bye," you said.`)
    or by a tag and a beat that leads into untagged words (`"Hi," you said. He smiled. "Hey."`)."""
    found = segments(text, spans, names(text))
    speakers: list[str | None] = [segment.tag for segment in found if segment.tag]
    speakers += [
        beat.subject
        for beat, words in pairwise(found)
        if beat.kind == "narration" and words.kind == "quote" and words.tag is None
    ]
    return any(different(a, b) for a in speakers if a for b in speakers if b)


@dataclass(slots=True)
class _Paragraph:
    segments: list[Segment] = field(default_factory=list)
    lead: str | None = None
    """Who the paragraph's opening narration is about."""
    speaker: str | None = None
    """Who speaks its quotations, when that can be told."""
    not_speaker: str | None = None
    """Who does not: the previous paragraph's speaker, as turns alternate."""
    expected: str | None = None
    """Who probably does, when nothing else tells: who spoke two turns before."""
    narration_run: int = 0
    """Narration sentences since the paragraph's start or its last quotation."""
    opens_scene: bool = False
    """Whether it is the first of its scene (the wall's first, when the wall opens one)."""
    has_quote: bool = False
    """Whether it holds a quotation yet."""


def restore(text: str, *, opens_scene: bool = True) -> list[str]:
    """`text` cut into paragraphs where a human reader sees a new one: at speaker turns,
    around quotations, and where the story moves. Without balanced quotes it is left whole.

    The wall is read as quotations and narration sentences (`wall_reading`), each boundary
    between them decided in order by what it shows. A quotation begins a paragraph when its
    tag names someone other than the paragraph's speaker, when it follows another quotation
    (unless the speaker goes on: `_goes_on`), when it calls by name the one the beat before
    it is about, after three sentences of narration, or after two that open the scene or
    precede a tagged quotation. Narration begins one when it moves
    in time (`An hour later`), when right after words it turns to another place (`Behind
    you,`), to someone starting at them (`You jumped.`), to the one they called by name, or
    to the reader on a turn that is not the reader's; when someone named leads into their
    own words in another's paragraph; and in the two sentences after a quotation, when it
    is about someone other than its speaker (a name after `he said` counts as other)."""
    spans = quotations(text)
    if not spans:
        return [text]
    paragraphs: list[_Paragraph] = [_Paragraph(opens_scene=opens_scene)]
    last_subject: str | None = None
    previous_subject: str | None = None
    found = segments(text, spans, names(text))
    for segment, following in zip(found, [*found[1:], None], strict=True):
        current = paragraphs[-1]
        if current.segments and _breaks_before(current, segment, previous_subject, following):
            previous, current = current, _Paragraph()
            if segment.kind == "quote" and (
                not previous.has_quote or previous.narration_run >= NARRATION_BEFORE_DIALOGUE
            ):
                # After narration its character speaks, unless the words call them.
                called = segment.addressed
                if not (called and last_subject and not different(called, last_subject)):
                    current.speaker = last_subject
            elif previous.has_quote:
                current.not_speaker = previous.speaker  # in an exchange, turns alternate
                current.expected = _two_turns_back(paragraphs)
            paragraphs.append(current)
        _add(current, segment)
        last_subject = segment.subject or segment.tag or last_subject
        previous_subject = segment.subject
    return [" ".join(s.text for s in paragraph.segments) for paragraph in paragraphs]


def _breaks_before(
    paragraph: _Paragraph,
    segment: Segment,
    previous_subject: str | None,
    following: Segment | None,
) -> bool:
    """Whether `segment` begins a paragraph after `paragraph` (so far); the first rule that
    speaks decides."""
    previous, subject = paragraph.segments[-1], segment.subject
    if subject is None and segment.felt_by_reader and previous.kind == "quote":
        subject = READER  # right after words, what happens in the reader is their reaction
    end = previous.text.rstrip()[-1:]
    if end in (",", ":", ";", "—", "–") or end.isalnum():
        return False  # the sentence goes on: `He said, "Come here."`, `She called her "kid"`
    if segment.kind == "quote":
        return _quote_breaks(paragraph, segment, previous, previous_subject)
    if segment.shift == "time":
        return True  # the story moves on in time
    if segment.startled and previous.kind == "quote" and previous.tag is None:
        return True  # someone starts at the words: a listener, not their speaker
    if _answers(previous, subject):
        return True  # the one called by name acts: they were spoken to, not speaking
    if segment.shift == "place" and previous.kind == "quote":
        return True  # after dialogue, it turns to another part of the scene
    if _opens_speech(paragraph, segment, following):
        return True  # someone else's beat leads into their own words
    if not paragraph.has_quote or subject is None or paragraph.narration_run >= 2:
        return False  # only the sentences right after a quotation show a turn
    if is_name(subject) and paragraph.speaker in THIRD_PERSON:
        return True  # a writer names someone after `he said` to turn to someone else
    if paragraph.speaker is None:
        if subject == READER and paragraph.expected not in (None, READER):
            return True  # the reader speaks every other turn, and this is not theirs
        return paragraph.not_speaker is not None and subject == paragraph.not_speaker
    return different(subject, paragraph.speaker)


def _opens_speech(paragraph: _Paragraph, beat: Segment, following: Segment | None) -> bool:
    """Whether the narration `beat`, about a character named in it, leads into the words
    after it, in a paragraph whose speaker is someone else (or only `he`, `she`)."""
    if following is None or following.kind != "quote" or not paragraph.has_quote:
        return False
    who = beat.subject
    if not is_name(who) or following.tag not in (None, who) or paragraph.speaker is None:
        return False
    return paragraph.speaker in THIRD_PERSON or different(who or "", paragraph.speaker)


def _two_turns_back(paragraphs: list[_Paragraph]) -> str | None:
    """Who spoke two turns before, unless the last turn was theirs too (an exchange between
    two: the next turn is the first one's again)."""
    turns: list[str | None] = []
    for paragraph in reversed(paragraphs):  # only the last two turns: linear in the wall
        if paragraph.has_quote:
            turns.insert(0, paragraph.speaker or paragraph.expected)
            if len(turns) == 2:
                break
    if len(turns) < 2 or not turns[0] or (turns[1] and not different(turns[1], turns[0])):
        return None
    return turns[0]


def _answers(previous: Segment, subject: str | None) -> bool:
    """Whether narration about `subject` right after the untagged quotation `previous` is
    about the one that quotation calls by name (`"Not now, Loki." He rose.`)."""
    if previous.kind != "quote" or previous.tag is not None or not previous.addressed:
        return False
    return subject is not None and not different(subject, previous.addressed)


def _quote_breaks(
    paragraph: _Paragraph, segment: Segment, previous: Segment, previous_subject: str | None
) -> bool:
    """Whether a quotation begins a paragraph of its own."""
    speakers = {paragraph.speaker, paragraph.lead, previous_subject} - {None, ""}
    if segment.tag and any(different(segment.tag, who) for who in speakers if who):
        return True  # its tag names someone else: one paragraph never holds two speakers
    if previous.kind == "quote":
        return previous.tag is None or not _goes_on(previous, segment)
    if _calls_the_actor(previous, segment):
        return True  # words to the one who just acted: they are someone else's
    if paragraph.narration_run >= NARRATION_BEFORE_DIALOGUE:
        return True
    if not paragraph.has_quote:
        # A one-sentence beat opens its speaker's paragraph (`You sigh. "Fine."`); a
        # quotation with its own tag needs no beat, so longer narration stands alone, as
        # does the narration that sets the scene before anyone speaks.
        return paragraph.narration_run >= 2 and (bool(segment.tag) or paragraph.opens_scene)
    return False  # a beat by the speaker between two of their quotations


def _calls_the_actor(beat: Segment, quotation: Segment) -> bool:
    """Whether the untagged `quotation` calls by name the one the narration `beat` before
    it may be about (`He set the bag down. "Bucky."`): people do not call themselves, so
    the words answer the beat. Not when the beat names them (`He turned to Sam. "Sam,"`)."""
    called = quotation.addressed
    if quotation.tag is not None or not called or beat.subject is None:
        return False
    named = called == READER or called in beat.text
    return not named and not different(beat.subject, called)


def _goes_on(tagged: Segment, quotation: Segment) -> bool:
    """Whether `quotation` goes on from the tagged quotation right before it.

    A short tag (`"Hi," he said.`) is answered more often than it goes on, unless the words
    before it are a single word (`"Brother!" Thor called. "Sit."`) or the next quotation
    opens with a conjunction or preposition (`"Right," he said. "And then..."`). A tag that
    goes on to what the speaker does (`"Hi," she said, dropping her bag.`) holds the floor
    for them, unless their words asked something."""
    words = spoken(tagged.text)
    tag = tagged.text[len(words) + 2 :]
    if "," in tag and not words.rstrip().endswith("?"):
        return True
    return len(words.split()) == 1 or _CONTINUES.match(quotation.text) is not None


def _add(paragraph: _Paragraph, segment: Segment) -> None:
    subject = segment.subject
    if segment.kind == "quote":
        paragraph.narration_run = 0
        called = segment.addressed
        if called and paragraph.expected and not different(called, paragraph.expected):
            paragraph.expected = None  # nobody calls themselves by name: turns did not alternate
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
    paragraph.has_quote = paragraph.has_quote or segment.kind == "quote"

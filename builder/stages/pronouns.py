"""Stage 3b: the reader's pronouns and gendered words become slots, filled per reader.

A story declares how it writes the reader (`reader: {pronouns: she}`, or `he`, or `you` for a
second-person story). This stage reads each scene in order, keeps track of who was last
mentioned (the reader: `Y/N` and the other reader codes, and the reader's pronouns; other
people: names that the story itself calls by the same pronouns, and nouns like `the
waitress`), and decides for every pronoun of the reader's set whether it is the reader's
(builder.stages.pronoun_referents has the rules); where the referent is unclear, the word is
left as written and reported as uncertain.

A reader pronoun becomes a slot `PRONOUN:<role>` (subj, obj, det, pos, refl), a verb that must
agree with a reader subject (`she walks` -> `they walk`, `was she` -> `were they`) a slot
`PRONOUN:verb` with its plural in `variant`, and a gendered word about the reader
(`Miss Y/N`, `good girl`, `my wife`, `Y/N is my girlfriend`, a `ma'am` said to someone) a
slot `PRONOUN:word`. builder.pronouns says what each reads for the reader's chosen set.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from builder.model import Chapter, Manuscript, Paragraph, Scene, Text
from builder.pronouns import COLUMNS, SLOT_PREFIX, WORD_ROW
from builder.stages import pronoun_marks
from builder.stages import pronoun_words as en
from builder.stages.placeholders import all_paragraphs
from builder.stages.pronoun_dialogue import exchange
from builder.stages.pronoun_lines import reader_beat
from builder.stages.pronoun_mentions import WINDOW, State, mention
from builder.stages.pronoun_reading import (
    READER_CODES,
    Item,
    cut,
    items_of,
    name_of,
    next_word,
    presented,
    reader_word,
    same_pronoun_names,
)
from builder.stages.pronoun_referents import resolve

WRITTEN_OUT = frozenset(SLOT_PREFIX + role for role in ("subj", "obj", "det", "pos", "refl"))
"""Slot codes of pronouns that are slots before this stage runs: the author wrote them out."""


@dataclass(frozen=True, slots=True)
class Decision:
    """What the stage decided about one word of the reader's pronoun set."""

    line: int
    column: int
    written: str
    role: str
    """subj, obj, det, pos, refl, word or verb."""
    reader: bool
    """The word is the reader's (and became a slot when `certain`)."""
    certain: bool
    """False: the referent is unclear and the word stays as written."""
    why: str
    """The rule that decided, for `ficpress pronouns`."""


def find(manuscript: Manuscript) -> Manuscript:
    """The pronoun stage: the manuscript with the reader's pronouns and words as slots."""
    return analyse(manuscript)[0]


def analyse(manuscript: Manuscript) -> tuple[Manuscript, tuple[Decision, ...]]:
    """The manuscript with reader words as slots, and every decision taken (in order)."""
    written = manuscript.meta.reader_pronouns
    if written not in ("she", "he", "you"):
        return manuscript, ()
    # Each paragraph is read into items once: the name votes read them, then the stage.
    items = {
        id(p): items_of(p) for c in manuscript.chapters for s in c.scenes for p in s.paragraphs
    }
    names = same_pronoun_names(list(items.values()), written) if written != "you" else frozenset()
    column = COLUMNS[written] if written != "you" else _words_column(manuscript)
    decisions: list[Decision] = []
    chapters = []
    for chapter in manuscript.chapters:
        scenes = []
        for scene in chapter.scenes:
            state = State(written, names, column)
            paragraphs = tuple(
                _paragraph(p, items[id(p)], state, decisions) for p in scene.paragraphs
            )
            scenes.append(Scene(scene.caption, paragraphs, scene.line))
        chapters.append(Chapter(chapter.title, tuple(scenes), chapter.line))
    return replace(manuscript, chapters=tuple(chapters)), tuple(decisions)


def _paragraph(
    paragraph: Paragraph, items: list[Item], state: State, decisions: list[Decision]
) -> Paragraph:
    state.paragraph += 1
    state.mentions = [m for m in state.mentions if m.paragraph >= state.paragraph - WINDOW]
    base_sentence, base_clause = state.sentence, state.clause
    for item in items:  # story-wide numbering, so mentions compare across paragraphs
        item.sentence += base_sentence
        item.clause += base_clause
    if items:
        state.sentence, state.clause = items[-1].sentence + 1, items[-1].clause + 1
    cuts: list[tuple[int, str, str]] = []  # (item index, role, variant)
    state.talk = exchange(items, state.names, state.written)
    state.tagged = set()
    speaker = next(iter(state.talk.speakers), "") if len(state.talk.speakers) == 1 else ""
    spoken_of = False

    def decide(index: int, role: str, reader: bool, certain: bool, why: str) -> None:
        item = items[index]
        token = paragraph.inlines[item.token]
        assert isinstance(token, Text)
        decisions.append(
            Decision(token.line, token.column + item.start, item.text, role, reader, certain, why)
        )

    for index, item in enumerate(items):
        if item.kind == "slot":
            # A reader code, or a pronoun the author wrote out (builder.stages.pronoun_syntax).
            if item.text in READER_CODES or item.text in WRITTEN_OUT:
                state.mentions.append(mention(state, items, index, "reader"))
            continue
        if item.kind != "word":
            continue
        lower = item.lower
        base, _, _ = lower.partition("'")
        found = en.PRONOUNS.get(state.written, {}).get(base)
        if found is not None:
            role = _role(items, index, found)
            who, certain, why = resolve(state, items, index, role)
            marked = pronoun_marks.mark(paragraph, item.token, item.end)
            if marked is not None:  # the author's word over the rules'
                who, certain, why = "reader" if marked[0] else "", True, marked[1]
            reader = who == "reader"
            spoken_of = spoken_of or (reader and certain and item.quoted)
            decide(index, role, reader, certain, why)
            if reader or certain:
                state.mentions.append(replace(mention(state, items, index, who), certain=certain))
            if index in state.talk.tags and certain:
                speaker = who
                if who != "reader":  # the lines after the tag are theirs: I, not she
                    state.tagged.add(who)
            if reader and certain:
                cuts.append((index, role, _contraction(items, index)))
                named = _taken_up(paragraph, state, items) if item.quoted else None
                if named is not None and all(at != named for at, _, _ in cuts):
                    decide(named, "word", True, True, "the noun the reader's pronoun takes up")
                    cuts.append((named, "word", ""))
                for at, plural in _agreeing(items, index, role):
                    decide(at, "verb", True, True, f"agrees with the reader's {item.text!r}")
                    cuts.append((at, "verb", plural))
            continue
        row = WORD_ROW.get(lower)
        if row is not None and row[1] == state.column:
            reason = reader_word(items, index, state.written)
            if not reason and presented(items, index) and _about_reader(state):
                reason = "presents whom the line is about: the reader (`That's my sister. She...`)"
            marked = pronoun_marks.mark(paragraph, item.token, item.end)
            if marked is not None:  # the author's word over the rules'
                reason = marked[1] if marked[0] else None
            if reason:
                decide(index, "word", True, True, reason)
                cuts.append((index, "word", ""))
                continue
        if _is_other(state, item):
            name = name_of(item.text)
            who = name if name in state.names else item.lower
            state.mentions.append(mention(state, items, index, who, possessor=name != item.text))
    if not speaker and not state.talk.tags and reader_beat(state, items):
        speaker = "reader"
    state.last_speaker = speaker if any(item.quoted for item in items) else ""
    state.spoken_of = spoken_of
    return cut(paragraph, items, cuts) if cuts else paragraph


def _taken_up(paragraph: Paragraph, state: State, items: Sequence[Item]) -> int | None:
    """The index of a gendered word of the reader's set that a line names someone by (`Your
    sister`, `my daughter`) right before the reader's pronoun just decided in it: the
    pronoun takes the noun up, so the two are one person (`"Has my daughter arrived? I sent
    her a card."`)."""
    said = [m for m in state.mentions if m.paragraph == state.paragraph and m.quoted]
    # a sentence before (`My sister wants to meet her` is two people)
    if len(said) < 2 or said[-2].reader or said[-2].sentence == said[-1].sentence:
        return None
    at = said[-2].position
    row = WORD_ROW.get(items[at].lower)
    owned = at > 0 and items[at - 1].lower in ("my", "your", "our")
    if row is None or row[1] != state.column or not owned:
        return None
    # the author's mark on the word wins (`my sister{-}`)
    return at if pronoun_marks.mark(paragraph, items[at].token, items[at].end) is None else None


def _about_reader(state: State) -> bool:
    """The paragraph's lines so far last talked of the reader, by a pronoun decided surely."""
    said = [m for m in state.mentions if m.paragraph == state.paragraph and m.quoted]
    return bool(said) and said[-1].reader and said[-1].certain


def _words_column(manuscript: Manuscript) -> int:
    """A second-person story's gendered words for the reader: she-words or he-words, whichever
    the story has more of in places that are the reader's (`you're a princess`)."""
    found = Counter(
        WORD_ROW[item.lower][1]
        for paragraph in all_paragraphs(manuscript)
        if paragraph is not None
        for items in [items_of(paragraph)]
        for index, item in enumerate(items)
        if item.lower in WORD_ROW and reader_word(items, index, "you")
    )
    return found.most_common(1)[0][0] if found else COLUMNS["she"]


def _is_other(state: State, item: Item) -> bool:
    """A mention of someone else who shares the reader's pronouns."""
    if state.written == "you":
        return False
    if item.text[0].isupper() and name_of(item.text) in state.names:
        return True
    return en.gendered_noun(item.lower, state.written)


def _role(items: Sequence[Item], index: int, role: str) -> str:
    """`her`: object or determiner; `his`: determiner or possessive."""
    if "/" not in role:
        return role
    following = items[index + 1] if index + 1 < len(items) else None
    if following is None or following.kind == "punct":
        return "pos" if role == "det/pos" else "obj"
    if following.kind == "slot":
        return "det"
    word = following.lower
    if role == "det/pos":
        return "pos" if word in en.CLOSED else "det"
    if word == "own":
        return "det"
    if word in en.CLOSED:
        return "obj"
    previous = items[index - 1].lower if index else ""
    if previous in en.CAUSATIVE and en.base_verb(word) and not _verb_follows(items, index + 1):
        return "obj"  # `made her cry`, but `felt her face burning`
    if en.adverb_only(word) and _ends_phrase(items, index + 2):
        return "obj"  # `thanked her first, because`, `left her alone.`
    if en.complement(word, previous) and _ends_phrase(items, index + 2):
        return "obj"  # `keep her safe,`, `made her happy.` (but `rubbed her back.`)
    kinds = en.kinds(word)
    if not kinds or kinds & {"NOUN", "ADJ", "PROPN"} or following.text[0].isupper():
        return "det"
    return "obj"


def _verb_follows(items: Sequence[Item], index: int) -> bool:
    """The noun at `index` is a subject: a verb comes after it (`her face burning`)."""
    after = items[index + 1] if index + 1 < len(items) else None
    return (
        after is not None
        and after.kind == "word"
        and "NOUN" in en.kinds(items[index].text)
        and (after.lower.endswith("ing") or en.finite_verb(after.text))
    )


def _ends_phrase(items: Sequence[Item], index: int) -> bool:
    """Nothing a noun phrase goes on with is at `index`: the end, punctuation, a closed word."""
    return index >= len(items) or items[index].kind == "punct" or items[index].lower in en.CLOSED


def _contraction(items: Sequence[Item], index: int) -> str:
    """For `she's`: `has` or `is`, from the word after it."""
    if not items[index].lower.endswith("'s"):
        return ""
    after = next_word(items, index)
    if after is None or items[after].kind != "word":
        return "is"
    return "has" if en.has_contraction(items[after].text) else "is"


def _agreeing(items: Sequence[Item], index: int, role: str) -> Iterator[tuple[int, str]]:
    """The verbs that agree with the reader subject at `index`: (item index, plural form)."""
    if role != "subj" or "'" in items[index].lower:
        return
    before = index - 1
    if before >= 0 and items[before].kind == "word":
        plural = en.plural_verb(items[before].text)
        ahead = items[before - 1] if before else None
        opens = ahead is None or ahead.kind == "punct" or ahead.lower in en.QUESTION_BEFORE
        if plural and items[before].lower in _AUXILIARIES and opens:
            yield before, plural
            return
    after = next_word(items, index)
    if after is None or items[after].kind != "word":
        return
    plural = en.plural_verb(items[after].text)
    if plural is None:
        return
    yield after, plural
    yield from _coordinated(items, after)


_AUXILIARIES = frozenset({"is", "was", "has", "does", "isn't", "wasn't", "hasn't", "doesn't"})


def _coordinated(items: Sequence[Item], verb: int) -> Iterator[tuple[int, str]]:
    """Verbs joined to the first with `and`, `or`, `then` (`she laughs and shakes her head`),
    and a series of them (`she nods, smiles and leaves`: the commas' verbs only when an `and`
    verb closes the series)."""
    sentence = items[verb].sentence
    listed: list[tuple[int, str]] = []
    for at in range(verb + 1, min(verb + 16, len(items) - 1)):
        item = items[at]
        if item.sentence != sentence or item.kind == "slot" or item.quoted != items[verb].quoted:
            return
        if item.lower in ("she", "he", "i", "you", "they", "we", "it"):
            return
        if item.lower in ("and", "or", "then", ",") and items[at + 1].kind == "word":
            plural = en.plural_verb(items[at + 1].text)
            if not (plural and en.kinds(items[at + 1].text) & {"VERB"}):
                continue
            if item.lower == ",":
                listed.append((at + 1, plural))
                continue
            yield from listed
            yield at + 1, plural
            listed = []

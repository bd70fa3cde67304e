"""Stage 3b: the reader's pronouns and gendered words become slots, filled per reader.

A story declares how it writes the reader (`reader: {pronouns: she}`, or `he`, or `you` for a
second-person story). This stage reads each scene in order, keeps track of who was last
mentioned (the reader: `Y/N` and the other reader codes, and the reader's pronouns; other
people: names that the story itself calls by the same pronouns, and nouns like `the
waitress`), and decides for every pronoun of the reader's set whether it is the reader's:

- the nearest preceding mention wins; a subject pronoun prefers the nearest subject, an
  object never means the subject of its own clause (`Mara laughed at her`), a reflexive
  always does;
- narration does not look back into an earlier paragraph's dialogue;
- where the reader is the nearest but another person of the same pronouns was mentioned in
  the same sentence, the word is left as written and reported as uncertain.

A reader pronoun becomes a slot `PRONOUN:<role>` (subj, obj, det, pos, refl), a verb that must
agree with a reader subject (`she walks` -> `they walk`, `was she` -> `were they`) a slot
`PRONOUN:verb` with its plural in `variant`, and a gendered word about the reader
(`Miss Y/N`, `good girl`, `my wife`, `Y/N is my girlfriend`, a `ma'am` said to someone) a
slot `PRONOUN:word`. builder.pronouns says what each reads for the reader's chosen set.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

from builder.model import Chapter, Manuscript, Paragraph, Scene, Text
from builder.pronouns import COLUMNS, SLOT_PREFIX, WORD_ROW
from builder.stages import pronoun_marks
from builder.stages import pronoun_words as en
from builder.stages.placeholders import all_paragraphs
from builder.stages.pronoun_reading import (
    READER_CODES,
    Item,
    cut,
    items_of,
    name_of,
    reader_word,
    same_pronoun_names,
)

WRITTEN_OUT = frozenset(SLOT_PREFIX + role for role in ("subj", "obj", "det", "pos", "refl"))
"""Slot codes of pronouns that are slots before this stage runs: the author wrote them out."""
WINDOW = 2
"""How many paragraphs back a pronoun looks for who it means."""


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


@dataclass(slots=True)
class _Mention:
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


@dataclass(slots=True)
class _State:
    written: str
    names: frozenset[str]
    column: int
    """Which column of builder.pronouns.WORDS the story's reader words are in."""
    mentions: list[_Mention] = field(default_factory=list)
    paragraph: int = 0
    sentence: int = 0
    clause: int = 0


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
            state = _State(written, names, column)
            paragraphs = tuple(
                _paragraph(p, items[id(p)], state, decisions) for p in scene.paragraphs
            )
            scenes.append(Scene(scene.caption, paragraphs, scene.line))
        chapters.append(Chapter(chapter.title, tuple(scenes), chapter.line))
    return replace(manuscript, chapters=tuple(chapters)), tuple(decisions)


def _paragraph(
    paragraph: Paragraph, items: list[Item], state: _State, decisions: list[Decision]
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
                state.mentions.append(_mention(state, items, index, "reader"))
            continue
        if item.kind != "word":
            continue
        lower = item.lower
        base, _, _ = lower.partition("'")
        found = en.PRONOUNS.get(state.written, {}).get(base)
        if found is not None:
            role = _role(items, index, found)
            who, certain, why = _resolve(state, items, index, role)
            marked = pronoun_marks.mark(paragraph, item.token, item.end)
            if marked is not None:  # the author's word over the rules'
                who, certain, why = "reader" if marked[0] else "", True, marked[1]
            reader = who == "reader"
            decide(index, role, reader, certain, why)
            if reader or certain:
                state.mentions.append(_mention(state, items, index, who))
            if reader and certain:
                cuts.append((index, role, _contraction(items, index)))
                for at, plural in _agreeing(items, index, role):
                    decide(at, "verb", True, True, f"agrees with the reader's {item.text!r}")
                    cuts.append((at, "verb", plural))
            continue
        row = WORD_ROW.get(lower)
        if row is not None and row[1] == state.column:
            reason = reader_word(items, index, state.written)
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
            state.mentions.append(_mention(state, items, index, who, possessor=name != item.text))
    return cut(paragraph, items, cuts) if cuts else paragraph


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


def _is_other(state: _State, item: Item) -> bool:
    """A mention of someone else who shares the reader's pronouns."""
    if state.written == "you":
        return False
    if item.text[0].isupper() and name_of(item.text) in state.names:
        return True
    return item.lower in en.GENDERED_NOUNS[state.written] or (
        state.written == "she" and en.feminine_noun(item.lower)
    )


def _mention(
    state: _State, items: Sequence[Item], index: int, who: str, possessor: bool = False
) -> _Mention:
    item = items[index]
    subject = (
        item.lower.partition("'")[0] in ("she", "he")
        or _before_verb(items, index)
        or (  # `"...," said Luca`
            index > 1 and items[index - 1].lower in en.SPEECH and items[index - 2].kind == "punct"
        )
        or index == 0
        or items[index - 1].text in (".", "!", "?", "…")  # `Priya, the stage manager, did`
    )
    return _Mention(
        who == "reader",
        *(item.sentence, item.clause, state.paragraph, item.quoted),
        subject=subject and not possessor,
        who=who,
        possessor=possessor,
    )


def _before_verb(items: Sequence[Item], index: int) -> bool:
    after = _next_word(items, index)
    return after is not None and en.finite_verb(items[after].text)


def _next_word(items: Sequence[Item], index: int, skip_adverbs: bool = True) -> int | None:
    """The index of the next word right after `index` (an adverb skipped), if no punctuation
    comes between."""
    for at in range(index + 1, min(index + 3, len(items))):
        if items[at].kind != "word":
            return at if items[at].kind == "slot" else None
        if not (skip_adverbs and items[at].lower in en.ADVERBS and at == index + 1):
            return at
    return None


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
    if previous in en.CAUSATIVE and en.base_verb(word):
        return "obj"
    kinds = en.kinds(word)
    if not kinds or kinds & {"NOUN", "ADJ", "PROPN"} or following.text[0].isupper():
        return "det"
    return "obj"


def _resolve(state: _State, items: Sequence[Item], index: int, role: str) -> tuple[str, bool, str]:
    """(who, certain?, why) for the pronoun at `index`: who is `reader` or someone else."""
    item = items[index]
    speakers = _speakers(items, state.names) if item.quoted else set()
    if "reader" in speakers:
        return "", True, "the reader is speaking"
    pool = [
        m
        for m in state.mentions
        if m.paragraph >= state.paragraph - WINDOW
        and (item.quoted or not m.quoted or _here(m, state))
        and m.who not in speakers  # a speaker says I, not she
        and not (m.possessor and m.sentence == item.sentence and role != "subj")
    ]
    if role == "refl":
        same = [m for m in pool if m.sentence == item.sentence]
        subjects = [m for m in same if m.subject and m.clause == item.clause] or same
        if subjects:
            return subjects[-1].who, True, "reflexive of the clause's subject"
    if role == "obj":  # never the subject of its own clause (or of the verbs joined to it)
        subjects = [m for m in pool if m.subject and m.sentence == item.sentence]
        if subjects and not (subjects[-1].reader and subjects[-1].clause != item.clause):
            pool = [m for m in pool if m.who != subjects[-1].who]
            if subjects[-1].reader and pool and not pool[-1].reader and _here(pool[-1], state):
                return pool[-1].who, True, "the reader is the subject, so the object is not"
    if role == "subj":  # a subject pronoun continues an earlier sentence's subject
        subjects = [m for m in pool if m.subject]
        pool = subjects or pool
    if not pool:
        return "reader", True, "nobody else mentioned before"
    nearest = pool[-1]
    if not nearest.reader:
        if nearest.sentence == item.sentence or (
            nearest.sentence == item.sentence - 1 and nearest.subject and role == "subj"
        ):
            return nearest.who, True, "another person of these pronouns is nearer"
        if nearest.paragraph == state.paragraph and role != "obj":
            return "reader", False, "the reader is the story's focus, but another person is near"
        return "reader", True, "the reader is the story's focus"
    rival = any(not m.reader and m.sentence == item.sentence for m in pool if _here(m, state))
    if rival and role != "obj":
        return "reader", False, "the reader is nearest, but another person is in the sentence"
    return "reader", True, "the reader is the nearest mention"


def _speakers(items: Sequence[Item], names: frozenset[str]) -> set[str]:
    """Who says the paragraph's dialogue (`"...," Y/N said`, `Carol demanded, "..."`): `reader`
    or names; a pronoun in the dialogue is never its speaker (who says I)."""
    found: set[str] = set()
    for at in range(len(items) - 1):
        first, second = items[at], items[at + 1]
        if first.quoted or second.quoted:
            continue
        for who, verb in ((first, second), (second, first)):
            if verb.lower in en.SPEECH:
                if who.text in READER_CODES:
                    found.add("reader")
                elif name_of(who.text) in names:
                    found.add(name_of(who.text))
    return found


def _here(mention: _Mention, state: _State) -> bool:
    return mention.paragraph == state.paragraph


def _contraction(items: Sequence[Item], index: int) -> str:
    """For `she's`: `has` or `is`, from the word after it."""
    if not items[index].lower.endswith("'s"):
        return ""
    after = _next_word(items, index)
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
    after = _next_word(items, index)
    if after is None or items[after].kind != "word":
        return
    plural = en.plural_verb(items[after].text)
    if plural is None:
        return
    yield after, plural
    yield from _coordinated(items, after)


_AUXILIARIES = frozenset({"is", "was", "has", "does", "isn't", "wasn't", "hasn't", "doesn't"})


def _coordinated(items: Sequence[Item], verb: int) -> Iterator[tuple[int, str]]:
    """Verbs joined to the first with `and`, `or`, `then` (`she laughs and shakes her head`)."""
    sentence = items[verb].sentence
    for at in range(verb + 1, min(verb + 16, len(items) - 1)):
        item = items[at]
        if item.sentence != sentence or item.kind == "slot" or item.quoted != items[verb].quoted:
            return
        if item.lower in ("she", "he", "i", "you", "they", "we", "it"):
            return
        if item.lower in ("and", "or", "then") and items[at + 1].kind == "word":
            plural = en.plural_verb(items[at + 1].text)
            if plural and en.kinds(items[at + 1].text) & {"VERB"}:
                yield at + 1, plural

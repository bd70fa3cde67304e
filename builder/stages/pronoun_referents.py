"""Who a pronoun of the reader's set means, for the pronoun stage: the rules that pick one of
the people mentioned so far (builder.stages.pronoun_mentions) or leave the word uncertain.

- the nearest preceding mention wins; a subject pronoun prefers the nearest subject, an
  object never means the subject of its own clause (`Mara laughed at her`), a reflexive
  always does; a subject is never someone named later in its own clause (`she kissed Y/N`);
- narration does not look back into an earlier paragraph's dialogue; a line's speaker (its
  tag, or the one acting just before it) says I, not she; a line said to the reader has the
  reader as `you` (builder.stages.pronoun_dialogue);
- a line after the reader's own is said to her; her answer to a line about her may keep its
  words (`"Was she brave?" / "She was not," said Y/N`);
- where the reader is the nearest but another person of the same pronouns is as near, or
  the nearest is itself a guess, the word is left as written and reported as uncertain.
"""

from __future__ import annotations

from collections.abc import Sequence

from builder.stages import pronoun_words as en
from builder.stages.pronoun_lines import (
    acting_before,
    line_before,
    says_you,
    takes_up,
    topic_before,
)
from builder.stages.pronoun_mentions import (
    ADDRESSED,
    WINDOW,
    Mention,
    State,
    in_paragraph,
    opener,
    relative,
)
from builder.stages.pronoun_reading import READER_CODES, Item


def resolve(state: State, items: Sequence[Item], index: int, role: str) -> tuple[str, bool, str]:
    """(who, certain?, why) for the pronoun at `index`: who is `reader` or someone else."""
    item = items[index]
    talk = state.talk
    speakers = (
        talk.speakers | state.tagged | acting_before(state, items, index) if item.quoted else set()
    )
    if "reader" in speakers:
        if item.quoted and state.spoken_of and takes_up(state, items, index):
            # `"Was she brave?" Mina asked. "She was not," said Y/N`: an answer keeps the
            # question's words for its subject, also when that subject is the one answering
            return "reader", True, "the reader answers a line about her in its own words"
        return "", True, "the reader is speaking"
    answer = talk.opens_with_line and state.last_speaker == "reader"
    if index in talk.tags and (talk.names_reader or answer):
        why = "the line names the reader" if talk.names_reader else "the line answers the reader"
        return _someone_else(state, f"{why}, so someone else says it")
    line = line_before(items, index) if index in talk.tags else None
    beat = acting_before(state, items, line) if line is not None else set()
    if beat:  # `Jess sighed. "You cook?" she said`: the one acting before a line says it
        return next(iter(beat)), True, "the tag of a line that follows its speaker's action"
    if item.quoted and index < (talk.turn if answer else talk.to_reader):
        return _someone_else(state, "the line is said to the reader, who is `you` in it")
    if item.quoted and talk.other_speaker and not speakers and says_you(items, item):
        # `"I bet she is glad for you," Bastian says`: with the reader there, `you` may be
        # her and `she` someone else
        return "reader", False, "someone of other pronouns says `you` in the line"
    # `Y/N took Marit's cup and filled her glass`: a possessor beside the reader is not
    # what the sentence's pronouns mean; alone, it is (`Marit's book lay open on her lap`)
    rival = any(m.reader and m.sentence == item.sentence for m in state.mentions)
    pool = [
        m
        for m in state.mentions
        if m.paragraph >= state.paragraph - WINDOW
        and (item.quoted or not m.quoted or (in_paragraph(m, state) and index not in talk.tags))
        and m.who not in speakers  # a speaker says I, not she
        and not (
            item.quoted and in_paragraph(m, state) and m.position in talk.tags
        )  # nor her tag's
        and m.who != ADDRESSED
        and not (m.possessor and m.sentence == item.sentence and role != "subj" and rival)
    ]
    if role == "pos" and any(_owns(m, items, item, state) for m in state.mentions):
        # `put her coat next to hers`: the two owners are two people
        others = [m for m in state.mentions if not m.reader and m.sentence == item.sentence]
        who = others[-1].who if others else ""
        return who, bool(others), "the reader owns the other thing compared in the clause"
    if role == "refl":
        same = [m for m in pool if m.sentence == item.sentence]
        subjects = [m for m in same if m.subject and m.clause == item.clause] or same
        if subjects:
            return subjects[-1].who, True, "reflexive of the clause's subject"
    held = _held_by(state, items, index) if role == "det" else None
    if held is not None:  # `caught him by the back of his jacket`: the one caught
        return held.who, held.certain, "the part of the one held (`caught him by his arm`)"
    if role == "obj" or (role == "det" and _touched(items, index)):
        # never the subject of its own clause (or of the verbs joined to it); nor is the hand
        # someone takes (`Ilse took her hand`) the taker's own
        subjects = [
            m
            for m in pool
            if m.subject
            and m.sentence == item.sentence
            and not _subject_between(items, m, index, state.written)
        ]
        if subjects and not (
            subjects[-1].reader and (subjects[-1].clause != item.clause or _locative(items, index))
        ):  # a place beside the reader may be her own (`she sat with the parcel beside her`)
            pool = [m for m in pool if m.who != subjects[-1].who]
            if subjects[-1].reader:
                near = bool(pool) and in_paragraph(pool[-1], state)
                who = pool[-1].who if pool else ""
                return who, near, "the reader is the subject, so the object is not"
    if role == "subj" and _reader_later_in_clause(items, index):
        return _someone_else(state, "the reader is named later in its clause (`she kissed Y/N`)")
    if role == "subj":  # a subject pronoun continues an earlier sentence's subject
        subjects = [m for m in pool if m.subject]
        fronted = [m for m in subjects if m.sentence == item.sentence and m.subordinate]
        before = [m for m in subjects if m.sentence == item.sentence - 1 and not m.subordinate]
        if (
            fronted
            and fronted[-1].reader
            and fronted == [m for m in subjects if m.sentence == item.sentence]
            and index > 0
            and items[index - 1].text == ","  # the main clause after it
            and before
            and not before[0].reader
        ):  # `Luca watched. When Y/N came back, he had refilled the glasses`: the main
            # clause may go on with the sentence before's subject
            return "reader", False, "the reader only in a clause before it, another before that"
        if subjects and subjects[-1].reader:
            later = pool[pool.index(subjects[-1]) + 1 :]
            if any(
                m.who in state.names and not m.possessor and m.sentence >= item.sentence - 1
                for m in later
            ):  # `Y/N hugged Marit. She laughed.`: either of them (a name: someone in the
                # scene; `a woman`, `Marit's cousin` more often only passes through)
                return "reader", False, "the reader is the subject before, but another is nearer"
        here = [m for m in pool if m.sentence == item.sentence]
        if here and all(m.reader for m in here) and not any(m.subject for m in here):
            # `Oskar bought her a ticket before she could object`: the sentence's only one of these
            return "reader", True, "the reader is the only one of these pronouns in its sentence"
        last = subjects[-1].sentence if subjects else -1
        main = [m for m in subjects if m.sentence == last and not m.subordinate]
        if (
            subjects
            and last >= item.sentence - 1
            and subjects[-1].subordinate
            and main
            and main[-1].who
            and opener(items, index) not in en.SUBORDINATORS
        ):
            # `Y/N will not say that Marit was right, so she looks away`; `Marit told him how
            # Y/N had fallen. She told him...`
            return main[-1].who, True, "the main clause's subject, not a subordinate clause's"
        pool = subjects or pool
    if not pool:
        return "reader", True, "nobody else mentioned before"
    nearest = pool[-1]
    if not nearest.reader:
        if nearest.sentence == item.sentence or (
            nearest.sentence == item.sentence - 1
            and (role in ("det", "pos") or (role == "subj" and nearest.subject))
        ):
            return nearest.who, True, "another person of these pronouns is nearer"
        if index in state.talk.tags:  # a new speaker is as likely as the reader
            return "reader", False, "a tag after another person's turn: who speaks is unclear"
        if nearest.paragraph == state.paragraph and role != "obj":
            return "reader", False, "the reader is the story's focus, but another person is near"
        if (
            role == "obj"
            and nearest.who == state.last_speaker
            and nearest.paragraph == state.paragraph - 1
        ):  # `"I will go," Ilse said. / Aldric looked at her.`: who is looked at, answered, is
            # as likely the one who just spoke
            return "reader", False, "the one who spoke the line before is as likely"
        return "reader", True, "the reader is the story's focus"
    if not nearest.certain and nearest.quoted and item.quoted and not in_paragraph(nearest, state):
        # `"I think she'd be proud of you." / "You don't know her."`: another line's guess
        return "reader", False, "the nearest mention, in an earlier line, is itself uncertain"
    if index in talk.tags and talk.opens_with_line and topic_before(state, pool) != "reader":
        # `Dani rolled her eyes as he set down the mug Y/N liked. / "You're soft," she said.`
        return "reader", False, "a tag after another person's action: who speaks is unclear"
    rival = any(
        not m.reader and m.sentence == item.sentence for m in pool if in_paragraph(m, state)
    )
    if (
        role == "det"
        and _perceived(items, index)
        and any(
            not m.reader and m.sentence >= item.sentence - 1 for m in pool if in_paragraph(m, state)
        )
    ):  # `Mara was awake. Y/N could tell by her breathing.`
        return "reader", False, "what the reader perceives may be the other person's"
    local = [m for m in pool if m.subject and m.sentence == item.sentence]
    if (
        rival
        and role == "det"
        and local
        and local[-1].reader
        and not _subject_between(items, local[-1], index, state.written)
    ):  # `Marit watched as Y/N climbed up with a torch in her hand`: its subject's
        return "reader", True, "the possessive of the reader, its clause's subject"
    if (
        rival
        and role == "subj"
        and local
        and local[-1].reader
        and all(m.reader for m in pool[pool.index(local[-1]) :])
        and (local[-1].clause == item.clause or opener(items, index) in en.SUBORDINATORS | {"so"})
    ):  # `Marit lit the fire, and Y/N sat as close as she dared`: nobody since her, and the
        # pronoun in her clause or one hanging on it (`, and she had seen` may go back further)
        return "reader", True, "the reader is the sentence's latest subject, nobody after her"
    if rival and role != "obj":
        return "reader", False, "the reader is nearest, but another person is in the sentence"
    return "reader", True, "the reader is the nearest mention"


def _perceived(items: Sequence[Item], index: int) -> bool:
    """The possessive at `index` owns what a verb of perceiving in its clause takes in (`could
    tell by her breathing`, `made out the shape of her smile`, `heard her voice`); `her own`
    is always the subject's."""
    if index + 1 < len(items) and items[index + 1].lower == "own":
        return False
    for at in range(index - 1, max(index - 7, 0) - 1, -1):
        word, before = items[at].lower, items[at - 1].lower if at else ""
        if items[at].clause != items[index].clause:
            return False
        if word in en.PERCEIVING or (word == "out" and before in ("make", "made")):
            return True
        if word == "tell" and before in ("could", "can", "couldn't", "can't"):
            return True
    return False


def _held_by(state: State, items: Sequence[Item], index: int) -> Mention | None:
    """The object pronoun of these pronouns that the possessive at `index` follows through
    `by` (`caught him by his arm`, `took her by the back of her coat`): the part is theirs."""
    held = {"her": "her", "his": "him"}.get(items[index].lower)
    for at in range(index - 1, max(index - 6, 1) - 1, -1):
        if items[at].lower == "by" and items[at - 1].lower == held:
            position = at - 1
            return next(
                (m for m in state.mentions if in_paragraph(m, state) and m.position == position),
                None,
            )
        if items[at].kind != "word" or items[at].lower in en.SUBJECTS:
            return None
    return None


def _touched(items: Sequence[Item], index: int) -> bool:
    """The possessive at `index` owns a body part that a verb of touching right before it
    acts on (`took her hand`, `slapped her hand away`, `kissed her cheek`): one does that to
    another's hand, not one's own; but one takes one's own hand away (`took her hand back`)."""
    before = items[index - 1].lower if index else ""
    after = items[index + 1].lower if index + 1 < len(items) else ""
    then = items[index + 2].lower if index + 2 < len(items) else ""
    if before in ("take", "takes", "took", "taking") and then in en.TAKEN_BACK:
        return False
    return before in en.TOUCHING and after in en.BODY_PARTS


def _locative(items: Sequence[Item], index: int) -> bool:
    """The object at `index` follows a preposition of place (`beside her`, `next to him`)."""
    before = items[index - 1].lower if index else ""
    return before in en.LOCATIVES or (
        before == "to" and index > 1 and items[index - 2].lower == "next"
    )


def _subject_between(items: Sequence[Item], mention: Mention, index: int, written: str) -> bool:
    """Someone else is a subject between `mention` and the object at `index` (`she says you
    make her breakfast`): the object is in that one's clause."""
    if mention.position >= index:
        return False
    own = relative(items, mention.position)  # `Nadia, who waved her over`: Nadia's clause
    return any(
        (items[at].lower in en.SUBJECTS and at != own)
        or items[at].lower.partition("'")[0] == en.OTHER_SET.get(written)
        or (  # `the scarf her uncle gave her`
            items[at].kind == "word"
            and items[at - 1].lower in en.DETERMINERS
            and items[at].lower not in en.CLOSED
            and "NOUN" in en.kinds(items[at].text)
            and items[at + 1].kind == "word"
            and items[at + 1].lower not in en.BE  # `the day was her own`
            and en.finite_verb(items[at + 1].text)
        )
        for at in range(mention.position + 1, index - 1)
    )


def _reader_later_in_clause(items: Sequence[Item], index: int) -> bool:
    """The reader's name follows the pronoun in its clause, not as a possessor: `she kissed
    Y/N`, `she and Y/N`; a person is not named in the clause they are the subject of; nor,
    from a main clause, later in the sentence (`she shut the door, and Y/N stayed`; but `when
    she got home, Y/N cried` names her after a subordinate clause)."""
    main = opener(items, index) not in en.SUBORDINATORS
    for item in items[index + 1 :]:
        if item.sentence != items[index].sentence or item.quoted != items[index].quoted:
            return False
        if not main and (item.clause != items[index].clause or item.text == ","):
            return False  # the subordinate clause ends
        if item.kind == "slot" and item.text in READER_CODES:
            return True
    return False


def _owns(mention: Mention, items: Sequence[Item], item: Item, state: State) -> bool:
    """`mention` is a possessive pronoun of the reader's in the clause of `item`."""
    return (
        mention.reader
        and in_paragraph(mention, state)
        and mention.clause == item.clause
        and items[mention.position].lower in ("her", "his")
    )


def _someone_else(state: State, why: str) -> tuple[str, bool, str]:
    """Not the reader: the nearest other person of the reader's pronouns, if there is one."""
    others = [m for m in state.mentions if not m.reader and m.who]
    return (others[-1].who if others else ""), True, why

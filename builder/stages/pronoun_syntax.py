"""Stage 3a: the reader's pronouns as the author wrote them out: exact, nothing guessed.

Found in every story, whether it declares `reader:` or not (docs/manuscript-format.md):

- a choice, the reader's form of one role for each set, joined by slashes, she's and he's at
  least, in any order, bare or in brackets: `(she/he/they)`, `(her/his/their)`,
  `(her/him/them)`, `(hers/his/theirs)`, `(herself/himself/themselves)`, `she/he`, `his/her`,
  `(s)he`, `s/he`. It becomes a slot `PRONOUN:<role>` holding the author's forms: a she, he or
  they reader gets the author's form for their set, a custom set its own form of the role. A
  verb right after a subject choice agrees: as written out (`(she/he/they) (is/are)`), or, for
  a present singular verb (`(s)he walks`), by rule.
- a variant, text meant for one kind of reader (`F!: ...`, `[M!]...[/M!]`): see
  builder.stages.pronoun_variants.

Marks of the author's decision on one pronoun (`her{+}`, `her{-}`) are builder.stages.pronoun_marks.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import replace

from builder.errors import ManuscriptError
from builder.model import (
    Chapter,
    Inline,
    Manuscript,
    Paragraph,
    Scene,
    Slot,
    Text,
    map_paragraphs,
)
from builder.pronouns import EXPLICIT, SLOT_PREFIX
from builder.stages import pronoun_variants as variants
from builder.stages import pronoun_words as en
from builder.stages.pronouns import Decision

# Each form of a choice: the set it belongs to and the roles it can have.
FORMS: dict[str, tuple[str, frozenset[str]]] = {
    "she": ("she", frozenset({"subj"})),
    "he": ("he", frozenset({"subj"})),
    "they": ("they", frozenset({"subj"})),
    "her": ("she", frozenset({"obj", "det"})),
    "him": ("he", frozenset({"obj"})),
    "them": ("they", frozenset({"obj"})),
    "his": ("he", frozenset({"det", "pos"})),
    "their": ("they", frozenset({"det"})),
    "hers": ("she", frozenset({"pos"})),
    "theirs": ("they", frozenset({"pos"})),
    "herself": ("she", frozenset({"refl"})),
    "himself": ("he", frozenset({"refl"})),
    "themself": ("they", frozenset({"refl"})),
    "themselves": ("they", frozenset({"refl"})),
}
_LIST = r"[A-Za-z]+(?:/[A-Za-z]+){1,2}"
CHOICE = re.compile(
    rf"(?<![\w/])(?:\((?P<round>{_LIST})\)|\[(?P<square>{_LIST})\]"
    rf"|(?P<short>\([sS]\)[hH][eE]|[sS]/[hH][eE])|(?P<bare>{_LIST}))(?![\w/])"
)
"""A choice's shape; `forms_of` says whether the words make one."""
VERB_PAIR = re.compile(r"\s+\((?P<singular>[A-Za-z']+)/(?P<plural>[A-Za-z']+)\)(?![\w/])")
"""`(is/are)` right after a subject choice: the verb for singular and for plural sets."""
CONTRACTED = re.compile(r"(?P<apostrophe>['’])s\b(?:\s+(?P<next>[A-Za-z]+))?")
"""`'s` right after a subject choice, and the word after it (`has` or `is`?)."""
NEXT_WORD = re.compile(r"\s+(?P<word>[A-Za-z]+(?:['’][a-z]+)?)\b")


def analyse(manuscript: Manuscript) -> tuple[Manuscript, tuple[Decision, ...]]:
    """The manuscript with variants and choices as slots, and the decisions (for the CLI)."""
    declared = {"she": "she", "he": "he"}.get(manuscript.meta.reader_pronouns or "")
    decisions: list[Decision] = []
    chapters = []
    for chapter in manuscript.chapters:
        scenes = []
        for scene in chapter.scenes:
            paragraphs = variants.paragraphs(manuscript, scene.paragraphs, declared, decisions)
            scenes.append(Scene(scene.caption, paragraphs, scene.line))
        chapters.append(Chapter(chapter.title, tuple(scenes), chapter.line))
    book = replace(manuscript, chapters=tuple(chapters))
    book = map_paragraphs(
        book, lambda paragraph: variants.spans(book, paragraph, declared, decisions)
    )
    book = map_paragraphs(book, lambda paragraph: _choices(book, paragraph, decisions))
    decisions.sort(key=lambda decision: (decision.line, decision.column))
    return book, tuple(decisions)


def find(manuscript: Manuscript) -> Manuscript:
    """The stage: the manuscript with the author's written-out pronouns as slots."""
    return analyse(manuscript)[0]


def forms_of(words: Sequence[str]) -> tuple[str, dict[str, str]] | None:
    """(role, set -> the form written) when `words` make a choice: forms of one role from
    different sets, she's and he's among them; None otherwise (`she/her` names a set,
    `and/or` is no pronoun)."""
    found: dict[str, str] = {}
    roles = frozenset({"subj", "obj", "det", "pos", "refl"})
    for word in words:
        known = FORMS.get(word.lower())
        if known is None or known[0] in found:
            return None
        found[known[0]] = word.lower()
        roles &= known[1]
    if not ("she" in found and "he" in found):
        return None
    if len(roles) != 1:
        return ("", found)  # forms of different roles: the caller says so
    return (next(iter(roles)), found)


def _choices(book: Manuscript, paragraph: Paragraph, decisions: list[Decision]) -> Paragraph:
    inlines: list[Inline] = []
    for token in paragraph.inlines:
        if isinstance(token, Text) and ("/" in token.text or "(s)" in token.text.lower()):
            inlines.extend(_choices_in(book, token, decisions))
        else:
            inlines.append(token)
    return replace(paragraph, inlines=tuple(inlines))


def _choices_in(book: Manuscript, token: Text, decisions: list[Decision]) -> Iterator[Inline]:
    text, position = token.text, 0
    for match in CHOICE.finditer(text):
        if match.start() < position:
            continue
        if match["short"]:
            role, forms = "subj", {"she": "she", "he": "he"}
        else:
            words = (match["round"] or match["square"] or match["bare"]).split("/")
            found = forms_of(words)
            if found is None:
                continue
            role, forms = found
            if not role:
                raise ManuscriptError(
                    f"{match.group()!r} at column {token.column + match.start()} mixes "
                    "pronoun roles; write one role's forms, e.g. (she/he/they), "
                    "(her/him/them) or (her/his/their)",
                    path=book.source_path,
                    line=token.line,
                    source_line=text,
                )
        if match.start() > position:
            yield Text(text[position : match.start()], token.line, token.column + position)
        column = token.column + match.start()
        variant = EXPLICIT + "/".join(forms.get(name, "") for name in ("she", "he", "they"))
        yield Slot(SLOT_PREFIX + role, match.group(), token.line, column, variant=variant)
        decisions.append(
            Decision(token.line, column, match.group(), role, True, True, "written as a choice")
        )
        position = match.end()
        if role == "subj":
            verb, position = _verb(token, position, decisions)
            yield from verb
    if position < len(text):
        yield Text(text[position:], token.line, token.column + position)


def _verb(token: Text, position: int, decisions: list[Decision]) -> tuple[list[Inline], int]:
    """The verb after a subject choice as a slot (with the space before it), and where the
    text goes on; nothing when no verb agrees there."""
    text = token.text
    pair = VERB_PAIR.match(text, position)
    word = NEXT_WORD.match(text, position)
    contracted = CONTRACTED.match(text, position)
    if contracted:  # `(s)he's`: `'s` is `'re` or `'ve` for plural sets
        mark, after = contracted["apostrophe"], contracted["next"]
        tail = "ve" if after and en.has_contraction(after) else "re"
        start, written, end = position, f"{mark}s", position + 2
        variant, why = f"{EXPLICIT}{mark}s/{mark}{tail}", "a contraction after a subject choice"
    elif pair:
        start, written = pair.start("singular") - 1, pair.group().strip()
        variant, why = f"{EXPLICIT}{pair['singular']}/{pair['plural']}", "written as a choice"
        end = pair.end()
    elif word and (plural := en.plural_verb(word["word"])):
        start, written, variant, end = word.start("word"), word["word"], plural, word.end()
        why = "agrees with a subject choice"
    else:
        return [], position
    column = token.column + start
    decisions.append(Decision(token.line, column, written, "verb", True, True, why))
    slot = Slot(SLOT_PREFIX + "verb", written, token.line, column, variant=variant)
    if start == position:
        return [slot], end
    return [Text(text[position:start], token.line, token.column + position), slot], end

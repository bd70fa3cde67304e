"""The reader's pronouns as data: the sets a reader may choose, the gendered words that follow
them, and how one pronoun slot (builder.stages.pronouns finds them) reads for a chosen set.

A set is five forms (subject, object, possessive determiner, possessive pronoun, reflexive)
and whether verbs agree with it as singular (`she walks`) or plural (`they walk`). A reader
picks `she`, `he`, `they`, or writes five forms: `xe/xem/xyr/xyrs/xemself`, with `/plural`
after them for plural agreement. The value is a profile value like any other, under `KEY`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from builder.errors import ProfileError, UsageError

KEY = "PRONOUNS"
"""The profile key (`--pronouns`, `--set pronouns=they`, `pronouns = "they"` in a profile)."""
SLOT_PREFIX = "PRONOUN:"
"""Slot codes of reader pronouns: `PRONOUN:subj`, `PRONOUN:obj`, ... `PRONOUN:verb`."""
ROLES = ("subj", "obj", "det", "pos", "refl", "word", "verb", "only")
"""Grammatical roles of a reader slot: the five forms, a gendered word, an agreeing verb, and
text meant for some readers only (a variant block, builder.stages.pronoun_syntax)."""
EXPLICIT = "="
"""A slot variant that starts with it holds the author's own forms (`=she/he/they`, a verb's
`=is/are`): a choice written out in the manuscript, read exactly."""
ONLY = "only:"
"""A slot variant that starts with it names the readers its text is for (`only:she,none;`): the
kinds `she`, `he`, `they` (a custom set counts as `they`) and `none` (no pronouns chosen), then
after `;` the slot's own variant (a code's inflection, `s` of `Y/Ns`)."""
LABEL = "your pronouns (she, he, they, or five forms like xe/xem/xyr/xyrs/xemself)"


@dataclass(frozen=True, slots=True)
class PronounSet:
    """One reader's pronouns."""

    name: str
    """`she`, `he`, `they`, or the five forms joined by slashes."""
    subj: str
    obj: str
    det: str
    pos: str
    refl: str
    plural: bool = False
    """Verbs agree as with `they` (`they walk`, `they're`); else as with `she` (`she walks`)."""
    words: str = "they"
    """Which column of `WORDS` its gendered words come from: `she`, `he` or `they`."""
    own_words: tuple[tuple[int, str], ...] = ()
    """The reader's own gendered words: (row of `WORDS`, what to say), over the column's."""

    def form(self, role: str) -> str:
        return str(getattr(self, role))


SETS = {
    "she": PronounSet("she", "she", "her", "her", "hers", "herself", words="she"),
    "he": PronounSet("he", "he", "him", "his", "his", "himself", words="he"),
    "they": PronounSet("they", "they", "them", "their", "theirs", "themself", plural=True),
}
ALIASES = {"she/her": "she", "he/him": "he", "they/them": "they"}

# The gendered words that follow the reader's pronouns (one row per word; she, he, they).
WORDS: tuple[tuple[str, str, str], ...] = (
    ("girlfriend", "boyfriend", "partner"),
    ("girl", "boy", "kid"),
    ("woman", "man", "person"),
    ("lady", "gentleman", "person"),
    ("princess", "prince", "highness"),
    ("queen", "king", "monarch"),
    ("wife", "husband", "spouse"),
    ("daughter", "son", "child"),
    ("sister", "brother", "sibling"),
    ("Miss", "Mister", "Mx"),
    ("Mrs", "Mr", "Mx"),
    ("ma'am", "sir", "Mx"),
)
COLUMNS = {"she": 0, "he": 1, "they": 2}
WORD_ROW = {
    word.lower(): (row, column)
    for row, words in enumerate(WORDS)
    for column, word in enumerate(words)
    if column < 2
}
"""A she- or he-word (lower case) -> (its row, its column)."""

# Verbs whose singular and plural differ other than by -s.
IRREGULAR = {
    "is": "are",
    "was": "were",
    "has": "have",
    "does": "do",
    "isn't": "aren't",
    "wasn't": "weren't",
    "hasn't": "haven't",
    "doesn't": "don't",
    "goes": "go",
}
FORM = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


def parse(value: str, error: type[UsageError] | type[ProfileError] = UsageError) -> PronounSet:
    """The set a reader wrote: `she`, `he`, `they`, or `xe/xem/xyr/xyrs/xemself[/plural]`,
    then their own gendered words if any: `they; girlfriend=datefriend, girl=enby`."""
    value, semicolon, words = value.partition(WORDS_SEPARATOR)
    if semicolon:
        return replace(parse(value, error), own_words=own_words(words, error))
    text = value.strip().lower()
    text = ALIASES.get(text, text)
    if text in SETS:
        return SETS[text]
    parts = [part.strip() for part in value.strip().split("/")]
    plural = False
    if len(parts) == 6 and parts[5].lower() in ("plural", "singular"):
        plural = parts.pop().lower() == "plural"
    if len(parts) != 5 or not all(FORM.fullmatch(part) for part in parts):
        raise error(
            f"pronouns {value!r}: choose she, he or they, or write five forms like "
            "xe/xem/xyr/xyrs/xemself (add /plural for verbs like 'they walk')"
        )
    subj, obj, det, pos, refl = parts
    return PronounSet("/".join(parts), subj, obj, det, pos, refl, plural=plural)


WORDS_SEPARATOR = ";"
OWN_WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|[ .'’-]){0,39}")
"""A reader's own gendered word: letters, with spaces, `.`, `'`, `-` inside, at most 40."""


def own_words(
    text: str, error: type[UsageError] | type[ProfileError] = UsageError
) -> tuple[tuple[int, str], ...]:
    """`girlfriend=datefriend, girl=enby`: each word is any word of a row of `WORDS` (its she,
    he or they word), and stands for the whole row."""
    rows = {word.lower(): row for row, words in enumerate(WORDS) for word in words}
    found: dict[int, str] = {}
    pairs = text.split(",")
    if len(pairs) > len(WORDS):
        raise error(f"at most {len(WORDS)} gendered words of your own (one per row of the table)")
    for pair in pairs:
        if not pair.strip():
            continue
        word, equals, said = (part.strip() for part in pair.partition("="))
        row = rows.get(word.lower().replace("’", "'"))
        if row is None:
            known = ", ".join(words[0] for words in WORDS)
            raise error(f"gendered word {word!r}: choose one of the table's words ({known}, ...)")
        if not equals or not OWN_WORD.fullmatch(said):
            raise error(f"gendered word {word!r}: write it as {word}=WORD (letters, at most 40)")
        found[row] = said
    return tuple(sorted(found.items()))


def words_value(pronouns: str, words: Mapping[str, str]) -> str:
    """A profile's pronouns with its own gendered words (`[words]` tables) written in."""
    pairs = ", ".join(f"{word}={said}" for word, said in words.items())
    return f"{pronouns.strip()}{WORDS_SEPARATOR} {pairs}" if pairs else pronouns


def check(value: str, error: type[UsageError] | type[ProfileError] = UsageError) -> str:
    """The value, if it names a set (what a profile stores: the reader's own spelling)."""
    parse(value, error)
    return value.strip()


def is_pronoun_slot(code: str) -> bool:
    return code.startswith(SLOT_PREFIX)


def read(role: str, written: str, variant: str, chosen: PronounSet) -> str:
    """What a reader slot says for `chosen`: `role` is its code's role, `written` the word as
    the author wrote it, `variant` what the stage worked out (the plural of an agreeing verb,
    `is` or `has` behind a contraction's `'s`)."""
    if role == "only":
        return written
    if variant.startswith(EXPLICIT):
        return _explicit(role, written, variant.removeprefix(EXPLICIT), chosen)
    if role == "verb":
        if not chosen.plural or not variant:
            return written
        return _apostrophe(_case(variant, written), written)
    if role == "word":
        row, _ = WORD_ROW[written.lower().replace("’", "'")]
        word = dict(chosen.own_words).get(row, WORDS[row][COLUMNS[chosen.words]])
        return _apostrophe(_case(word, written), written)
    plain = written.replace("’", "'")
    base, apostrophe, tail = plain.partition("'")
    word = chosen.form(role)
    if role == "subj" and apostrophe:
        tail = tail.lower()
        if tail == "s":  # she's: is or has
            tail = ("re" if variant == "is" else "ve") if chosen.plural else "s"
        elif tail in ("re", "ve") and not chosen.plural:
            tail = "s"
        word = f"{word}'{tail}"
    return _apostrophe(_case(word, base), written)


def only(kinds: Sequence[str]) -> str:
    """The start of the variant of a slot printed only for readers of `kinds`."""
    return f"{ONLY}{','.join(kinds)};"


def kept(variant: str, value: str | None) -> tuple[bool, str]:
    """Whether a slot is printed for a reader whose pronouns are `value` (None: not chosen):
    always, unless its variant says it is text for other readers only; and the slot's own
    variant without that."""
    if not variant.startswith(ONLY):
        return True, variant
    kinds, _, own = variant.removeprefix(ONLY).partition(";")
    kind = "none" if value is None else parse(value).words
    return kind in kinds.split(","), own


def _explicit(role: str, written: str, forms: str, chosen: PronounSet) -> str:
    """A choice the author wrote out: their form for a she, he or they reader (`themselves`
    if they wrote it), a custom set's form of the role; a verb's singular or plural form."""
    letters = "".join(character for character in written.split("/")[0] if character.isalpha())
    if role == "verb":
        singular, _, plural = forms.partition("/")
        return _case(plural if chosen.plural else singular, letters)
    by_set = dict(zip(("she", "he", "they"), forms.split("/"), strict=False))
    return _case(by_set.get(chosen.name) or chosen.form(role), letters)


def _case(word: str, like: str) -> str:
    """`word` in the case `like` is written in: capital first letter, or all capitals."""
    if len(like) > 1 and like.isupper():
        return word.upper()
    if like[:1].isupper():
        return word[:1].upper() + word[1:]
    return word  # as the table writes it: honorifics keep their capital


def _apostrophe(word: str, like: str) -> str:
    return word.replace("'", "’") if "’" in like else word

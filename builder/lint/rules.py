"""The lint rules as data: each rule's stable code, severity and message, and the word lists
the rules use. `builder/lint/__init__.py` holds the checks; docs/lint-codes.md documents each
code.

Codes never change meaning once published: a rule that changes gets a new code, and a
retired code is never given to another rule (`RETIRED`).
Errors are what will show wrongly in the built book (a placeholder printed as `G/N`);
everything that may be the author's intent (a typo, a quote style) is a warning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class Rule:
    """One kind of finding."""

    code: str
    """Stable identifier, e.g. `P101`."""
    severity: Literal["error", "warning"]
    """An error makes `ficpress lint` exit with status 1."""
    message: str
    """What is wrong, a `str.format` template over the finding's details."""


RULES: dict[str, Rule] = {
    rule.code: rule
    for rule in (
        Rule("P103", "error", "'{written}' is no code this story knows: did you mean {near}?"),
        Rule(
            "P104",
            "warning",
            "placeholder {code} is not in the legend (used {count}x): it is filled when the "
            "reader gives a value, but nobody is told what it stands for; label it under "
            "'placeholders:' in the front matter",
        ),
        Rule(
            "P105",
            "error",
            "'{written}' looks like a placeholder but is never filled (used {count}x): a code "
            "outside the legend is found only in capitals; write {code} or add it under "
            "'placeholders:'",
        ),
        Rule(
            "P201",
            "warning",
            "'{written}' is written '{usual}' elsewhere ({count}x): use one form",
        ),
        Rule("P202", "warning", "'{written}' is missing its '{missing}'"),
        Rule("T301", "warning", "doubled punctuation '{written}': a typo?"),
        Rule("T302", "warning", "'{written}' repeats a letter {count} times: a typo?"),
        Rule("T303", "warning", "'{written}': did you mean '{suggestion}'?"),
        Rule(
            "Q401",
            "warning",
            "unbalanced quotes in this paragraph ({detail})",
        ),
        Rule(
            "Q402",
            "warning",
            "straight and curly {kind} quotes are mixed ({straight} straight, {curly} curly): "
            "this is the first of the fewer",
        ),
        Rule(
            "S501",
            "warning",
            "paragraph of {length:,} characters with {quotes} quotations: it probably lost its "
            "paragraph breaks (ficpress import restores them)",
        ),
        Rule(
            "S502",
            "warning",
            "'{written}' inside a paragraph looks like a scene break: put it on a line of its own",
        ),
        Rule("F601", "warning", "unknown front-matter field '{name}'{hint}; it is ignored"),
        Rule(
            "R701",
            "warning",
            "'reader:' says the reader is '{declared}', but the text writes them as '{found}' "
            "({evidence}): correct 'reader:', or readers get the wrong words changed",
        ),
    )
}

RETIRED: dict[str, str] = {
    "P101": "an unknown code used once, as an error with a typo hint from the whole built-in "
    "table; since undeclared codes are filled, see P103, P104 and P105",
    "P102": "an undeclared code as an error; since undeclared codes are filled, see P104",
}
"""Codes no rule reports any more, and why: kept so that they are never reused."""

# Codes seen in the wild (shared/reference/reader-insert-conventions.md) but not built in:
# used even once, they are codes of their own, never a slip of a code the story uses.
WILD_CODES = frozenset({"G/N", "B/N", "S/N", "B/F", "F/F", "Y/F/N", "O/C", "P/N"})

# Interjections whose letters are stretched on purpose (`Ooooh`, `hmmm`, `ughhh`), compared
# after collapsing every run of a letter to one.
INTERJECTIONS = frozenset(
    {
        *("oh", "ah", "uh", "um", "hm", "mm", "ugh", "ew", "aw", "ow", "wow", "whoa", "yay"),
        *("no", "so", "sh", "ha", "heh", "hah", "huh", "eh", "oof", "argh", "gah", "ahem"),
        *("phew", "yes", "please", "hey", "hi", "o", "a", "m", "hmph", "ahah", "oho"),
    }
)

# Doubled punctuation: a comma, semicolon or colon beside another mark, or `?.`/`!.`.
# Abbreviations before a full stop (`etc.,`, `e.g.,`) are fine, and so are the tags of
# variant paragraphs (`F!:`, `NB!:`: builder.stages.pronoun_variants).
DOUBLED_PUNCTUATION = re.compile(
    r"(?<!\bF)(?<!\bM)(?<!\bNB)(?<!\bGN)"
    r"(?<!\betc)(?<!\be\.g)(?<!\bi\.e)(?<!\bvs)(?<!\ba\.m)(?<!\bp\.m)"
    r"(?:[,;:][.,;:!?]|[.!?][,;:]|[!?]\.(?!\.))"
)


@dataclass(frozen=True, slots=True)
class Homophone:
    """A context in which a word is most likely its sound-alike."""

    pattern: re.Pattern[str]
    """Matches the slip in context; group `word` is the wrong word."""
    suggestion: str
    """The right word."""


def _slip(pattern: str, suggestion: str) -> Homophone:
    return Homophone(re.compile(pattern, re.IGNORECASE), suggestion)


HOMOPHONES: tuple[Homophone, ...] = (
    _slip(
        r"\b(?:can(?:no|')t|couldn['’]t|could not|cannot) (?P<word>bare) (?:the|it|to)\b", "bear"
    ),
    _slip(r"\b(?P<word>bare) with me\b", "bear"),
    _slip(
        r"\b(?P<word>you['’]re) (?:purpose|name|eyes|hair|face|hands?|mom|mother|dad|father|"
        r"family|friends?|room|house|phone|heart|body|lips|own|life|fault|turn)\b",
        "your",
    ),
    _slip(r"\b(?P<word>your) (?:welcome|going|not|being|so|too|right|wrong|kidding)\b", "you're"),
    _slip(r"\b(?:could|should|would|must|might) (?P<word>of)\b(?! course)", "have"),
    _slip(r"\b(?P<word>their) (?:is|was|are|were)\b", "there"),
    _slip(r"\b(?:more|better|rather|less|other|worse) (?P<word>then)\b", "than"),
    _slip(r"\b(?:couldn['’]t|can['’]t|to) (?P<word>breath)\b", "breathe"),
    _slip(r"\b(?:to|will|don['’]t|didn['’]t|not) (?P<word>loose)\b", "lose"),
    _slip(r"\b(?P<word>peaked) (?:my|his|her|their|your) (?:interest|curiosity)\b", "piqued"),
    _slip(r"\bsneak (?P<word>peak)\b", "peek"),
    _slip(r"\b(?P<word>waist) of time\b", "waste"),
)

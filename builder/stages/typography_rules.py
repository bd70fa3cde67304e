"""The typography rules as data, applied in order by `builder.typography`.

Modelled on Standard Ebooks' typogrify: each rule is one regular expression and its
replacement. Patterns and replacements may name the language's quote marks with keys that
`builder.typography` fills in per language:

- in patterns, `{OPEN}` / `{CLOSE}`: the language's opening / closing quote characters
  (for use inside a character class);
- in replacements, `{O2}` `{C2}` (double), `{O1}` `{C1}` (single) and `{AP}` (apostrophe).

Every match is only ever replaced inside the text being typeset: context on either side and
protected spans (URLs, code) can be looked at by lookarounds but are never rewritten.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

APOSTROPHE = "’"
WORD_JOINER = "\u2060"
NBSP = "\u00a0"
NARROW_NBSP = "\u202f"
EM_DASH = "—"
EN_DASH = "–"
ELLIPSIS = "…"
HAIR_SPACE = "\u200a"
PRIME = "′"
DOUBLE_PRIME = "″"


@dataclass(frozen=True, slots=True)
class Marks:
    """The quotation marks of one language."""

    open_double: str
    close_double: str
    open_single: str
    close_single: str
    spaced_dash: str | None = None
    """The dash set between spaces for a break in thought (German `–`, Russian `—`), a
    no-break space before it; None: an em dash without spaces (English)."""
    dialogue_dash: str | None = None
    """What opens a paragraph of dialogue typed with a dash (Spanish `—` against the word,
    Russian `— ` with a no-break space); None: a dash there is left as other rules make it."""

    @property
    def openers(self) -> str:
        """The opening quote characters, without the spacing French puts inside them."""
        return (self.open_double + self.open_single).replace(NARROW_NBSP, "")

    @property
    def closers(self) -> str:
        """The closing quote characters, without the spacing French puts inside them."""
        return (self.close_double + self.close_single).replace(NARROW_NBSP, "")


MARKS: dict[str, Marks] = {
    "en": Marks("“", "”", "‘", "’"),
    # Duden: „…“ with ‚…‘ inside; the Gedankenstrich is a spaced en dash.
    "de": Marks("„", "“", "‚", "‘", spaced_dash=EN_DASH),
    # French nests English-style double quotes inside guillemets (Imprimerie nationale).
    "fr": Marks("«" + NARROW_NBSP, NARROW_NBSP + "»", "“", "”"),
    # RAE (Ortografía 2010): «angulares» first, “inglesas” inside; dialogue opens with a raya
    # against the first word (`—Hola —dijo—.`), and ¿ ¡ are the author's.
    "es": Marks("«", "»", "“", "”", dialogue_dash=EM_DASH),
    # Polish: „…” with «…» inside; półpauza (en dash) spaced, also opening dialogue.
    "pl": Marks("„", "”", "«", "»", spaced_dash=EN_DASH, dialogue_dash=EN_DASH + NBSP),
    # Russian: «ёлочки» with „лапки“ inside; a spaced em dash, also opening dialogue.
    "ru": Marks("«", "»", "„", "“", spaced_dash=EM_DASH, dialogue_dash=EM_DASH + NBSP),
}
"""Quote marks by primary language subtag; other languages use English marks."""

Replacement = str | Callable[[re.Match[str], Marks], str]


@dataclass(frozen=True, slots=True)
class Rule:
    """One typographic substitution."""

    name: str
    """Stable identifier, used by the fixture table."""
    pattern: str
    """The regular expression, possibly with `{OPEN}` / `{CLOSE}` keys."""
    replacement: Replacement
    """A `re` template (with `{O2}`-style keys) or a function of the match and marks."""
    doc: str
    """Why the rule exists."""
    languages: frozenset[str] | None = None
    """Primary language subtags the rule applies to; None for all."""
    flags: int = 0
    """Extra `re` flags."""


def _en_dash_range(match: re.Match[str], _marks: Marks) -> str:
    first, second = match.group(1), match.group(2)
    # Leading zeros, falling pairs and 3-4 digit pairs look like dates, scores, codes
    # or phone numbers rather than ranges: leave those hyphens alone.
    looks_like_range = (
        not first.startswith("0")
        and not second.startswith("0")
        and int(first) < int(second)
        and len(second) - len(first) in (0, 1)
        and (len(first), len(second)) != (3, 4)
    )
    return f"{first}{EN_DASH}{second}" if looks_like_range else match.group(0)


def _close_single(match: re.Match[str], marks: Marks) -> str:
    # Where the closing single quote is not the apostrophe (German ‘, French ”), a final
    # `'` closes a quotation only if one is open; otherwise it is a possessive (`Hans'`).
    # One is open when the nearest earlier opening mark is not followed by a closing one
    # or by another `'` (which this rule, still running, will have used to close it).
    if marks.close_single != APOSTROPHE:
        text, start = match.string, match.start()
        last_open = text.rfind(marks.open_single, 0, start)
        if last_open > max(text.rfind(marks.close_single, 0, start), text.rfind("'", 0, start)):
            return marks.close_single
    return APOSTROPHE


def _spaced_dash(_match: re.Match[str], marks: Marks) -> str:
    return f"{NBSP}{marks.spaced_dash} "


def _dialogue_dash(_match: re.Match[str], marks: Marks) -> str:
    return marks.dialogue_dash or ""


def _languages(keep: Callable[[Marks], bool]) -> frozenset[str]:
    """The languages whose marks pass `keep` (a language not in MARKS is set as English)."""
    return frozenset(name for name, marks in MARKS.items() if keep(marks))


def _strip_spaces(match: re.Match[str], _marks: Marks) -> str:
    # A lone word joiner before a dash is already right: keep it (and idempotence).
    return match.group(0) if match.group(0) == WORD_JOINER else ""


HONORIFICS = ("Mr", "Mrs", "Ms", "Dr", "St", "Prof")
"""Titles kept on one line with the name after them."""

# Characters after which a quote opens, besides whitespace and the paragraph start.
_OPENING_CONTEXT = r"\s(\[{<\-–—{OPEN}"
# What may not follow an opening quote (punctuation that only ever follows a closing one).
_NOT_AFTER_OPENING = r"(?![\s,.;:!?)\]}]|\Z)"
_ELISIONS = r"(?i:tis|twas|twere|til|em|cause|cos|bout|nuff|cept|kay|n)\b"

RULES: tuple[Rule, ...] = (
    Rule(
        "primes",
        r"(\d(?<![\w.,']\d)\d{0,2})'([ ]?)(\d{1,2}(?:\.\d+)?)\"",
        r"\1" + PRIME + r"\2\3" + DOUBLE_PRIME,
        "Feet and inches, minutes and seconds (`5'6\"`, `3'20\"`) take primes, not quotes "
        "(Standard Ebooks). A lone `6'` may be a closing quote and stays for the quote rules.",
    ),
    Rule(
        "dialogue_dash",
        r"\A(?:-{1,3}|–|—)[ \t" + NBSP + r"]*(?=\S)",
        _dialogue_dash,
        "A paragraph of dialogue opened with a dash takes the language's dialogue dash "
        "(Spanish `—Hola`, Russian `— Привет`, Polish `– Cześć`).",
        languages=_languages(lambda marks: marks.dialogue_dash is not None),
    ),
    Rule(
        "spaced_dash",
        r"(?<=\S)[ \t]+(?:-{1,3}|–|—)[ \t]+(?=\S)",
        _spaced_dash,
        "German and Polish set a break in thought as a spaced en dash, Russian as a spaced em "
        "dash, with a no-break space before it so that it never starts a line.",
        languages=_languages(lambda marks: marks.spaced_dash is not None),
    ),
    Rule(
        "ellipsis_spaced",
        r"\.[ ]\.[ ]\.",
        ELLIPSIS,
        "Spaced dots `. . .` are one ellipsis character.",
    ),
    Rule(
        "ellipsis",
        r"\.\.\.",
        ELLIPSIS,
        "Three dots are one ellipsis; a fourth stays as the sentence's period (`….`).",
    ),
    Rule(
        "em_dash_double_hyphen",
        r"-(?<!--)-{1,2}(?!-)",
        EM_DASH,
        "`--` and `---` are em dashes; longer runs are drawn lines and stay.",
    ),
    Rule(
        "em_dash_spaced_hyphen",
        r"-(?<=[ \t]-)(?=[ \t])",
        EM_DASH,
        "A hyphen with spaces on both sides is an em dash typed on a keyboard without one.",
    ),
    Rule(
        "en_dash_range",
        r"(\d(?<![\w\-–./:,]\d)\d{0,3})-(\d{1,4})(?![\w\-–]|[.,/:]\d)",
        _en_dash_range,
        "Two numbers joined by a hyphen are a range: en dash (conservative, see _en_dash_range).",
    ),
    Rule(
        "en_dash_range_joiners",
        r"–(?<=\d–)(?=\d)",
        WORD_JOINER + EN_DASH + WORD_JOINER,
        "A range's en dash is held to its numbers by word joiners (`1990⁠–⁠2000`), as "
        "Standard Ebooks does: a line never breaks inside a range.",
    ),
    Rule(
        "em_dash_cutoff",
        r"-(?<=[^\W_]-|[ \t]-)(?=[" + NARROW_NBSP + NBSP + r"]?[\"'{CLOSE}](?![^\W_])|\Z)",
        EM_DASH,
        "A hyphen ending a quotation or the paragraph marks words cut off: em dash. "
        "Stutters (`S-stop`) are followed by a letter and stay hyphens.",
    ),
    Rule(
        "es_raya",
        r"(?<=\s)-(?=[^\W\d_])|(?<=[^\W\d_])-(?=[.,;:!?…])",
        EM_DASH,
        "Spanish opens a narrator's aside in dialogue with a raya after a space (` —dijo`) "
        "and closes it against the word before punctuation (`él—.`) (RAE).",
        languages=frozenset({"es"}),
    ),
    Rule(
        "em_dash_unspaced",
        # Stray word joiners among the spaces go too (the next rule puts one back), and
        # the lookbehind keeps long runs of spaces from being rescanned at every position.
        r"(?<![ \t\r\n" + WORD_JOINER + r"])[ \t\r\n" + WORD_JOINER + r"]++(?=—)"
        r"|(?<=—)[ \t\r\n]++",
        _strip_spaces,
        "Standard Ebooks sets em dashes without spaces around them (not Russian, whose em "
        "dash is spaced, nor Spanish, whose raya opens an aside after a space).",
        languages=_languages(lambda marks: marks.spaced_dash != EM_DASH) - {"es"},
    ),
    Rule(
        "word_joiner",
        r"—(?<=[^\s" + WORD_JOINER + r"]—)",
        WORD_JOINER + EM_DASH,
        "A word joiner keeps an em dash from starting a line (not at the paragraph start, nor "
        "after a space: Russian's spaced em dash, a Spanish raya opening an aside).",
    ),
    Rule(
        "nbsp_honorific",
        # The title is looked behind at, not matched, so that it may be a reader slot's word
        # (`Mrs` read as `Mr` or `Mx`) while the full stop and space are the author's text.
        # The full stop comes first and the lookbehinds read it again: a pattern that starts
        # with a character is searched for that character, one that starts with a lookbehind
        # is tried at every position of the text (six times slower on prose).
        r"\.(?:"
        + "|".join(rf"(?<=(?<![\w.]){title}\.)" for title in HONORIFICS)
        + r")[ ](?=[^\W\d_])",
        "." + NBSP,
        "A title is never separated from the name that follows it by a line break.",
    ),
    Rule(
        "apostrophe_elision",
        r"'(?<![^\W_]')(?=" + _ELISIONS + ")",
        "{AP}",
        "Known elisions at a word's start (`'til`, `'em`, `rock 'n' roll`) take an "
        "apostrophe, not an opening quote.",
    ),
    Rule(
        "apostrophe_decade",
        r"'(?<![\d']')(?=\d\d(?:s\b|\b))",
        "{AP}",
        "Abbreviated years (`'90s`, `'07`) take an apostrophe, not an opening quote.",
    ),
    Rule(
        "apostrophe_in_word",
        r"'(?<=[^\W_]')(?=[^\W_])",
        "{AP}",
        "A quote between letters is an apostrophe (`don't`, `O'Brien`).",
    ),
    Rule(
        "open_double",
        r"\"(?<![^" + _OPENING_CONTEXT + r"]\")" + _NOT_AFTER_OPENING,
        "{O2}",
        "A double quote after a space, bracket, dash or opening quote (or at the start) and "
        "before a word opens.",
    ),
    Rule(
        "close_double",
        r"\"",
        "{C2}",
        "Every other double quote closes.",
    ),
    Rule(
        "open_single",
        r"'(?<![^" + _OPENING_CONTEXT + r"]')" + _NOT_AFTER_OPENING,
        "{O1}",
        "A single quote where a double one would open opens a nested quotation.",
    ),
    Rule(
        "close_single",
        r"'",
        _close_single,
        "Every other single quote closes a quotation or is an apostrophe (`the girls' room`).",
    ),
    Rule(
        "hair_space_quotes",
        r"(?<=[“‘])[ " + NBSP + r"]*(?=[“‘’])|(?<=[’”])[ " + NBSP + r"]*(?=[’”](?![^\W_]))",
        HAIR_SPACE,
        "Adjacent quotation marks are kept apart by a hair space (`“ ‘`, `’ ”`), as "
        "Standard Ebooks does; not before an apostrophe that starts a word (`” ’em`).",
        languages=frozenset({"en"}),
    ),
    Rule(
        "ellipsis_hair_space",
        r"(?<=[^\s“‘(\[" + WORD_JOINER + r"])[ " + NBSP + r"]?…",
        WORD_JOINER + HAIR_SPACE + WORD_JOINER + ELLIPSIS,
        "Standard Ebooks sets a hair space before an ellipsis, held by word joiners "
        "(`word⁠ ⁠…`); not at the paragraph's start or after an opening quote or bracket.",
        languages=frozenset({"en"}),
    ),
    Rule(
        "ellipsis_space_after",
        r"(?<=[^\s“‘(\[]…)(?=[^\W_])",
        " ",
        "A word after a mid-sentence ellipsis is set after a space (`word⁠ ⁠… word`), as "
        "Standard Ebooks does; not in an ellipsis that opens a quotation (`“…and`).",
        languages=frozenset({"en"}),
    ),
    Rule(
        "fr_guillemet_open_space",
        r"(?<=«)[ " + NBSP + r"]*(?=\S)",
        NARROW_NBSP,
        "French sets a narrow no-break space inside an opening guillemet already typed.",
        languages=frozenset({"fr"}),
    ),
    Rule(
        "fr_guillemet_close_space",
        r"(?<=\S)[ " + NBSP + r"]*(?=»)",
        NARROW_NBSP,
        "French sets a narrow no-break space inside a closing guillemet already typed.",
        languages=frozenset({"fr"}),
    ),
    Rule(
        "fr_punctuation_space",
        r"(?<=[^\s;:!?])[ " + NBSP + r"]?(?=[;:!?](?:[\s;:!?)\]}…»”’]|\Z))",
        NARROW_NBSP,
        "French sets a narrow no-break space before `; : ! ?` (not inside `10:30`).",
        languages=frozenset({"fr"}),
    ),
)
"""The rules, in the order they are applied: dots and dashes first, so that the quote
rules see the final dashes as context. A pattern starts with a character where it can, its
lookbehind reading it again (`-(?<=[ \t]-)`, not `(?<=[ \t])-`): re searches for a first
character, and tries a pattern that starts with a lookbehind at every position."""

TOP_LEVEL_DOMAINS = ("com", "net", "org", "edu", "gov", "io", "co", "uk", "de", "fr", "me", "tv",
                     "info", "app", "dev", "blog", "xyz", "ly", "gg", "ca", "au", "jp")  # fmt: skip
"""The endings that make `name.ending` a domain in running text."""
_DOMAIN_ENDING = "(?:" + "|".join(TOP_LEVEL_DOMAINS) + r")\b"


@dataclass(frozen=True, slots=True)
class Protected:
    """Spans no rule may change."""

    name: str
    """Stable identifier."""
    pattern: str
    """The regular expression of the spans."""
    flags: int
    """Its `re` flags (the cue's too)."""
    cue: str | None = None
    """A quick pattern (it starts with a character) in every text `pattern` finds a span in
    (a URL has `://` or `www.`): a text without it is not searched."""


PROTECTED: tuple[Protected, ...] = (
    Protected(
        # A URL may hold `'` but never ends with one (or with the sentence's punctuation),
        # so quotes typed around it are still curled.
        "url",
        r"(?:(?:https?|ftp)://|\bwww\.)[^\s<>\"“”‘’«»]*[^\s<>\"'“”‘’«».,;:!?)\]}…]",
        re.IGNORECASE,
        cue=r"/(?<=://)|\.(?<=www\.)",
    ),
    Protected(
        "domain",
        r"(?<![\w.@-])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+"
        + _DOMAIN_ENDING
        + r"(?:/[^\s<>\"“”‘’«»]*[^\s<>\"'“”‘’«».,;:!?)\]}…])?",
        re.IGNORECASE,
        cue=r"\." + _DOMAIN_ENDING,
    ),
    Protected(
        # A run of word and path/operator characters holding `_ / = \` is code or a path
        # (`snake_case--x`, `a/b`, `x=1`); trailing `. : -` are the sentence's, not the code's.
        "code",
        r"(?<![\w/=\\.:~#%&+@-])(?=[\w/=\\.:~#%&+@-]*[_/=\\])"
        r"[\w/=\\.:~#%&+@-]*[\w/=\\~#%&+@]",
        0,
    ),
)
"""Spans no rule may change."""

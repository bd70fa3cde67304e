"""Stage 3: find reader placeholders (`Y/N`, `(E/C)`, `[h/c]`) and turn them into slots.

Also what ficpress knows of codes: their syntax, the built-in table merged with a story's
legend, and which code-shaped tokens are ordinary abbreviations. Filling a slot with a
reader's value happens per reader, in `builder.fill`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace

from builder.model import (
    Inline,
    Manuscript,
    Markup,
    Meta,
    Paragraph,
    PlaceholderInfo,
    Slot,
    Text,
    map_paragraphs,
)

BUILT_IN: tuple[PlaceholderInfo, ...] = tuple(
    PlaceholderInfo(code, label, is_name)
    for code, label, is_name in (
        ("Y/N", "your name", True),
        ("F/N", "first name", True),
        ("L/N", "last name", True),
        ("Y/L/N", "last name", True),
        ("M/N", "middle name", True),
        ("N/N", "nickname", True),
        ("E/C", "eye colour", False),
        ("H/C", "hair colour", False),
        ("H/L", "hair length", False),
        ("H/T", "hair type", False),
        ("S/C", "skin colour", False),
        ("S/T", "skin tone", False),
        ("F/C", "favourite colour", False),
        ("F/A", "favourite animal", False),
    )
)

CODE_SYNTAX = re.compile(r"^[A-Za-z]+!?[A-Za-z]*(?:/[A-Za-z]+)+$")
"""What a code may look like where one is declared or given a value (`Y/N`, `B/F/N`, `F!Y/N`)."""
CODE_LIKE = re.compile(r"(?<![\w/])[A-Za-z](?:/[A-Za-z]){1,2}(?![\w/])")
"""Code-like tokens in text: single letters joined by slashes (`Y/N`, `g/n`, `Y/L/N`)."""
UNDECLARED = re.compile(r"[A-Z](?:/[A-Z]){1,2}")
"""The shape of a code found without a legend: 2-3 capitals joined by slashes (`B/F`, `Y/F/N`).
Capitals only: lower case is where ordinary abbreviations live (`w/o`, `b/c`, `s/o`)."""
NOT_PLACEHOLDERS = frozenset(
    {
        # Notes, shorthand and everyday abbreviations.
        *("A/N", "N/A", "W/O", "B/C", "W/E", "S/O", "C/O", "I/O", "A/C", "P/S", "J/K"),
        *("T/W", "C/W", "Y/O", "Q/A", "L/R", "B/W"),
        # AO3's relationship categories and omegaverse. `F/F` is deliberately absent though
        # it is a category too: reader-insert stories use it as a code (lint's WILD_CODES),
        # and a stray one only prints as written unless the reader gives F/F a value.
        *("M/M", "M/F", "F/M", "A/B", "A/B/O"),
    }
)
"""Tokens shaped like codes that are ordinary abbreviations (`A/N` is an author's note): never
found unless a story's legend declares them."""

# A code is a word of its own: no letter, digit or slash touches it, except CJK characters,
# since Chinese, Japanese and Korean set words without spaces (`Y/Nは`, `和Y/N`).
# (CJK has no case: `(?-i:` spares re case-folding 30,000 characters when it compiles.)
_LATIN_WORD = r"(?:(?-i:(?![\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]))[\w/])"
# The case endings of a name that ends in a consonant (Алекс, Jan, Petr), Cyrillic and Latin
# (Serbian writes both): a closed list, so that an honorific (`Y/N-сан`, `Y/N-chan`) stays
# text after the code.
_SLAVIC_ENDINGS = (
    *("а", "я", "у", "ю", "е", "ё", "и", "ы", "і", "ом", "ем", "ём", "ой", "ей", "ою", "ею"),
    *("ам", "ові", "еві", "ови"),
    *("a", "u", "e", "i", "y", "o", "ę", "ą", "ě", "em", "om", "ie", "ou", "owi", "ovi", "oj"),
)
_SLAVIC_ENDING = "-?(?-i:(?:{}))".format("|".join(sorted(_SLAVIC_ENDINGS, key=len, reverse=True)))
ENDINGS: dict[str, str] = {
    # German writes a name's genitive with an `s` and no apostrophe (`Annas Buch`).
    "de": "s",
    **dict.fromkeys(("ru", "uk", "be", "sr", "pl", "cs", "sk", "sl", "hr", "bs"), _SLAVIC_ENDING),
}
"""By primary language subtag: the inflections an author may write right after a code (a
pattern; Slavic case endings with or without a hyphen: `Y/Nа`, `Y/N-а`, `Y/Nowi`)."""
_SIBILANT_END = re.compile(r"(?:[sßxz]|ce)$", re.IGNORECASE)
SLAVIC_VOWELS = "аеёиоуыэюяьйіїєaeiouyąęó"
"""Last letters of a name that declines by changing its ending (Маша -> Машу), which a
written-out ending cannot follow."""

# Text that looks like a URL or a domain path is never searched: `a.com/y/n` stays.
URL = re.compile(r"(?:https?://|www\.)\S+|[\w-]+(?:\.[\w-]+)+/\S*", re.IGNORECASE)
URL_CUE = re.compile(r"\.[\w-]+/|/(?<=://)|\.(?<=www\.)", re.IGNORECASE)
"""Found in every text URL finds an address in (`://`, `www.` or `.name/`), and quickly: it
starts with a character, where URL starts with a run of word characters tried everywhere."""
ARTICLE = re.compile(r"(?:^|(?<=\s)|(?<=[\"“‘(]))(?P<article>[Aa][Nn]?)\s+$")
SENTENCE_END = re.compile(r"(?:^|[.!?…]|[.!?…][\"'”’)\]]+)$")
_AFTER_SENTENCE_END = "\"'”’)]\n"
"""What SENTENCE_END allows after the sentence mark (its `$` also matches before a final line
end)."""
OPENING_PUNCTUATION = "\"'“‘«„([{—–- \u00a0"


def table(meta: Meta) -> dict[str, PlaceholderInfo]:
    """The built-in codes, with the story's own legend added or relabelling them."""
    codes = {info.code: info for info in BUILT_IN}
    for info in meta.legend:
        known = codes.get(info.code)
        codes[info.code] = replace(info, is_name=known.is_name) if known else info
    return codes


def canonical(code: str) -> str:
    """`(y/n)` -> `Y/N`: how a code is written in tables, profiles and messages."""
    return code.strip().strip("()[]{}").upper()


def undeclared(code: str) -> bool:
    """Whether `code`, not in a story's table, is still one: capitals of the placeholder
    shape that are no ordinary abbreviation (`B/F`, `Y/F/N`; not `N/A`, `b/f`)."""
    return bool(UNDECLARED.fullmatch(code)) and code not in NOT_PLACEHOLDERS


def language_key(language: str) -> str:
    """`de-AT` -> `de`: the primary subtag, which ENDINGS is keyed by."""
    return language.strip().lower().replace("_", "-").split("-")[0]


def inflect(value: str, ending: str, language: str) -> str:
    """The reader's `value` with the `ending` the author wrote after the code: German's
    genitive `s` (an apostrophe after a name that ends in an s sound: `Alex’`, `Hans’`, per
    Duden), or a Slavic case ending added as written (without its hyphen: `Алекс` + `-у` ->
    `Алексу`)."""
    if not ending:
        return value
    if language_key(language) == "de":
        return value + ("’" if _SIBILANT_END.search(value) else "s")
    return value + ending.removeprefix("-")


def ending_warnings(
    found: Iterable[Slot], value_of: Callable[[str], str | None], language: str
) -> list[str]:
    """One warning per code whose Slavic case ending cannot follow the reader's value: a
    name ending in a vowel declines by changing that vowel (Маша -> Машу), so the ending the
    author wrote for a consonant (Алекс -> Алексу) reads wrong (Машау)."""
    if language_key(language) == "de":
        return []
    warnings: dict[str, str] = {}
    for slot in found:
        value = value_of(slot.code)
        if not slot.variant or not value or slot.code in warnings:
            continue
        if value[-1:].lower() in SLAVIC_VOWELS:
            warnings[slot.code] = (
                f"line {slot.line}: {slot.written}: the case ending is added to "
                f"{value!r} as written ({inflect(value, slot.variant, language)}), which "
                "suits a name ending in a consonant; one ending in a vowel declines by "
                "changing it (Маша -> Машу)"
            )
    return list(warnings.values())


def pattern(codes: Iterable[str], language: str = "en") -> re.Pattern[str]:
    """A pattern that finds any of `codes`, in any case, and any undeclared code (capitals
    only, see `undeclared`), bare or wrapped in brackets, with an inflection after it where
    the `language` writes one (group `ending`, see ENDINGS)."""
    alternatives = "|".join(re.escape(code) for code in sorted(codes, key=len, reverse=True))
    abbreviations = "|".join(re.escape(code) for code in sorted(NOT_PLACEHOLDERS))
    # The known codes come first so that they keep matching in any case; the undeclared
    # shape is matched case-sensitively, and an abbreviation is refused only as a whole token
    # (`N/A` is not a code, `N/A/B` is).
    shape = rf"(?-i:(?!(?:{abbreviations})(?![\w/])){UNDECLARED.pattern})"
    code = rf"(?:{alternatives}|{shape})" if alternatives else shape
    ending = ENDINGS.get(language_key(language))
    inflection = f"(?P<ending>{ending})?" if ending else ""
    return re.compile(
        rf"(?<!{_LATIN_WORD})(?:\((?P<round>{code})\)|\[(?P<square>{code})\]"
        rf"|\{{(?P<curly>{code})\}}|(?P<bare>{code})){inflection}(?!{_LATIN_WORD})",
        re.IGNORECASE,
    )


def find(manuscript: Manuscript) -> Manuscript:
    """The manuscript with every placeholder in its text turned into a Slot."""
    codes = table(manuscript.meta)
    finder = pattern(codes, manuscript.meta.language)
    reach = slash_reach(codes)

    def code_of(match: re.Match[str]) -> str:
        written = match["round"] or match["square"] or match["curly"] or match["bare"]
        return canonical(written)

    return map_paragraphs(
        manuscript, lambda paragraph: _find_in_paragraph(paragraph, finder, code_of, reach)
    )


def slash_reach(codes: Iterable[str]) -> int:
    """How far after its start a match of `pattern(codes)` has its first slash at most: an
    opening bracket and the longest first part of a code (`Y/L/N`: 1, an undeclared code: 1)."""
    return 1 + max((len(code.split("/")[0]) for code in codes), default=1)


def _matches(finder: re.Pattern[str], text: str, reach: int | None) -> Iterator[re.Match[str]]:
    """`finder.finditer(text)`. With a `reach` (every match has a slash at most that many
    characters after its start, see slash_reach), the pattern is only tried at the few
    positions before each slash: it starts with a lookbehind, so a search would try it at
    every position of the text."""
    if reach is None:
        yield from finder.finditer(text)
        return
    position = 0
    slash = text.find("/")
    while slash != -1:
        # Starts further back would reach this slash only past `reach`; starts before
        # `position` were tried for an earlier slash (or are inside the last match).
        for start in range(max(position, slash - reach), slash + 1):
            match = finder.match(text, start)
            if match:
                yield match
                position = match.end()
                break
        slash = text.find("/", max(position, slash + 1))


def find_aliases(manuscript: Manuscript, aliases: Sequence[str]) -> Manuscript:
    """The manuscript with every reader alias (any text a reader's profile maps to a value,
    `Reader-chan`, `(your name)`) in its remaining text turned into a Slot whose code is the
    alias as the profile writes it. Matched in any case, as whole words where it starts or
    ends with a letter or digit."""
    if not aliases:
        return manuscript
    declared = {alias.casefold(): alias for alias in aliases}
    finder = re.compile(
        "|".join(
            ("(?<!\\w)" if alias[:1].isalnum() else "")
            + re.escape(alias)
            + ("(?!\\w)" if alias[-1:].isalnum() else "")
            for alias in sorted(aliases, key=len, reverse=True)
        ),
        re.IGNORECASE,
    )

    def code_of(match: re.Match[str]) -> str:
        return declared[match.group().casefold()]

    return map_paragraphs(
        manuscript, lambda paragraph: _find_in_paragraph(paragraph, finder, code_of, None)
    )


def alias_info(alias: str) -> PlaceholderInfo:
    """An alias's entry in the code table: printed as typed, like a name."""
    return PlaceholderInfo(alias, f"your alias for {alias!r}", is_name=True)


def _find_in_paragraph(
    paragraph: Paragraph,
    finder: re.Pattern[str],
    code_of: Callable[[re.Match[str]], str],
    reach: int | None,
) -> Paragraph:
    tokens: list[Inline] = []
    for token in paragraph.inlines:
        if isinstance(token, Text):
            tokens.extend(_split_text(token, finder, code_of, reach, tokens[:]))
        else:
            tokens.append(token)
    return Paragraph(tuple(tokens), paragraph.line)


def _text_before(tokens: Sequence[Inline]) -> str:
    """The paragraph's text so far; a slot counts as a word."""
    return "".join(
        token.text if isinstance(token, Text) else "" if isinstance(token, Markup) else "x"
        for token in tokens
    )


def _split_text(
    token: Text,
    finder: re.Pattern[str],
    code_of: Callable[[re.Match[str]], str],
    reach: int | None,
    earlier: Sequence[Inline],
) -> Iterator[Inline]:
    """The token cut at its placeholders; `earlier`: the paragraph's tokens before it."""
    text = token.text
    excluded: list[tuple[int, int]] | None = None
    preceding: str | None = None
    position = 0
    for match in _matches(finder, text, reach):
        if excluded is None:  # web addresses are looked for only where a code was found
            addresses = URL.finditer(text) if URL_CUE.search(text) else ()
            excluded = [found.span() for found in addresses]
            preceding = _text_before(earlier)
        if any(start < match.end() and match.start() < end for start, end in excluded):
            continue
        before = text[position : match.start()]
        article_match = ARTICLE.search(before)
        article = article_match.group("article") if article_match else None
        if article_match:
            before = before[: article_match.start()]
        if before:
            yield Text(before, token.line, token.column + position)
        context = f"{preceding}{text[: match.start()]}"
        yield Slot(
            code=code_of(match),
            written=match.group(),
            line=token.line,
            column=token.column + match.start(),
            sentence_start=article is None and _starts_sentence(context),
            article=article,
            variant=match.groupdict().get("ending") or "",
        )
        position = match.end()
    if position == 0 and text:
        yield token
    elif position < len(text):
        yield Text(text[position:], token.line, token.column + position)


def _starts_sentence(preceding: str) -> bool:
    text = preceding.rstrip(OPENING_PUNCTUATION)
    # A match ends the text: a sentence mark with only closing marks after it, so the search
    # may start at the last other character (searching the whole paragraph so far from its
    # start made this quadratic in a paragraph's codes).
    last = len(text.rstrip(_AFTER_SENTENCE_END)) - 1
    return bool(SENTENCE_END.search(text, max(last, 0)))


def slots(paragraphs: Iterable[Paragraph | None]) -> Iterator[Slot]:
    """Every slot in `paragraphs`, in order."""
    for paragraph in paragraphs:
        if paragraph:
            yield from (token for token in paragraph.inlines if isinstance(token, Slot))


def all_paragraphs(manuscript: Manuscript) -> Iterator[Paragraph | None]:
    """Every piece of text in reading order: title, summary, headings, captions, paragraphs."""
    yield manuscript.meta.title
    yield manuscript.meta.summary
    for chapter in manuscript.chapters:
        yield chapter.title
        for scene in chapter.scenes:
            yield scene.caption
            yield from scene.paragraphs

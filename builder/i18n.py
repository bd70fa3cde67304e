"""The book's own words in the story's language, and the direction it is written in.

Every label ficpress generates in a book ("Contents", "Title page", "Cover: ...", "Scene
break") goes through `labels(language)`, whose messages come from the gettext catalogue
`builder/locales/LANG.po` (sources, read with Babel's `read_po` on first use and kept: nothing
is compiled at install time or downloaded at run time). A language without a catalogue, or a
message a catalogue lacks or marks fuzzy, falls back to the English message itself.
`builder/locales/messages.pot` lists every message; tests/test_i18n.py extracts them from the
code and templates again and checks every catalogue has them all.

Direction comes from the language tag (Arabic, Hebrew, Persian, Urdu and the other languages
written right to left, or any tag whose script subtag is a right-to-left script), unless the
front matter says `direction:` itself.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.lists import format_list
from babel.messages.pofile import read_po

RTL_LANGUAGES = frozenset(
    {"ar", "arc", "ckb", "dv", "fa", "he", "iw", "ks", "nqo", "ps", "sd", "syr", "ug", "ur", "yi"}
)
"""Primary language subtags written right to left by default (with their usual script)."""
RTL_SCRIPTS = frozenset({"arab", "hebr", "thaa", "syrc", "nkoo", "adlm", "rohg", "mand", "samr"})
"""ISO 15924 scripts written right to left: a script subtag decides over the language."""
DIRECTIONS = ("ltr", "rtl")

TRADITIONAL_CHINESE = frozenset({"hant", "tw", "hk", "mo"})
"""Subtags of a Chinese tag that ask for the Traditional catalogue (`zh-Hant`, `zh-TW`)."""


def _subtags(language: str) -> list[str]:
    """A BCP 47 tag's subtags, lower-cased (`pt_BR` and `pt-BR` alike): `['pt', 'br']`."""
    return language.lower().replace("_", "-").split("-")


def direction(language: str) -> str:
    """`rtl` or `ltr` for a BCP 47 tag: `ar`, `fa-IR`, `az-Arab` are right to left."""
    subtags = _subtags(language)
    for subtag in subtags[1:]:
        if len(subtag) == 4 and subtag.isalpha():  # the script subtag
            return "rtl" if subtag in RTL_SCRIPTS else "ltr"
    return "rtl" if subtags[0] in RTL_LANGUAGES else "ltr"


PAGE_NUMBERS = {"ar": "arabic-indic", "fa": "persian", "ur": "persian"}
"""CSS counter styles for a language's page numbers (decimal when not listed)."""
WESTERN_DIGIT_REGIONS = frozenset({"dz", "eh", "ly", "ma", "mr", "tn"})
"""The Maghreb writes Arabic with Western digits."""


def page_numbers(language: str) -> str:
    """The counter style a PDF numbers its pages in: `arabic-indic` (٣) for Arabic, `persian`
    (۳) for Persian and Urdu, `decimal` for every other language and for Maghrebi Arabic."""
    subtags = _subtags(language)
    if WESTERN_DIGIT_REGIONS.intersection(subtags[1:]):
        return "decimal"
    return PAGE_NUMBERS.get(subtags[0], "decimal")


def names(items: Sequence[str], language: str) -> str:
    """Names joined as the language lists them (`A, B und C`, `A、B和C`): CLDR's list
    patterns through Babel; English for a tag Babel does not know."""
    try:
        locale = Locale.parse(language.replace("-", "_"))
    except (ValueError, TypeError, UnknownLocaleError):
        locale = Locale("en")
    return format_list(list(items), locale=locale)


def _locales() -> Traversable:
    try:
        return files("builder") / "locales"
    except ModuleNotFoundError:  # pragma: no cover - run from a checkout without installing
        return Path(__file__).resolve().parent / "locales"


def catalogue_name(language: str) -> str:
    """The catalogue a language tag reads: `pt-BR` -> `pt`, `zh-TW` -> `zh_Hant`."""
    subtags = _subtags(language)
    primary = {"iw": "he", "in": "id"}.get(subtags[0], subtags[0])
    if primary == "zh" and TRADITIONAL_CHINESE.intersection(subtags[1:]):
        return "zh_Hant"
    return primary


def available() -> tuple[str, ...]:
    """The catalogues shipped, by name (`ar`, `de`, ..., `zh_Hant`)."""
    return tuple(
        sorted(
            entry.name.removesuffix(".po")
            for entry in _locales().iterdir()
            if entry.name.endswith(".po")
        )
    )


@dataclass(frozen=True, slots=True)
class Labels:
    """The generated words of one book's language."""

    language: str
    """The catalogue's name (`en` when there is none for the book's language)."""
    messages: Mapping[str, str]
    """English message -> its translation (complete, non-fuzzy entries only)."""

    def gettext(self, message: str, **values: object) -> str:
        """`message` in the book's language (English when not translated), with `%(name)s`
        filled from `values` when given."""
        text = self.messages.get(message) or message
        return text % values if values else text


@functools.cache
def labels(language: str) -> Labels:
    """The labels for a book in `language` (a BCP 47 tag), English when there is no catalogue."""
    name = catalogue_name(language)
    source = _locales() / f"{name}.po"
    if not source.is_file():
        return Labels("en", {})
    with source.open("rb") as file:
        catalog = read_po(file, domain="ficpress")
    messages = {
        str(message.id): str(message.string)
        for message in catalog
        if message.id and message.string and not message.fuzzy
    }
    return Labels(name, messages)

"""Compile once, fill per reader: the one marker mechanism and every substitution into a template.

The render stage writes a marker wherever a value becomes known only per reader: `\\ue000N\\ue001`
for the template's slot N, `\\ue000id\\ue001` for the edition's identifier and
`\\ue000cover\\ue001` for the PDF's cover image. The two private-use characters that delimit a
marker can never be text: the manuscript reader and every reader value refuse them
(`RESERVED`), so a reader who types a marker's name gets that name printed, nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from html import escape

from builder import pronouns
from builder.model import EditionTemplate, FormKey, PlaceholderInfo, Profile, Slot
from builder.stages import placeholders
from builder.stages.typography import typeset

OPEN, CLOSE = "\ue000", "\ue001"
RESERVED = re.compile(f"[{OPEN}{CLOSE}]")
"""The characters no text may hold: they delimit markers."""
MARKER = re.compile(f"{OPEN}(\\w+){CLOSE}")
IDENTIFIER = "id"
"""The marker key of the edition's identifier (it depends on the reader's values)."""
COVER = "cover"
"""The marker key of the PDF's cover image address (the cover shows the filled title)."""

VOWEL_SOUND_EXCEPTIONS = re.compile(r"^(?:uni|use|usu|uk|eu|ewe|one|once|ur[aeiou])", re.I)
SILENT_H = re.compile(r"^(?:hour|honest|honou?r|heir)", re.I)


def marker(key: str | int) -> str:
    """The marker for slot number `key`, or for a named value (IDENTIFIER, COVER)."""
    return f"{OPEN}{key}{CLOSE}"


def split(text: str) -> tuple[str, ...]:
    """`text` cut at its markers: even items are text, odd items are marker keys (what a
    writer compiles once and fills per reader with `Values.markup`)."""
    return tuple(MARKER.split(text))


@dataclass(frozen=True, slots=True)
class Values:
    """One reader's values for a template's slots, ready to be written into its documents."""

    texts: tuple[str, ...]
    """The printed text for each slot, as plain text."""
    escaped: tuple[str, ...]
    """The same, escaped for XML and HTML (text and attribute values alike)."""
    identifier: str
    """The edition's identifier (fills the IDENTIFIER marker)."""

    def markup(self, parts: Sequence[str], named: Mapping[str, str] | None = None) -> str:
        """A document cut by split(), every marker replaced by escaped text; `named` gives
        already escaped values for named markers other than the identifier (the cover)."""
        return _join(parts, self.escaped, {IDENTIFIER: escape(self.identifier), **(named or {})})

    def plain(self, text: str) -> str:
        """A plain-text string with markers (a title, a label), filled with unescaped text."""
        return _join(split(text), self.texts, {IDENTIFIER: self.identifier})


def _join(parts: Sequence[str], slot_texts: Sequence[str], named: Mapping[str, str]) -> str:
    out = list(parts)
    for index in range(1, len(out), 2):
        key = out[index]
        out[index] = named[key] if key in named else slot_texts[int(key)]
    return "".join(out)


def values_for(template: EditionTemplate, profile: Profile, identifier: str) -> Values:
    """The reader's values for every slot of `template`."""
    language = template.manuscript.meta.language
    contexts, of_slot = template.forms.get(CONTEXTS, None, lambda: _contexts(template.slots))
    filled = [_fill(slot, template.codes.get(slot.code), profile, language) for slot in contexts]
    escaped = [escape(text) for text in filled]
    return Values(
        tuple(map(filled.__getitem__, of_slot)),
        tuple(map(escaped.__getitem__, of_slot)),
        identifier,
    )


CONTEXTS: FormKey[tuple[tuple[Slot, ...], tuple[int, ...]]] = FormKey("fill-contexts")
"""A template's slots by what filling them depends on (see `_contexts`)."""


def _contexts(slots: Sequence[Slot]) -> tuple[tuple[Slot, ...], tuple[int, ...]]:
    """One slot of each context (everything but its place that filling a slot reads) and
    each slot's context: a novel has a thousand slots but few contexts, filled once each."""
    numbers: dict[tuple[object, ...], int] = {}
    contexts: list[Slot] = []
    of_slot = []
    for slot in slots:
        key = (
            *(slot.code, slot.written, slot.sentence_start, slot.article),
            *(slot.before, slot.after, slot.variant),
        )
        number = numbers.get(key)
        if number is None:
            number = numbers[key] = len(contexts)
            contexts.append(slot)
        of_slot.append(number)
    return tuple(contexts), tuple(of_slot)


def fill_text(template: EditionTemplate, text: str, profile: Profile) -> str:
    """`text` (a title or summary with markers) filled as the editions fill it, computing only
    its own slots: a novel has a thousand, and catalog pages show every story's title. The
    identifier marker, which has no meaning outside an edition, is left empty."""
    parts = list(split(text))
    language = template.manuscript.meta.language
    for index in range(1, len(parts), 2):
        key = parts[index]
        if key == IDENTIFIER:
            parts[index] = ""
            continue
        slot = template.slots[int(key)]
        parts[index] = _fill(slot, template.codes.get(slot.code), profile, language)
    return "".join(parts)


def _fill(slot: Slot, info: PlaceholderInfo | None, profile: Profile, language: str) -> str:
    """`fill_slot` with the reader's values, and nothing for text meant for other readers (a
    variant block for other pronouns, builder.stages.pronoun_syntax)."""
    printed, own = pronouns.kept(slot.variant, profile.get(pronouns.KEY))
    if not printed:
        return ""
    slot = replace(slot, variant=own) if own != slot.variant else slot
    return fill_slot(slot, info, slot_value(profile, slot), language)


def slot_value(profile: Profile, slot: Slot) -> str | None:
    """The profile's value for `slot`: its code's, or the reader's pronouns for a pronoun slot."""
    if pronouns.is_pronoun_slot(slot.code):
        return profile.get(pronouns.KEY)
    return profile.get(slot.code)


def fill_slot(slot: Slot, info: PlaceholderInfo | None, value: str | None, language: str) -> str:
    """The text printed for `slot`: the reader's value, or the code as written when none. A
    reader-pronoun slot reads in the reader's pronouns (`value`: their set), or as written."""
    if pronouns.is_pronoun_slot(slot.code):
        role = slot.code.removeprefix(pronouns.SLOT_PREFIX)
        text = slot.written
        if value is not None:
            text = pronouns.read(role, slot.written, slot.variant, pronouns.parse(value))
        return typeset(text, before=slot.before, after=slot.after, language=language)
    if value is None:
        return f"{slot.article} {slot.written}" if slot.article else slot.written
    is_name = info.is_name if info else slot.code.endswith("/N")
    if slot.sentence_start and not is_name and value[:1].islower():
        value = value[0].upper() + value[1:]
    value = typeset(value, before=slot.before, after=slot.after, language=language)
    if slot.variant:  # `Y/Ns`, `Y/N-у`: the author's inflection, on the reader's name
        value = placeholders.inflect(value, slot.variant, language)
    if slot.article:
        return f"{agreeing_article(slot.article, value)} {value}"
    return value


def agreeing_article(written: str, value: str) -> str:
    """`a` or `an` for `value`, in the case the author wrote the article in."""
    article = "an" if _vowel_sound(value) else "a"
    if written.isupper() and len(written) > 1:
        return article.upper()
    return article.capitalize() if written[0].isupper() else article


def _vowel_sound(word: str) -> bool:
    if SILENT_H.match(word):
        return True
    if VOWEL_SOUND_EXCEPTIONS.match(word):
        return False
    return word[:1].lower() in "aeiou"

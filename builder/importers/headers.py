"""The header lines a Tumblr post opens with (`Pairing:`, `Warnings:`, `Word count:`,
`A/N:`, `taglist: @...`) -> front matter, so they do not become the story's first scene.

Used by every importer alike (the shared clean-up, `draft.finish`, calls it), so a saved
Tumblr page, a post fetched by its address and a copied text with the same header give the
same manuscript. Only the paragraphs at the very top are read, and only while each line opens
with a known label; the first line that does not ends the header.

What becomes of each label:
- `Pairing`, `Rating`, `Summary`, `Fandom`, `Warnings`, `Characters`, `Tags`: the front
  matter field of that name (a field the source already set is not replaced);
- `A/N`, `Author's note`, `Note`: stays in the story as an `A/N:` paragraph, which the
  manuscript format reads as an author's note (`notes: place|end|omit` decides where it goes);
- `Requested by`, `Request`, `Prompt`: a credits line, as written;
- `Word count`, `taglist`: dropped (ficpress counts the words itself; a taglist is the list of
  blogs the author notified on Tumblr, which means nothing in a book). The report says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

FIELDS = {
    "pairing": "pairing",
    "pairings": "pairing",
    "relationship": "pairing",
    "relationships": "pairing",
    "rating": "rating",
    "summary": "summary",
    "fandom": "fandom",
    "warning": "warnings",
    "warnings": "warnings",
    "tw": "warnings",
    "cw": "warnings",
    "trigger warning": "warnings",
    "trigger warnings": "warnings",
    "content warning": "warnings",
    "content warnings": "warnings",
    "character": "characters",
    "characters": "characters",
    "tags": "tags",
    "a/n": "note",
    "an": "note",
    "author's note": "note",
    "authors note": "note",
    "author’s note": "note",
    "note": "note",
    "requested by": "credit",
    "request": "credit",
    "prompt": "credit",
    "word count": "dropped",
    "words": "dropped",
    "wc": "dropped",
    "taglist": "dropped",
    "tag list": "dropped",
    "tags list": "dropped",
}
LIST_FIELDS = frozenset({"warnings", "characters", "tags"})
NO_VALUE = frozenset({"none", "n/a", "na", "nothing", "no", "-"})
"""`Warnings: none` says there are none: no list item."""
_LABELS = "|".join(sorted((re.escape(label) for label in FIELDS), key=len, reverse=True))
# A label, possibly bold (`**Pairing:**`), then a colon; `Requested by` needs none.
LABEL = re.compile(
    rf"(?i)(?:^|(?<=\s))\**(?P<label>{_LABELS}|requested by)\b\**\s*"
    r"(?::\**\s*|(?<=by)\s+|(?<=by\*\*)\s+)"
)
_SENTENCE_END = re.compile(r"[.!?…](?=\s+[\"“*]?[A-Z])")
_COUNT = re.compile(r"(?i)^~?[\d.,]+\s*k?\+?(?:\s*words?)?")
LONG_LINE = 300
"""A header line longer than this ran into the story (a wall of text): its last value ends
at its first sentence (a count at its number)."""


@dataclass(slots=True)
class Header:
    """What the header lines at the top of a story said."""

    fields: dict[str, Any] = field(default_factory=dict)
    """Front matter fields (`pairing`, `warnings` as a list, `credits` lines...)."""
    notes: list[str] = field(default_factory=list)
    """The author's notes' texts (`A/N: ...` without its label)."""
    dropped: list[str] = field(default_factory=list)
    """The lines left out (`word count: 1.2k`, `taglist: @a @b`)."""
    consumed: int = 0
    """How many of the paragraphs read were header lines through and through."""
    rest: str | None = None
    """What is left of the next paragraph when it began with header lines, if anything."""


def read_header(paragraphs: list[str]) -> Header:
    """The header that the first of `paragraphs` (a story's opening, in manuscript text)
    hold; nothing when the first line opens with no label."""
    header = Header()
    for paragraph in paragraphs:
        lines = paragraph.split("\n")
        taken = 0
        rest = ""
        for line in lines:
            pairs, rest = _header_line(line)
            if not pairs:
                break
            for label, value in pairs:
                _apply(header, label, value)
            taken += 1
            if rest:
                break
        if taken == 0:
            break
        remaining = ([rest] if rest else []) + lines[taken:]
        if remaining:
            header.rest = "\n".join(remaining)
            break
        header.consumed += 1
    return header


def _header_line(line: str) -> tuple[list[tuple[str, str]], str]:
    """The (label, value) pairs a line holds, and the story text it ran into (in a wall);
    no pairs when the line does not open with a label."""
    matches = list(LABEL.finditer(line))
    if not matches or matches[0].start() != 0 or line.lstrip().startswith('"'):
        return [], ""
    pairs = []
    rest = ""
    for match, following in zip(matches, [*matches[1:], None], strict=True):
        end = following.start() if following else len(line)
        value = line[match.end() : end].strip()
        if following is None and len(line) > LONG_LINE:
            value, rest = _split_run_on(match.group("label").lower(), value)
        pairs.append((match.group("label").lower(), value))
    return pairs, rest


def _split_run_on(label: str, value: str) -> tuple[str, str]:
    """The last value of a header that ran into the story, and the story."""
    if FIELDS.get(label) == "dropped" and label not in ("taglist", "tag list", "tags list"):
        count = _COUNT.match(value)
        end = count.end() if count else 0
    else:
        sentence = _SENTENCE_END.search(value)
        end = sentence.end() if sentence and sentence.end() < LONG_LINE else 0
    if label in ("taglist", "tag list", "tags list"):
        handles = re.match(r"(?:[@\w.,-]+\s*)+?(?=\s[A-Z\"“])", value)
        end = handles.end() if handles else 0
    return value[:end].strip(), value[end:].strip()


def _apply(header: Header, label: str, value: str) -> None:
    field = FIELDS.get(label, "credit")
    value = value.strip().strip("*").strip()
    shown = label if label != "a/n" else "A/N"
    if field == "dropped":
        header.dropped.append(f"{shown}: {value}" if value else shown)
    elif field == "note":
        if value:  # stays in the story, marked as the author's note
            header.notes.append(value)
    elif field == "credit":
        if value:
            credit = f"{label.capitalize()}: {value}".replace("by:", "by")
            header.fields.setdefault("credits", []).append(credit)
    elif field in LIST_FIELDS:
        items = [item.strip() for item in re.split(r"[,;]", value) if item.strip()]
        items = [item for item in items if item.lower() not in NO_VALUE]
        if items:
            header.fields.setdefault(field, items)
    elif value:
        header.fields.setdefault(field, value)

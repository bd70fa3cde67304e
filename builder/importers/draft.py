"""What every importer produces (a `Draft`: blocks and metadata), the clean-up all sources
share, and the manuscript text written from it.

The clean-up only moves text: a site footer into the front matter, a scene break written
inside a line onto its own line, a wall of text into paragraphs. Words are never changed.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

import yaml

from builder.characters import FORBIDDEN, describe
from builder.importers.headers import read_header
from builder.importers.paragraphs import inline_breaks, lost_breaks, restore
from builder.stages.notes import is_note
from builder.stages.placeholders import (
    BUILT_IN,
    CODE_LIKE,
    NOT_PLACEHOLDERS,
    URL,
    canonical,
    undeclared,
)
from builder.stages.reader_person import guess
from builder.stages.scenes import CHAPTER_HEADING, scene_break

TITLE_WORDS = 8
"""A title made from the story's first words takes at most this many."""
# A trailing credits line as Tumblr copies leave it: `Notes: a.tumblr.com b.tumblr.com`.
FOOTER = re.compile(
    r"(?:^|\s)(?P<label>Notes?|Credits?|Sources?|Reblogged from|Via|Originally posted by)"
    r"\s*:\s*(?P<names>\S+(?:\s+\S+)*)\s*$",
    re.IGNORECASE,
)
BLOG_NAME = re.compile(r"^(?:https?://)?[\w-]+(?:\.[\w-]+)+(?:/\S*)?$|^@?[\w-]+\.tumblr$")
INTRAWORD_STAR = re.compile(r"(?<=\w)(?<!\\)\*(?=\w)")


@dataclass(slots=True)
class Block:
    """One unit of the story, in manuscript markup."""

    kind: Literal["paragraph", "break", "heading"]
    text: str
    """A paragraph's text (`*em*`, escaped stars), a break line, or a chapter title."""


@dataclass(slots=True)
class Draft:
    """A story being imported: its blocks, front matter fields and what was done to it."""

    blocks: list[Block] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    """Front matter fields found in the source (title, author, source, summary, credits...)."""
    notes: list[str] = field(default_factory=list)
    """Report lines: what the importer did."""
    kind: str = "text"
    """What the source was, for the report (`plain text`, `AO3 work`...)."""


def finish(draft: Draft, fallback_title: str | None) -> Draft:
    """The clean-up every source gets: header lines and footer to front matter, inline breaks
    onto their own lines, walls of text cut into paragraphs, placeholders declared, a title."""
    _drop_forbidden(draft)
    _move_header(draft)
    _move_footer(draft)
    _split_inline_breaks(draft)
    _restore_paragraphs(draft)
    _declare_placeholders(draft)
    _declare_reader(draft)
    if not draft.meta.get("title"):
        draft.meta["title"] = fallback_title or first_words(draft)
        draft.notes.append(f"title: {draft.meta['title']!r} (from the text; --title to change)")
    return draft


def render(draft: Draft) -> str:
    """The manuscript: YAML front matter (PyYAML quotes what needs quoting), then the body."""
    order = ["title", "author", "series", "series_index", "source", "date", "status", "language"]
    order += ["fandom", "pairing"]
    order += ["characters", "rating", "warnings", "tags", "summary", "credits", "placeholders"]
    order += ["reader", "chapter_ids"]  # reader: how the story writes the reader (pronouns)
    fields = {name: draft.meta[name] for name in order if draft.meta.get(name)}
    front = yaml.safe_dump(fields, sort_keys=False, allow_unicode=True, width=100)
    return f"---\n{front}---\n\n" + render_blocks(draft.blocks) + "\n"


def render_blocks(blocks: list[Block]) -> str:
    """Blocks as manuscript text, separated by blank lines (a heading as `# Title`)."""
    return "\n\n".join(f"# {b.text}" if b.kind == "heading" else b.text for b in blocks)


def chapters(blocks: list[Block]) -> list[list[Block]]:
    """The blocks cut into chapters, each starting at its heading (text before the first
    heading is a chapter of its own)."""
    found: list[list[Block]] = []
    for block in blocks:
        if block.kind == "heading" or not found:
            found.append([])
        found[-1].append(block)
    return found


def chapter_id(chapter: list[Block]) -> str:
    """A chapter's fingerprint: its text as imported, heading and author's notes aside (so a
    title added or changed later, or a note, does not count as a change of the text)."""
    text = "\n\n".join(
        block.text for block in chapter if block.kind != "heading" and not is_note(block.text)
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def _drop_forbidden(draft: Draft) -> None:
    """Characters no book can hold (a `&#1;` in a page's title, a C1 control from a bad
    conversion, U+FFFE) are dropped, and the report says which and how many."""
    dropped: Counter[str] = Counter()

    def clean(value: Any) -> Any:
        if isinstance(value, str):
            dropped.update(FORBIDDEN.findall(value))
            return FORBIDDEN.sub("", value)
        if isinstance(value, list):
            return [clean(item) for item in value]
        if isinstance(value, dict):
            return {clean(key): clean(item) for key, item in value.items()}
        return value

    draft.meta = clean(draft.meta)
    for block in draft.blocks:
        block.text = clean(block.text)
    draft.blocks = [block for block in draft.blocks if block.text.strip()]
    if dropped:
        listed = ", ".join(f"{describe(c)} {n}x" for c, n in sorted(dropped.items()))
        draft.notes.append(f"dropped characters no e-book can hold: {listed}")


def escape_stars(text: str) -> str:
    """Every star made literal (`\\*`): for text whose emphasis came from markup."""
    return text.replace("*", "\\*")


def escape_intraword_stars(text: str) -> str:
    """Stars inside a word (`f*ck`, `5*3`) made literal; `*sigh*` stays emphasis."""
    return INTRAWORD_STAR.sub("\\*", text)


def is_break(text: str) -> bool:
    """Whether a line would read as a scene break (and not as a chapter heading)."""
    return not CHAPTER_HEADING.match(text.strip()) and scene_break(text) is not None


def first_words(draft: Draft) -> str:
    """The story's first sentence, or its first few words: a title when none is given."""
    paragraphs = (b.text for b in draft.blocks if b.kind == "paragraph" and not is_note(b.text))
    text = next(paragraphs, "Untitled")
    # Markup and quotation marks are no part of a title; apostrophes inside words are.
    text = re.sub(r"\\?\*|[\"“”]|(?<!\w)['‘’]|['‘’](?!\w)", "", text).strip()
    sentence = re.split(r"(?<=[.!?…])\s", text, maxsplit=1)[0].rstrip('.!?…"”')
    words = sentence.split()
    title = " ".join(words[:TITLE_WORDS])
    return title + ("…" if len(words) > TITLE_WORDS else "") or "Untitled"


def _move_header(draft: Draft) -> None:
    """Tumblr header lines at the top (`Pairing:`, `A/N:`...) into the front matter; an
    author's note stays in the story as an `A/N:` paragraph (`importers/headers.py`)."""
    leading = []
    for block in draft.blocks:
        if block.kind != "paragraph":
            break
        leading.append(block.text)
    header = read_header(leading)
    if not (header.consumed or header.rest is not None):
        return
    del draft.blocks[: header.consumed]
    if header.rest is not None:
        draft.blocks[0].text = header.rest
    draft.blocks[0:0] = [Block("paragraph", f"A/N: {note}") for note in header.notes]
    moved = []
    for name, value in header.fields.items():
        if name == "credits":
            draft.meta.setdefault("credits", []).extend(value)
        elif draft.meta.get(name):
            continue  # the source's own field stays
        else:
            draft.meta[name] = value
        moved.append(name)
    if moved:
        draft.notes.append(f"header lines moved to the front matter: {', '.join(moved)}")
    if header.dropped:
        draft.notes.append(f"header lines dropped: {', '.join(header.dropped)}")


def _move_footer(draft: Draft) -> None:
    paragraphs = [b for b in draft.blocks if b.kind == "paragraph"]
    if not paragraphs:
        return
    last = paragraphs[-1]
    match = FOOTER.search(last.text)
    if not match:
        return
    names = match.group("names").split()
    if not all(BLOG_NAME.match(name.rstrip(",")) for name in names):
        return  # `Notes: she had none.` is the story's own sentence
    names = [name.rstrip(",") for name in names]
    last.text = last.text[: match.start()].rstrip()
    if not last.text:
        draft.blocks.remove(last)
    credits = draft.meta.setdefault("credits", [])
    credits.extend(name for name in names if name not in credits)
    draft.meta.setdefault("source", names[0])
    blog = re.match(r"^(?:https?://)?([\w-]+)\.tumblr\.com", names[0])
    if blog:
        draft.meta.setdefault("author", blog.group(1))
    draft.notes.append(
        f"moved the footer '{match.group('label')}: ...' to credits: {', '.join(names)}"
    )


def _split_inline_breaks(draft: Draft) -> None:
    blocks: list[Block] = []
    found = []
    for block in draft.blocks:
        if block.kind != "paragraph":
            blocks.append(block)
            continue
        text = block.text
        position = 0
        for inline in inline_breaks(text):
            blocks.append(Block("paragraph", text[position : inline.start].strip()))
            blocks.append(Block("break", inline.line))
            found.append(inline.line)
            position = inline.end
        blocks.append(Block("paragraph", text[position:].strip()))
    draft.blocks = [block for block in blocks if block.text]
    if found:
        where = ", ".join(f"'{line}'" for line in found)
        draft.notes.append(f"scene breaks inside paragraphs put on their own lines: {where}")


def _restore_paragraphs(draft: Draft) -> None:
    blocks: list[Block] = []
    walls = made = 0
    for block in draft.blocks:
        if block.kind == "paragraph" and "\n" not in block.text and lost_breaks(block.text):
            opens_scene = not blocks or blocks[-1].kind != "paragraph"
            pieces = restore(block.text, opens_scene=opens_scene)
            walls += 1
            made += len(pieces) - 1
            blocks.extend(Block("paragraph", piece) for piece in pieces)
        else:
            blocks.append(block)
    draft.blocks = blocks
    if walls:
        draft.notes.append(
            f"restored {made} paragraph breaks in {walls} paragraph(s) that had lost them"
            " (at speaker turns and around quotations)"
        )


def _declare_placeholders(draft: Draft) -> None:
    text = "\n".join(block.text for block in draft.blocks)
    text += "\n" + str(draft.meta.get("summary") or "") + "\n" + str(draft.meta.get("title") or "")
    text = URL.sub(" ", text)
    built_in = {info.code: info.label for info in BUILT_IN}
    legend: dict[str, str] = dict(draft.meta.get("placeholders") or {})
    unlabelled: list[str] = []  # in capitals: filled when the reader gives a value
    unfilled: dict[str, str] = {}  # in another case: never found, so printed as written
    for match in CODE_LIKE.finditer(text):
        code = canonical(match.group())
        if code in built_in and code not in legend:
            legend[code] = built_in[code]
        elif code in {*built_in, *NOT_PLACEHOLDERS, *legend}:
            continue
        elif undeclared(match.group()):
            if code not in unlabelled:
                unlabelled.append(code)
        else:
            unfilled.setdefault(code, match.group())
    if legend:
        draft.meta["placeholders"] = legend
        draft.notes.append(f"placeholders: {', '.join(legend)}")
    if unlabelled:
        draft.notes.append(
            f"not in the legend: {', '.join(unlabelled)}; filled when the reader gives a value, "
            "but add them under 'placeholders:' with a label so that readers know what to give"
        )
    if unfilled:
        draft.notes.append(
            f"never filled (ficpress leaves them as written): {', '.join(unfilled.values())}; "
            "outside the legend only codes in capitals are found: write them in capitals or "
            "add them under 'placeholders:'"
        )


def _declare_reader(draft: Draft) -> None:
    """`reader: {pronouns: ...}` when the text clearly writes the reader as you, she or he
    (builder.stages.reader_person); nothing when it is unclear."""
    if draft.meta.get("reader"):
        return
    found = guess(block.text for block in draft.blocks if block.kind == "paragraph")
    if found.person is not None:
        draft.meta["reader"] = {"pronouns": found.person}
        draft.notes.append(
            f"reader: {found.person} ({found.evidence()}); readers can pick their own pronouns"
        )

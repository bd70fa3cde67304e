"""Variants: text the author wrote for one kind of reader (builder.stages.pronoun_syntax runs
them first). A paragraph that starts `F!:`, `M!:`, `NB!:` (or the wild `F!Reader:`, `GN!Reader:`,
or holds `F!Y/N`), the paragraphs between a line `[F!]` and a line `[/F!]`, or a span
`[F!]...[/F!]` inside a paragraph. Variants next to each other are alternatives and each reader
gets one (`GROUP_RULE`); their text becomes `PRONOUN:only` slots, their codes keep filling,
and both print only for the readers named in the slot's variant (builder.pronouns.kept).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import replace

from builder.errors import ManuscriptError
from builder.model import Inline, Manuscript, Paragraph, Slot, Text
from builder.pronouns import SLOT_PREFIX, only
from builder.stages.pronouns import Decision

TAGS = {"F": "she", "M": "he", "NB": "they", "GN": "they"}
"""A variant's tag -> the readers it is for (a custom set reads the `they` variants)."""
_TAG = r"(?P<tag>F|M|NB|GN)!"
PARAGRAPH_TAG = re.compile(rf"^\s*{_TAG}(?:[Rr]eader)?\s*:\s*")
"""`F!: ...`, `M!Reader: ...` at the start of a paragraph."""
NAME_TAG = re.compile(rf"(?<![\w!]){_TAG}$")
"""`F!` written right before a reader code (`F!Y/N`): the paragraph is a variant."""
SPAN = re.compile(rf"\[(?P<close>/)?{_TAG}\]")
"""`[F!]` opens a variant, `[/F!]` closes it: a whole line opens a block of paragraphs."""
KINDS = ("she", "he", "they", "none")
GROUP_RULE = (
    "the reader's own variant (no pronouns chosen: the story's declared reader's), "
    "else NB!, else the story's declared reader's, else the first"
)


def paragraphs(
    book: Manuscript,
    paragraphs: Sequence[Paragraph],
    declared: str | None,
    decisions: list[Decision],
) -> tuple[Paragraph, ...]:
    """A scene's paragraphs, each variant paragraph's text made slots for its readers."""
    tagged: list[tuple[str | None, Paragraph]] = []
    written: dict[int, Paragraph] = {}  # a variant paragraph -> as written (for its position)
    block: tuple[str, Paragraph] | None = None
    for paragraph in paragraphs:
        line = _block_line(paragraph)
        if line is not None:
            closing, marker = line
            if not closing and block is None:
                block = (marker, paragraph)
            elif closing and block is not None and TAGS[block[0]] == TAGS[marker]:
                block = None
            else:
                raise _error(book, paragraph, f"'{_marker(line)}' here: " + _expected(block))
            continue
        original = paragraph
        tag: str | None
        tag, paragraph = _paragraph_tag(paragraph)
        written[id(paragraph)] = original
        if block is not None:
            if tag is not None:
                raise _error(book, paragraph, f"a {tag}! paragraph inside a [{block[0]}!] block")
            tag = block[0]
        tagged.append((tag, paragraph))
    if block is not None:
        raise _error(book, block[1], f"'[{block[0]}!]' is never closed with '[/{block[0]}!]'")
    out: list[Paragraph] = []
    for group in _groups(tagged):
        tags = [each for each, _ in group]
        for each, paragraph in group:
            if each is None:
                out.append(paragraph)
                continue
            kinds = _kinds(each, tags, declared)
            decisions.append(_variant_decision(written[id(paragraph)], each, kinds))
            out.append(replace(paragraph, inlines=tuple(_only(paragraph.inlines, kinds))))
    return tuple(out)


def _groups(
    tagged: Sequence[tuple[str | None, Paragraph]],
) -> Iterator[list[tuple[str | None, Paragraph]]]:
    """Runs of variant paragraphs (alternatives to each other), and each other paragraph."""
    run: list[tuple[str | None, Paragraph]] = []
    for tag, paragraph in tagged:
        if tag is None:
            if run:
                yield run
                run = []
            yield [(tag, paragraph)]
        else:
            run.append((tag, paragraph))
    if run:
        yield run


def _kinds(tag: str, tags: Sequence[str | None], declared: str | None) -> tuple[str, ...]:
    """Which readers get the variant `tag` of a group of `tags` (GROUP_RULE); a variant with
    no alternative is extra text for its own readers only (and for a reader who chose no
    pronouns, unless the story declares other ones)."""
    present = [TAGS[t] for t in tags if t is not None]
    if len(set(present)) == 1:
        return (present[0], "none") if declared in (None, present[0]) else (present[0],)
    kinds = []
    for kind in KINDS:
        own = kind if kind != "none" else declared
        for pick in (own, "they", declared, present[0]):
            if pick in present:
                break
        if pick == TAGS[tag]:
            kinds.append(kind)
    return tuple(kinds)


def _only(inlines: Sequence[Inline], kinds: Sequence[str]) -> Iterator[Inline]:
    """The tokens of a variant: text as slots printed only for `kinds`, codes kept only for
    them too; emphasis marks stay (empty emphasis prints nothing)."""
    variant = only(kinds)
    for token in inlines:
        if isinstance(token, Text):
            if token.text:
                yield Slot(
                    SLOT_PREFIX + "only", token.text, token.line, token.column, variant=variant
                )
        elif isinstance(token, Slot):  # its own variant (a name's inflection) kept after
            yield replace(token, variant=variant + token.variant)
        else:
            yield token


def spans(
    book: Manuscript, paragraph: Paragraph, declared: str | None, decisions: list[Decision]
) -> Paragraph:
    """A paragraph with its `[F!]...[/F!]` spans made variants."""
    if not any(isinstance(t, Text) and SPAN.search(t.text) for t in paragraph.inlines):
        return paragraph
    pieces: list[tuple[str | None, Inline]] = []  # (tag, token): tag None outside spans
    opened: tuple[str, Text] | None = None
    for token in paragraph.inlines:
        if not isinstance(token, Text):
            pieces.append((opened[0] if opened else None, token))
            continue
        position = 0
        for match in SPAN.finditer(token.text):
            if match.start() > position:
                piece = Text(
                    token.text[position : match.start()], token.line, token.column + position
                )
                pieces.append((opened[0] if opened else None, piece))
            if match["close"] is None and opened is None:
                opened = (
                    match["tag"],
                    Text(match.group(), token.line, token.column + match.start()),
                )
            elif match["close"] and opened is not None and TAGS[opened[0]] == TAGS[match["tag"]]:
                opened = None
                pieces.append(("|", Text("", token.line, token.column)))  # a span ends here
            else:
                where = Text(token.text, token.line, token.column + match.start())
                raise _error(
                    book, paragraph, f"'{match.group()}' here: " + _expected(opened), where
                )
            position = match.end()
        if position < len(token.text):
            rest = Text(token.text[position:], token.line, token.column + position)
            pieces.append((opened[0] if opened else None, rest))
    if opened is not None:
        raise _error(book, paragraph, f"'[{opened[0]}!]' is not closed in its paragraph", opened[1])
    return replace(paragraph, inlines=tuple(_span_tokens(pieces, declared, decisions)))


def _span_tokens(
    pieces: Sequence[tuple[str | None, Inline]], declared: str | None, decisions: list[Decision]
) -> Iterator[Inline]:
    """Spans next to each other (only spaces between) are alternatives; the spaces between
    them go, so that the one printed reads as if alone."""
    index = 0
    while index < len(pieces):
        tag, token = pieces[index]
        if tag in (None, "|"):
            if tag is None:
                yield token
            index += 1
            continue
        group: list[tuple[str, list[Inline]]] = []
        while index < len(pieces):
            tag, token = pieces[index]
            if tag == "|":
                index += 1
                continue
            if tag is None:
                if (
                    isinstance(token, Text)
                    and not token.text.strip()
                    and _span_follows(pieces, index)
                ):
                    index += 1
                    continue
                break
            if not group or group[-1][0] != tag or pieces[index - 1][0] == "|":
                group.append((tag, []))
            group[-1][1].append(token)
            index += 1
        tags: list[str | None] = [tag for tag, _ in group]
        for tag, tokens in group:
            kinds = _kinds(tag, tags, declared)
            first = next((t for t in tokens if isinstance(t, Text | Slot)), None)
            if first is not None:
                decisions.append(_variant_decision(Paragraph((first,), first.line), tag, kinds))
            yield from _only(tokens, kinds)


def _span_follows(pieces: Sequence[tuple[str | None, Inline]], index: int) -> bool:
    return index + 1 < len(pieces) and pieces[index + 1][0] not in (None, "|")


def _variant_decision(paragraph: Paragraph, tag: str, kinds: Sequence[str]) -> Decision:
    first = next((t for t in paragraph.inlines if isinstance(t, Text | Slot)), None)
    line, column = (first.line, first.column) if first else (paragraph.line, 1)
    readers = ", ".join(kind if kind != "none" else "no pronouns chosen" for kind in kinds)
    why = f"a variant for {readers}" if kinds else "a variant no reader gets (another fits each)"
    return Decision(line, column, f"{tag}!", "only", True, True, why)


def _paragraph_tag(paragraph: Paragraph) -> tuple[str | None, Paragraph]:
    """The tag of a variant paragraph (`F!: ...`, `F!Y/N`) and the paragraph without it."""
    inlines = list(paragraph.inlines)
    first = inlines[0] if inlines else None
    if isinstance(first, Text):
        match = PARAGRAPH_TAG.match(first.text)
        if match:
            rest = Text(first.text[match.end() :], first.line, first.column + match.end())
            return match["tag"], replace(paragraph, inlines=(rest, *inlines[1:]))
    for index, token in enumerate(inlines[:-1]):
        after = inlines[index + 1]
        if isinstance(token, Text) and isinstance(after, Slot) and after.code == "Y/N":
            match = NAME_TAG.search(token.text)
            if match:
                inlines[index] = replace(token, text=token.text[: match.start()])
                return match["tag"], replace(paragraph, inlines=tuple(inlines))
    return None, paragraph


def _block_line(paragraph: Paragraph) -> tuple[bool, str] | None:
    """(closing?, tag) for a paragraph that is only `[F!]` or `[/F!]`."""
    if len(paragraph.inlines) != 1 or not isinstance(paragraph.inlines[0], Text):
        return None
    match = SPAN.fullmatch(paragraph.inlines[0].text.strip())
    return (match["close"] is not None, match["tag"]) if match else None


def _marker(line: tuple[bool, str]) -> str:
    return f"[{'/' if line[0] else ''}{line[1]}!]"


def _expected(opened: tuple[str, object] | None) -> str:
    if opened is None:
        return "no variant is open (open one with [F!], [M!] or [NB!])"
    return f"close the open [{opened[0]}!] with [/{opened[0]}!] first"


def _error(
    book: Manuscript, paragraph: Paragraph, message: str, at: Text | None = None
) -> ManuscriptError:
    first = at or next((t for t in paragraph.inlines if isinstance(t, Text)), None)
    line = first.line if first else paragraph.line
    where = f" (column {first.column})" if first else ""
    return ManuscriptError(
        f"{message}{where}",
        path=book.source_path,
        line=line,
        source_line=first.text if first else None,
    )

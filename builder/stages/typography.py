"""Typographic polish for the author's text: curly quotes, dashes, ellipses, no-break spaces.

The rules themselves are data (`builder.typography_rules.RULES`); this module applies them
to one run of text at a time, using the text around the run (across emphasis markers and
reader slots) as read-only context, so that a quote or dash is decided the same way
whatever the token boundaries are.
"""

from __future__ import annotations

import bisect
import functools
import importlib
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from builder.model import Manuscript, Markup, Paragraph, Slot, Text, map_paragraphs
from builder.pronouns import is_pronoun_slot
from builder.stages.placeholders import language_key
from builder.stages.typography_rules import APOSTROPHE, MARKS, PROTECTED, RULES, Marks, Rule

__all__ = ["apply", "typeset", "typeset_paragraph"]

_CONTEXT_CHARS = 40
"""How much of the following text is looked at: enough for any rule's lookahead."""

_SLOT_STAND_IN = "x"
"""What a reader slot counts as for context: its value is some word, not known yet."""

# Raw following text is normalised for dashes and dots before being used as context, so
# that a space before a `--` in the next token is seen as a space before an em dash.
_AHEAD_FIXES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\.\.\.|\.[ ]\.[ ]\."), "…"),
    (re.compile(r"(?<!-)-{2,3}(?!-)|(?<=[ \t])-(?=[ \t])"), "—"),
)

_Part = tuple[str, bool, int]
"""A piece of the working string, whether it is frozen (context, protected, a slot), and the
paragraph token it belongs to (-1: context around the text being typeset)."""
_CONTEXT = -1


@dataclass(frozen=True, slots=True)
class _Compiled:
    name: str
    regex: re.Pattern[str]
    replace: Callable[[re.Match[str]], str]
    needs: frozenset[str] | None = None
    """Characters one of which every match has in the searched text (looked-around ones
    included); None when the pattern promises none."""


@functools.cache
def _language(language: str) -> str:
    primary = language_key(language)
    return primary if primary in MARKS else "en"


def _fill_pattern(pattern: str, marks: Marks) -> str:
    return pattern.replace("{OPEN}", re.escape(marks.openers)).replace(
        "{CLOSE}", re.escape(marks.closers)
    )


def _fill_replacement(template: str, marks: Marks) -> str:
    keys = {
        "{O2}": marks.open_double,
        "{C2}": marks.close_double,
        "{O1}": marks.open_single,
        "{C1}": marks.close_single,
        "{AP}": APOSTROPHE,
    }
    for key, value in keys.items():
        template = template.replace(key, value)
    return template


def _replacer(rule: Rule, marks: Marks) -> Callable[[re.Match[str]], str]:
    replacement = rule.replacement
    if isinstance(replacement, str):
        template = _fill_replacement(replacement, marks)
        if "\\" not in template:  # no group references: re would parse it at every match
            return lambda match: template
        return lambda match: match.expand(template)

    def call(match: re.Match[str]) -> str:
        return replacement(match, marks)

    return call


@functools.cache
def _compiled_rules(language: str) -> tuple[_Compiled, ...]:
    marks = MARKS[language]
    compiled = []
    for rule in RULES:
        if rule.languages is None or language in rule.languages:
            regex = re.compile(_fill_pattern(rule.pattern, marks), rule.flags)
            compiled.append(
                _Compiled(rule.name, regex, _replacer(rule, marks), required_characters(regex))
            )
    return tuple(compiled)


def required_characters(regex: re.Pattern[str]) -> frozenset[str] | None:
    """Characters one of which must be in a string for `regex` to match anywhere in it (a
    smallest such set from the pattern's syntax tree), or None when there is no such set.

    Most rules look for one character (a hyphen, a quote, a dot) that most runs of text do not
    have: `in` finds that out far faster than a pattern that starts with a lookbehind."""
    try:  # re's own parser: private, so a Python without it just gets no shortcut
        parser: Any = importlib.import_module("re._parser")
        constants: Any = importlib.import_module("re._constants")
        tree = parser.parse(regex.pattern, regex.flags)
        ignore_case = bool(tree.state.flags & re.IGNORECASE)
        return _Required(constants).sequence(list(tree), ignore_case)
    except (ImportError, AttributeError, TypeError, ValueError):
        return None


class _Required:
    """Walks a parsed pattern (re._parser's tree) for required_characters()."""

    def __init__(self, constants: Any) -> None:
        self.c = constants

    def sequence(self, items: list[Any], ignore_case: bool) -> frozenset[str] | None:
        # Every item of a sequence must match: any one item's requirement will do, and the
        # smallest is the most selective.
        best: frozenset[str] | None = None
        for op, argument in items:
            found = self.item(op, argument, ignore_case)
            if found is not None and (best is None or len(found) < len(best)):
                best = found
        return best

    def item(self, op: Any, argument: Any, ignore_case: bool) -> frozenset[str] | None:
        c = self.c
        if op is c.LITERAL:
            return self.chars(argument, ignore_case)
        if op is c.IN:
            found: set[str] = set()
            for member, value in argument:
                if member is c.LITERAL:
                    found |= self.chars(value, ignore_case)
                elif member is c.RANGE and value[1] - value[0] < 64:
                    for code in range(value[0], value[1] + 1):
                        found |= self.chars(code, ignore_case)
                else:  # a negated set, a category (\w), a wide range: anything goes
                    return None
            return frozenset(found)
        if op is c.SUBPATTERN:
            _group, add, remove, pattern = argument
            ignore_case = (ignore_case or bool(add & re.IGNORECASE)) and not (
                remove & re.IGNORECASE
            )
            return self.sequence(list(pattern), ignore_case)
        if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            low, _high, pattern = argument
            return self.sequence(list(pattern), ignore_case) if low >= 1 else None
        if op is c.ATOMIC_GROUP:
            return self.sequence(list(argument), ignore_case)
        if op is c.BRANCH:
            union: set[str] = set()
            for branch in argument[1]:
                found_in_branch = self.sequence(list(branch), ignore_case)
                if found_in_branch is None:
                    return None
                union |= found_in_branch
            return frozenset(union)
        if op is c.ASSERT:  # a positive lookaround reads characters of the searched text
            return self.sequence(list(argument[1]), ignore_case)
        return None  # anchors, negative lookarounds, any character, back references

    @staticmethod
    def chars(code: int, ignore_case: bool) -> frozenset[str]:
        char = chr(code)
        return frozenset({char, char.lower(), char.upper()}) if ignore_case else frozenset(char)


_Guarded = tuple[re.Pattern[str], frozenset[str] | None, re.Pattern[str] | None]
"""A protected pattern, the characters one of which its every match holds, and its cue."""


@functools.cache
def _protected_patterns() -> tuple[_Guarded, ...]:
    """Each protected pattern with what a text must hold for it to find a span there."""
    found = []
    for protected in PROTECTED:
        regex = re.compile(protected.pattern, protected.flags)
        cue = re.compile(protected.cue, protected.flags) if protected.cue else None
        found.append((regex, required_characters(regex), cue))
    return tuple(found)


def _ahead(text: str, after: str) -> str:
    # The run's last character is prepended so a spaced hyphen straddling the boundary is
    # recognised, then dropped again.
    window = text[-1:] + after[:_CONTEXT_CHARS]
    for pattern, replacement in _AHEAD_FIXES:
        window = pattern.sub(replacement, window)
    return window[len(text[-1:]) :]


def _split_protected(
    text: str, before: str, ahead: str, owner: int = 0, spans: list[tuple[int, int]] | None = None
) -> list[_Part]:
    """Cut `text` into free and frozen (URL, code) pieces of `owner`, looking at its context
    too (or at the protected `spans` given, offsets in `text`)."""
    if spans is None:
        tail = before[-_CONTEXT_CHARS:]
        spans = [
            (start - len(tail), end - len(tail)) for start, end in _protected(tail + text + ahead)
        ]
    parts: list[_Part] = []
    position = 0
    for start, end in sorted(spans):
        start, end = max(start, 0), min(end, len(text))
        if end <= start or end <= position:
            continue
        start = max(start, position)
        if start > position:
            parts.append((text[position:start], False, owner))
        parts.append((text[start:end], True, owner))
        position = end
    if position < len(text):
        parts.append((text[position:], False, owner))
    return parts


def _protected(window: str, present: frozenset[str] | None = None) -> list[tuple[int, int]]:
    """Where URLs, domains and code are in `window` (whose characters are `present`, if
    known): never typeset."""
    if present is None:
        present = frozenset(window)
    return [
        match.span()
        for pattern, needs, cue in _protected_patterns()
        if (needs is None or not needs.isdisjoint(present)) and (cue is None or cue.search(window))
        for match in pattern.finditer(window)
    ]


def _apply(rule: _Compiled, parts: list[_Part], joined: str) -> tuple[list[_Part], str]:
    """One rule over the working string `joined` (the parts' text); matches must lie wholly
    inside one free part. Returns the parts (the same list when nothing changed) and the text
    put in."""
    # Searching from the end of the preceding context: lookbehinds still see it, and `\A`
    # only matches when there is no preceding context, i.e. at the paragraph's start.
    matches = rule.regex.finditer(joined, len(parts[0][0]))
    first = next(matches, None)
    if first is None:  # most rules find nothing in most paragraphs
        return parts, ""
    starts = list(itertools.accumulate((len(part[0]) for part in parts[:-1]), initial=0))
    edits: dict[int, list[tuple[int, int, str]]] = {}
    for match in itertools.chain((first,), matches):
        start, end = match.span()
        found = bisect.bisect_right(starts, start) - 1
        # An empty match at a part's end belongs to that part, not to the next one.
        for index in (found, found - 1):
            if index < 0 or parts[index][1]:
                continue
            low = starts[index]
            if low <= start and end <= low + len(parts[index][0]):
                edits.setdefault(index, []).append((start - low, end - low, rule.replace(match)))
                break
    if not edits:
        return parts, ""
    result: list[_Part] = []
    inserted: list[str] = []
    for index, (piece, frozen, owner) in enumerate(parts):
        if index in edits:
            chunks: list[str] = []
            last = 0
            for start, end, replacement in edits[index]:
                chunks.append(piece[last:start])
                chunks.append(replacement)
                inserted.append(replacement)
                last = end
            chunks.append(piece[last:])
            piece = "".join(chunks)
        # An emptied free part is dropped so nothing is inserted between frozen neighbours.
        if frozen or piece:
            result.append((piece, frozen, owner))
    return result, "".join(inserted)


def typeset(text: str, *, before: str = "", after: str = "", language: str = "en") -> str:
    """Typographic form of `text`. `before` is the already-typeset text that precedes it in the
    same paragraph ("" at paragraph start), `after` the raw text that follows ("" at the end);
    only their nearest characters matter, as context for quotes and dashes."""
    if not text:
        return text
    ahead = _ahead(text, after)
    # The context parts are always first and last, frozen, so only `text` is ever rewritten.
    parts: list[_Part] = [
        (before, True, _CONTEXT),
        *_split_protected(text, before, ahead),
        (ahead, True, _CONTEXT),
    ]
    return "".join(part[0] for part in _run_rules(parts, language)[1:-1])


def _run_rules(
    parts: list[_Part], language: str, present: frozenset[str] | None = None
) -> list[_Part]:
    """Every rule of the language, in order, over the working string's free parts (`present`:
    the characters of the parts' text, or more, if known)."""
    joined = "".join(part[0] for part in parts)
    if present is None:
        present = frozenset(joined)
    for rule in _compiled_rules(_language(language)):
        # Most rules find nothing in most runs: a look for the characters the rule needs, or
        # else _apply's first search, settles that without the bookkeeping of placing edits.
        if rule.needs is not None and rule.needs.isdisjoint(present):
            continue
        changed, inserted = _apply(rule, parts, joined)
        if changed is not parts:
            parts = changed
            joined = "".join(part[0] for part in parts)
            # Characters a rule removed may stay in the set: it only lets rules be skipped.
            present = present.union(inserted)
    return parts


def typeset_paragraph(paragraph: Paragraph, language: str = "en") -> Paragraph:
    """Typeset every Text token of the paragraph in one pass of the rules over the whole
    paragraph: each token's text is a free part of the working string (a match never spans
    two tokens), and the other tokens are its context. Markup tokens are transparent. A Slot
    token counts as a letter 'x' for context (its value is not known yet; a reader pronoun
    counts as the word written), and the returned Slot gets its `before`/`after` fields set to
    the printed character just before / after it ("" at the paragraph's edges), so the value
    can be typeset later with typeset(value, before=.., after=..)."""
    tokens = paragraph.inlines
    printed = [_printed(token) for token in tokens]
    parts: list[_Part] = [("", True, _CONTEXT)]
    joined = "".join(printed)  # the context parts are empty: this is the parts' text too
    present = frozenset(joined)
    protected = _protected(joined, present)
    offset = 0
    for index, (token, text) in enumerate(zip(tokens, printed, strict=True)):
        if isinstance(token, Text):
            spans = [(start - offset, end - offset) for start, end in protected]
            parts.extend(_split_protected(text, "", "", index, spans))
        elif text:
            parts.append((text, True, index))
        offset += len(text)
    parts.append(("", True, _CONTEXT))
    if any(isinstance(token, Text) for token in tokens):
        pieces: list[list[str]] = [[] for _ in tokens]
        for piece, _frozen, owner in _run_rules(parts, language, present)[1:-1]:
            pieces[owner].append(piece)
        printed = ["".join(found) for found in pieces]
    result: list[Text | Markup | Slot] = []
    for index, token in enumerate(tokens):
        if isinstance(token, Text):  # (dataclasses.replace costs ten times a constructor)
            result.append(Text(printed[index], token.line, token.column))
        elif isinstance(token, Slot):
            result.append(
                replace(
                    token,
                    before="".join(printed[:index])[-1:],
                    after="".join(printed[index + 1 :])[:1],
                )
            )
        else:
            result.append(token)
    return Paragraph(tuple(result), paragraph.line)


def _printed(token: Text | Markup | Slot) -> str:
    if isinstance(token, Text):
        return token.text
    if isinstance(token, Slot):
        # A reader pronoun is a word the author wrote, and every reading of it is a word:
        # the text around it is typeset exactly as without the slot (`Mrs. L/N`).
        return token.written if is_pronoun_slot(token.code) else _SLOT_STAND_IN
    return ""


def apply(manuscript: Manuscript) -> Manuscript:
    """The typography stage: every piece of the author's text, in the story's language."""
    language = manuscript.meta.language
    return map_paragraphs(manuscript, lambda paragraph: typeset_paragraph(paragraph, language))

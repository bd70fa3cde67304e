"""`ficpress lint`: find the slips in a manuscript, never change it.

The manuscript is read as `ficpress build` reads it (so an unreadable one gets the same
one-line error), then split into units: paragraphs, chapter headings and break captions.
Each check runs over a unit's text and maps what it finds back to `line:column` in the
file. The rules' codes, severities and messages are data in `builder/lint/rules.py`.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from builder.importers.paragraphs import inline_breaks, lost_breaks
from builder.lint import reader
from builder.lint.rules import (
    DOUBLED_PUNCTUATION,
    HOMOPHONES,
    INTERJECTIONS,
    RULES,
    WILD_CODES,
)
from builder.stages import manuscript, placeholders
from builder.stages.inline import Positions, SourceLine
from builder.stages.placeholders import CODE_LIKE, NOT_PLACEHOLDERS
from builder.stages.scenes import CHAPTER_HEADING, scene_break

BRACKETS = {"(": ")", "[": "]", "{": "}"}
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
REPEATED_LETTER = re.compile(r"([^\W\d_])\1{2,}", re.IGNORECASE)
ROMAN_NUMERAL = re.compile(r"^[IVXLCDM]+$")


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem at one place."""

    path: str
    line: int
    column: int
    code: str
    severity: Literal["error", "warning"]
    message: str


@dataclass(frozen=True, slots=True)
class _Unit:
    """A paragraph, heading or caption: its text and where each character came from."""

    kind: Literal["paragraph", "heading", "caption"]
    text: str
    positions: Positions


def check(path: Path) -> list[Finding]:
    """Every finding in the manuscript at `path`, in file order."""
    source = manuscript.read(path)
    reader.check_written_out(source)
    codes = placeholders.table(source.meta)
    units = list(_units(source.body, source.body_line))
    found: list[tuple[_Unit, int, str, dict[str, Any]]] = []
    for index, unit in enumerate(units):
        following = units[index + 1] if index + 1 < len(units) else None
        for offset, code, details in _unit_findings(unit, following):
            found.append((unit, offset, code, details))
    legend = {info.code for info in source.meta.legend}
    found += _placeholder_findings(units, codes, legend)
    found += _mixed_quotes(units)
    findings = [
        Finding(
            str(path),
            line,
            1,
            "F601",
            RULES["F601"].severity,
            RULES["F601"].message.format(
                name=name, hint=f" (did you mean '{nearest}'?)" if nearest else ""
            ),
        )
        for name, line, nearest in source.meta.unknown_fields
    ]
    paragraphs = [unit.text for unit in units if unit.kind == "paragraph"]
    disagreement = reader.mismatch(path, source.meta.reader_pronouns, paragraphs)
    if disagreement:
        line, details = disagreement
        rule = RULES["R701"]
        findings.append(
            Finding(str(path), line, 1, "R701", rule.severity, rule.message.format(**details))
        )
    for unit, offset, code, details in found:
        line, column = unit.positions.at(offset)
        rule = RULES[code]
        findings.append(
            Finding(str(path), line, column, code, rule.severity, rule.message.format(**details))
        )
    return sorted(findings, key=lambda finding: (finding.line, finding.column, finding.code))


def report(findings: list[Finding], output: str) -> str:
    """The findings as `path:line:col: CODE message` lines, or as a JSON array."""
    if output == "json":
        return json.dumps([asdict(finding) for finding in findings], indent=2) + "\n"
    return "".join(f"{f.path}:{f.line}:{f.column}: {f.code} {f.message}\n" for f in findings)


def summary(findings: list[Finding]) -> str:
    errors = sum(finding.severity == "error" for finding in findings)
    return f"{errors} error(s), {len(findings) - errors} warning(s)"


def _units(body: tuple[str, ...], first_line: int) -> Iterator[_Unit]:
    lines: list[SourceLine] = []

    def paragraph() -> Iterator[_Unit]:
        if lines:
            yield _Unit("paragraph", " ".join(line.text for line in lines), Positions(lines))
            lines.clear()

    for index, raw in enumerate(body):
        number = first_line + index
        column = len(raw) - len(raw.lstrip()) + 1
        heading = CHAPTER_HEADING.match(raw.strip())
        found_break = None if heading else scene_break(raw)
        if heading or found_break or not raw.strip():
            yield from paragraph()
        if heading:
            start = raw.index(heading.group("title"))
            yield _unit("heading", heading.group("title"), number, start + 1)
        elif found_break:
            if found_break.caption:
                caption = found_break.caption
                yield _unit("caption", caption, number, found_break.caption_column)
        elif raw.strip():
            lines.append(SourceLine(raw.strip(), number, column))
    yield from paragraph()


def _unit(kind: Literal["heading", "caption"], text: str, line: int, column: int) -> _Unit:
    return _Unit(kind, text, Positions([SourceLine(text, line, column)]))


def _unit_findings(unit: _Unit, following: _Unit | None) -> Iterator[tuple[int, str, Any]]:
    text = unit.text
    urls = [match.span() for match in placeholders.URL.finditer(text)]

    def outside_urls(offset: int) -> bool:
        return not any(start <= offset < end for start, end in urls)

    for match in DOUBLED_PUNCTUATION.finditer(text):
        if outside_urls(match.start()) and text[match.start() - 1 : match.start()] != ".":
            yield match.start(), "T301", {"written": _word_around(text, match.start())}
    for word in WORD.finditer(text):
        if outside_urls(word.start()):
            yield from _repeated_letters(word)
    for slip in HOMOPHONES:
        for match in slip.pattern.finditer(text):
            written, wrong = match.group(), match.group("word")
            right = slip.suggestion.capitalize() if wrong[0].isupper() else slip.suggestion
            suggestion = written.replace(wrong, right, 1)
            yield match.start("word"), "T303", {"written": written, "suggestion": suggestion}
    if unit.kind != "paragraph":
        return
    yield from _unbalanced_quotes(text, following)
    if lost_breaks(text):
        quotes = text.count('"') // 2 + text.count("“")
        yield 0, "S501", {"length": len(text), "quotes": quotes}
    for inline in inline_breaks(text):
        yield inline.start, "S502", {"written": inline.line}


def _word_around(text: str, offset: int) -> str:
    start = offset
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    end = offset
    while end < len(text) and not text[end].isspace():
        end += 1
    return text[start:end]


def _repeated_letters(word: re.Match[str]) -> Iterator[tuple[int, str, Any]]:
    written = word.group()
    if ROMAN_NUMERAL.match(written) or written.lower().startswith("www"):
        return
    collapsed = re.sub(r"(.)\1+", r"\1", written.lower())
    if collapsed in INTERJECTIONS:
        return  # `Ooooh`, `hmmm`: stretched on purpose
    for run in REPEATED_LETTER.finditer(written):
        # A run at either end is a stretched word (`nooo`, `Sssorry`); inside, a typo.
        if run.start() > 0 and run.end() < len(written):
            count = run.end() - run.start()
            yield word.start(), "T302", {"written": written, "count": count}
            return


def _unbalanced_quotes(text: str, following: _Unit | None) -> Iterator[tuple[int, str, Any]]:
    # A speech running on over paragraphs leaves each but the last unclosed, and the next
    # one opens with a quote: that is the convention, not a slip.
    continues = following is not None and following.text[:1] in ('"', "“")
    straight = [index for index, character in enumerate(text) if character == '"']
    if len(straight) % 2 and not (continues and text.startswith('"')):
        yield straight[-1], "Q401", {"detail": f"{len(straight)} straight double quotes"}
    depth = 0
    unmatched: int | None = None
    for index, character in enumerate(text):
        if character == "“":
            depth += 1
            unmatched = index if depth == 1 else unmatched
        elif character == "”":
            if depth == 0:
                yield index, "Q401", {"detail": "a closing ” with no opening “"}
                return
            depth -= 1
    if depth and unmatched is not None and not continues:
        yield unmatched, "Q401", {"detail": "an opening “ is never closed"}


def _mixed_quotes(units: list[_Unit]) -> list[tuple[_Unit, int, str, dict[str, Any]]]:
    found: list[tuple[_Unit, int, str, dict[str, Any]]] = []
    for kind, straight, curly in (("double", '"', "“”"), ("single", "'", "‘’")):
        places: dict[bool, list[tuple[_Unit, int]]] = {True: [], False: []}
        for unit in units:
            for index, character in enumerate(unit.text):
                if character == straight or character in curly:
                    places[character == straight].append((unit, index))
        if places[True] and places[False]:
            fewer = min(places[True], places[False], key=len)
            unit, index = fewer[0]
            details = {"kind": kind, "straight": len(places[True]), "curly": len(places[False])}
            found.append((unit, index, "Q402", details))
    return found


def _placeholder_findings(
    units: list[_Unit], codes: dict[str, Any], legend: set[str]
) -> list[tuple[_Unit, int, str, dict[str, Any]]]:
    found: list[tuple[_Unit, int, str, dict[str, Any]]] = []
    uses: list[tuple[_Unit, re.Match[str], str]] = []
    for unit in units:
        urls = [match.span() for match in placeholders.URL.finditer(unit.text)]
        for match in CODE_LIKE.finditer(unit.text):
            code = placeholders.canonical(match.group())
            if code in NOT_PLACEHOLDERS or any(s <= match.start() < e for s, e in urls):
                continue
            uses.append((unit, match, code))
            missing = _missing_bracket(unit.text, match)
            if missing:
                written = unit.text[max(match.start() - 1, 0) : match.end() + 1].strip()
                found.append(
                    (unit, match.start(), "P202", {"written": written, "missing": missing})
                )
    counts = Counter(code for _, _, code in uses)
    forms: dict[str, Counter[str]] = {}
    for _, match, code in uses:
        forms.setdefault(code, Counter())[match.group()] += 1
    # What a one-off code may be a slip of: the codes this story declares or uses, never the
    # whole built-in table (`Y/B/N` is a new code, not a misspelt `Y/L/N`).
    own = legend | {code for code in counts if code in codes or counts[code] > 1}
    reported: set[str] = set()
    for unit, match, code in uses:
        written = match.group()
        if code in codes:
            usual, usual_count = forms[code].most_common(1)[0]
            if written != usual:
                details = {"written": written, "usual": usual, "count": usual_count}
                found.append((unit, match.start(), "P201", details))
            continue
        near = _nearest(code, own) if counts[code] == 1 and code not in WILD_CODES else None
        # Written in capitals, an undeclared code is filled like any other; in any other case
        # the placeholders stage never finds it.
        rule = "P103" if near else "P104" if placeholders.undeclared(written) else "P105"
        if rule == "P103" or f"{rule} {code}" not in reported:
            reported.add(f"{rule} {code}")
            details = {"written": written, "code": code, "count": counts[code], "near": near}
            found.append((unit, match.start(), rule, details))
    return found


def _missing_bracket(text: str, match: re.Match[str]) -> str | None:
    before = text[match.start() - 1] if match.start() > 0 else ""
    after = text[match.end()] if match.end() < len(text) else ""
    if before in BRACKETS and after != BRACKETS[before]:
        return BRACKETS[before]
    openers = {closer: opener for opener, closer in BRACKETS.items()}
    if after in openers and before != openers[after]:
        return openers[after]
    return None


def _nearest(code: str, codes: set[str]) -> str | None:
    """A code one letter away (`Y/M` -> `Y/N`), the likely intent of a typo."""
    for known in sorted(codes):
        if len(known) == len(code) and sum(a != b for a, b in zip(known, code, strict=True)) == 1:
            return str(known)
    return None

"""Tests for builder.typography: the fixture table, paragraph context, and properties."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from builder.model import Markup, Paragraph, Slot, Text
from builder.stages.typography import typeset, typeset_paragraph
from builder.stages.typography_rules import RULES

FIXTURE = Path(__file__).parent / "fixtures" / "typography.yaml"
CROSS_CUTTING = {"protected"}
"""Fixture sections that test behaviour shared by all rules rather than one rule."""


@dataclass(frozen=True)
class Case:
    rule: str
    name: str
    input: str
    expected: str
    language: str = "en"
    before: str = ""
    after: str = ""

    @property
    def id(self) -> str:
        return f"{self.rule}-{self.name}"

    def run(self, text: str) -> str:
        return typeset(text, before=self.before, after=self.after, language=self.language)


def _load() -> list[Case]:
    table: dict[str, list[dict[str, Any]]] = yaml.safe_load(FIXTURE.read_text("utf-8"))
    return [Case(rule=rule, **fields) for rule, cases in table.items() for fields in cases]


CASES = _load()
IDS = [case.id for case in CASES]


def test_fixture_ids_are_unique() -> None:
    assert len(IDS) == len(set(IDS))


def test_every_rule_has_positive_and_negative_cases() -> None:
    names = {rule.name for rule in RULES}
    assert {case.rule for case in CASES} <= names | CROSS_CUTTING
    for name in names:
        cases = [case for case in CASES if case.rule == name]
        assert any(not case.name.startswith("no_") for case in cases), name
        assert any(case.name.startswith("no_") for case in cases), name


def test_rule_names_are_unique() -> None:
    names = [rule.name for rule in RULES]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_fixture(case: Case) -> None:
    assert case.run(case.input) == case.expected


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_idempotent(case: Case) -> None:
    once = case.run(case.input)
    assert case.run(once) == once


# Everything typesetting may change: quotes, dashes, dots, spaces and the invisible marks.
_TYPOGRAPHIC = re.compile(r"[\"'“”‘’„‚«»′″\-–—.…\s\u2060]")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_words_unchanged(case: Case) -> None:
    out = case.run(case.input)
    assert _TYPOGRAPHIC.sub("", out) == _TYPOGRAPHIC.sub("", case.input)


def test_empty_text() -> None:
    assert typeset("", before="“", after="x") == ""


def test_context_is_not_returned() -> None:
    assert typeset("b", before="a --", after="-- c") == "b"


# --- typeset_paragraph ------------------------------------------------------------------


def _text(text: str, column: int = 1, line: int = 3) -> Text:
    return Text(text=text, line=line, column=column)


EM_OPEN = Markup(tag="em", opening=True)
EM_CLOSE = Markup(tag="em", opening=False)


def _texts(paragraph: Paragraph) -> list[str]:
    return [token.text for token in paragraph.inlines if isinstance(token, Text)]


def test_quotes_decided_across_emphasis() -> None:
    paragraph = Paragraph(
        inlines=(_text('"'), EM_OPEN, _text("Get out!", 3), EM_CLOSE, _text('" she said.', 13)),
        line=3,
    )
    result = typeset_paragraph(paragraph)
    assert _texts(result) == ["“", "Get out!", "” she said."]
    assert result.inlines[1] == EM_OPEN
    assert result.inlines[3] == EM_CLOSE


def test_dash_spaces_removed_across_emphasis() -> None:
    paragraph = Paragraph(inlines=(_text("word "), EM_OPEN, _text("-- no"), EM_CLOSE), line=1)
    assert _texts(typeset_paragraph(paragraph)) == ["word", "\u2060—no"]


def test_cutoff_before_quote_in_next_token() -> None:
    paragraph = Paragraph(inlines=(_text('"I love-'), EM_OPEN, _text('"')), line=1)
    assert _texts(typeset_paragraph(paragraph)) == ["“I love\u2060—", "”"]


def test_slot_counts_as_letter() -> None:
    slot = Slot(code="Y/N", written="Y/N", line=2, column=1)
    paragraph = Paragraph(inlines=(slot, _text("'s car", 4)), line=2)
    result = typeset_paragraph(paragraph)
    assert _texts(result) == ["’s car"]


def test_slot_context_filled() -> None:
    slot = Slot(code="Y/N", written="(Y/N)", line=1, column=6)
    paragraph = Paragraph(inlines=(_text('"Hey, '), slot, _text('!"', 11)), line=1)
    result = typeset_paragraph(paragraph)
    new_slot = result.inlines[1]
    assert isinstance(new_slot, Slot)
    assert (new_slot.before, new_slot.after) == (" ", "!")
    assert (new_slot.code, new_slot.written, new_slot.line, new_slot.column) == (
        "Y/N",
        "(Y/N)",
        1,
        6,
    )
    assert _texts(result) == ["“Hey, ", "!”"]


def test_slot_context_looks_through_markup_and_edges_are_empty() -> None:
    slot = Slot(code="L/N", written="L/N", line=1, column=1)
    paragraph = Paragraph(inlines=(EM_OPEN, slot, EM_CLOSE, _text("--"), slot), line=1)
    result = typeset_paragraph(paragraph)
    first, last = result.inlines[1], result.inlines[4]
    assert isinstance(first, Slot)
    assert isinstance(last, Slot)
    assert (first.before, first.after) == ("", "\u2060")
    assert (last.before, last.after) == ("—", "")
    assert _texts(result) == ["\u2060—"]


def test_adjacent_slots_see_each_other_as_letters() -> None:
    first = Slot(code="Y/N", written="Y/N", line=1, column=1)
    second = Slot(code="L/N", written="L/N", line=1, column=5)
    result = typeset_paragraph(Paragraph(inlines=(first, second), line=1))
    slots = [token for token in result.inlines if isinstance(token, Slot)]
    assert [(slot.before, slot.after) for slot in slots] == [("", "x"), ("x", "")]


def test_slot_value_typeset_later() -> None:
    slot = Slot(code="Y/N", written="Y/N", line=1, column=2)
    paragraph = Paragraph(inlines=(_text('"'), slot, _text('"')), line=1)
    result = typeset_paragraph(paragraph)
    typed = result.inlines[1]
    assert isinstance(typed, Slot)
    assert _texts(result) == ["“", "”"]
    assert typeset("Jo O'Neil", before=typed.before, after=typed.after) == "Jo O’Neil"


def test_line_and_column_kept() -> None:
    paragraph = Paragraph(inlines=(_text("a -- b", 7, 12), EM_OPEN, _text("...", 14, 12)), line=12)
    result = typeset_paragraph(paragraph)
    texts = [token for token in result.inlines if isinstance(token, Text)]
    assert [(t.text, t.line, t.column) for t in texts] == [
        ("a\u2060—b", 12, 7),
        ("\u2060\u200a\u2060…", 12, 14),
    ]
    assert result.line == 12


def test_paragraph_language() -> None:
    paragraph = Paragraph(inlines=(_text('"Oui?"'),), line=1)
    assert _texts(typeset_paragraph(paragraph, language="fr")) == ["«\u202fOui\u202f?\u202f»"]


def test_paragraph_without_text_unchanged() -> None:
    paragraph = Paragraph(inlines=(EM_OPEN, EM_CLOSE), line=4)
    assert typeset_paragraph(paragraph) == paragraph

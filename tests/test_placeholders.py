"""The placeholders stage: matching, slots and fill()."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from builder import fill
from builder.model import Manuscript, Markup, Slot, Text
from builder.stages import manuscript, placeholders, scenes

CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "fixtures" / "placeholders.yaml").read_text(encoding="utf-8")
)


def found(tmp_path: Path, body: str, legend: dict[str, Any] | None = None) -> Manuscript:
    front = {"title": "T", **({"placeholders": legend} if legend else {})}
    path = tmp_path / "story.md"
    path.write_text(f"---\n{yaml.safe_dump(front)}---\n{body}\n", encoding="utf-8")
    return placeholders.find(scenes.split(manuscript.read(path)))


def printed(book: Manuscript, values: dict[str, str]) -> str:
    codes = placeholders.table(book.meta)
    parts = []
    for token in book.chapters[0].scenes[0].paragraphs[0].inlines:
        if isinstance(token, Text):
            parts.append(token.text)
        elif isinstance(token, Slot):
            value = values.get(token.code)
            parts.append(fill.fill_slot(token, codes.get(token.code), value, "en"))
    return "".join(parts)


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_fill_table(tmp_path: Path, case: dict[str, Any]) -> None:
    book = found(tmp_path, case["text"], case.get("legend"))
    assert printed(book, case["values"]) == case["expected"]


def test_slots_know_their_source_position(tmp_path: Path) -> None:
    book = found(tmp_path, "Hello there\nmy dear Y/N.")
    slot = next(t for t in book.chapters[0].scenes[0].paragraphs[0].inlines if isinstance(t, Slot))
    assert (slot.code, slot.written, slot.line, slot.column) == ("Y/N", "Y/N", 5, 9)


def test_a_slot_inside_emphasis_stays_inside(tmp_path: Path) -> None:
    book = found(tmp_path, "*Y/N* ran.")
    tokens = book.chapters[0].scenes[0].paragraphs[0].inlines
    assert isinstance(tokens[0], Markup) and isinstance(tokens[1], Slot)
    assert isinstance(tokens[2], Markup)


def test_slots_in_title_summary_headings_and_captions(tmp_path: Path) -> None:
    path = tmp_path / "story.md"
    path.write_text(
        "---\ntitle: Y/N and the sea\nsummary: Y/N swims.\n---\n# Y/N at home\n\nA.\n\n"
        "-- (Y/N's birthday)\n\nB.\n",
        encoding="utf-8",
    )
    book = placeholders.find(scenes.split(manuscript.read(path)))
    texts = list(placeholders.all_paragraphs(book))
    assert sum(1 for _ in placeholders.slots(texts)) == 4


def test_legend_relabels_a_built_in_code_and_adds_defaults(tmp_path: Path) -> None:
    book = found(tmp_path, "Y/N", {"Y/N": {"label": "your nickname", "default": "Bean"}})
    codes = placeholders.table(book.meta)
    assert codes["Y/N"].label == "your nickname"
    assert codes["Y/N"].default == "Bean"
    assert codes["Y/N"].is_name
    assert codes["E/C"].label == "eye colour"


def test_canonical_code() -> None:
    assert placeholders.canonical("(y/n)") == "Y/N"
    assert placeholders.canonical(" [e/c] ") == "E/C"


@pytest.mark.parametrize(
    ("word", "article"),
    [
        ("amber", "an"),
        ("green", "a"),
        ("hour-long", "an"),
        ("unicorn", "a"),
        ("one-eyed", "a"),
        ("ice", "an"),
        ("European", "a"),
        ("umber", "an"),
        ("honest", "an"),
        ("hazel", "a"),
    ],
)
def test_agreeing_article(word: str, article: str) -> None:
    assert fill.agreeing_article("a", word) == article
    assert fill.agreeing_article("A", word) == article.capitalize()

"""Codes a story uses without declaring them (`B/F`, `Y/F/N`): found, listed, asked for on
the site and filled, while ordinary abbreviations (`N/A`, `w/o`, `M/M`) stay text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from builder.model import Slot
from builder.stages import manuscript, placeholders, scenes

TABLE: dict[str, list[dict[str, Any]]] = yaml.safe_load(
    (Path(__file__).parent / "fixtures" / "undeclared_codes.yaml").read_text(encoding="utf-8")
)
CASES = [(side, case) for side, cases in TABLE.items() for case in cases]


def slots_in(tmp_path: Path, body: str) -> list[Slot]:
    path = tmp_path / "story.md"
    path.write_text(f"---\ntitle: T\n---\n{body}\n", encoding="utf-8")
    book = placeholders.find(scenes.split(manuscript.read(path)))
    return list(placeholders.slots(placeholders.all_paragraphs(book)))


@pytest.mark.parametrize(
    ("side", "case"), CASES, ids=[f"{side}: {case['name']}" for side, case in CASES]
)
def test_what_is_found_and_what_is_not(tmp_path: Path, side: str, case: dict[str, Any]) -> None:
    assert [slot.code for slot in slots_in(tmp_path, case["text"])] == case["found"]
    assert bool(case["found"]) == (side == "found")


def test_an_undeclared_slot_is_written_as_found_and_has_no_table_entry(tmp_path: Path) -> None:
    (slot,) = slots_in(tmp_path, "Hi (Y/F/N).")
    assert (slot.code, slot.written, slot.line, slot.column) == ("Y/F/N", "(Y/F/N)", 4, 4)
    assert placeholders.table(manuscript.read(tmp_path / "story.md").meta).get("Y/F/N") is None


def test_a_legend_may_still_declare_an_abbreviation_as_a_code(tmp_path: Path) -> None:
    path = tmp_path / "story.md"
    path.write_text("---\ntitle: T\nplaceholders:\n  M/M: mum's name\n---\nm/m N/A\n", "utf-8")
    book = placeholders.find(scenes.split(manuscript.read(path)))
    slots = list(placeholders.slots(placeholders.all_paragraphs(book)))
    assert [(slot.code, slot.written) for slot in slots] == [("M/M", "m/m")]


def test_every_abbreviation_has_the_placeholder_shape() -> None:
    # An entry the stage could never find would be a dead word in the list.
    assert all(placeholders.UNDECLARED.fullmatch(code) for code in placeholders.NOT_PLACEHOLDERS)
    assert placeholders.undeclared("F/F")  # a code in the stories that use it

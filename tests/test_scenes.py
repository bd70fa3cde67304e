"""Scene-break detection, chapters and paragraphs (the `scenes` stage)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from builder.model import Manuscript, Markup, Text
from builder.stages import manuscript, scenes
from builder.stages.inline import plain_text

BREAK_CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "fixtures" / "scene_breaks.yaml").read_text(encoding="utf-8")
)


@pytest.mark.parametrize("case", BREAK_CASES, ids=[case["line"] for case in BREAK_CASES])
def test_scene_break_table(case: dict[str, Any]) -> None:
    found = scenes.scene_break(case["line"])
    if not case["break"]:
        assert found is None
        return
    assert found is not None
    assert found.caption == case["caption"]
    if found.caption:
        assert case["line"][found.caption_column - 1 :].startswith(found.caption)


def split(tmp_path: Path, body: str, front: str = "title: T") -> Manuscript:
    path = tmp_path / "story.md"
    path.write_text(f"---\n{front}\n---\n{body}", encoding="utf-8")
    return scenes.split(manuscript.read(path))


def test_a_story_without_headings_is_one_chapter(tmp_path: Path) -> None:
    book = split(tmp_path, "First.\n\n* * *\n\nSecond.\n")
    assert len(book.chapters) == 1
    assert book.chapters[0].title is None
    assert [len(scene.paragraphs) for scene in book.chapters[0].scenes] == [1, 1]


def test_chapters_and_captioned_scenes(tmp_path: Path) -> None:
    body = "# One\n\nA.\n\n-- (Later)\n\nB.\n\n# Two\n\nC.\n"
    book = split(tmp_path, body)
    assert [plain_text(c.title) for c in book.chapters if c.title] == ["One", "Two"]
    one = book.chapters[0]
    assert one.scenes[0].caption is None
    assert one.scenes[1].caption is not None
    assert plain_text(one.scenes[1].caption) == "Later"
    assert one.scenes[1].line == 8
    assert book.chapters[1].line == 12


def test_a_line_break_inside_a_paragraph_is_a_space(tmp_path: Path) -> None:
    book = split(tmp_path, "One line\nand the next.\n\nNew paragraph.\n")
    paragraphs = book.chapters[0].scenes[0].paragraphs
    assert [plain_text(p) for p in paragraphs] == ["One line and the next.", "New paragraph."]
    assert [p.line for p in paragraphs] == [4, 7]


def test_only_emphasis_is_interpreted(tmp_path: Path) -> None:
    book = split(tmp_path, "She said <b>hi</b> & *left* **now** ~~~ok\n")
    tokens = book.chapters[0].scenes[0].paragraphs[0].inlines
    assert tokens[0] == Text("She said <b>hi</b> & ", 4, 1)
    assert tokens[1] == Markup("em", opening=True)
    assert tokens[2] == Text("left", 4, 23)
    assert Markup("strong", opening=True) in tokens
    assert plain_text(book.chapters[0].scenes[0].paragraphs[0]).endswith("~~~ok")


def test_nested_emphasis(tmp_path: Path) -> None:
    book = split(tmp_path, "***both*** and *a **b** c*\n")
    tags = [
        (t.tag, t.opening)
        for t in book.chapters[0].scenes[0].paragraphs[0].inlines
        if isinstance(t, Markup)
    ]
    assert tags == [
        ("strong", True),
        ("em", True),
        ("em", False),
        ("strong", False),
        ("em", True),
        ("strong", True),
        ("strong", False),
        ("em", False),
    ]


def test_unmatched_stars_stay_text(tmp_path: Path) -> None:
    book = split(tmp_path, "5 * 3 = 15 and a lone *star\n")
    assert plain_text(book.chapters[0].scenes[0].paragraphs[0]) == "5 * 3 = 15 and a lone *star"


def test_breaks_in_a_row_and_at_the_start_make_no_empty_scenes(tmp_path: Path) -> None:
    book = split(tmp_path, "***\n\nA.\n\n***\n\n***\n\nB.\n")
    assert [len(s.paragraphs) for s in book.chapters[0].scenes] == [1, 1]


def test_a_heading_alone_keeps_its_chapter(tmp_path: Path) -> None:
    book = split(tmp_path, "# Prologue\n\n# One\n\nText.\n")
    assert len(book.chapters) == 2
    assert book.chapters[0].scenes[0].paragraphs == ()


def test_text_before_the_first_heading_is_an_untitled_chapter(tmp_path: Path) -> None:
    book = split(tmp_path, "Foreword.\n\n# One\n\nText.\n")
    assert [c.title is None for c in book.chapters] == [True, False]


def test_hash_without_space_is_text(tmp_path: Path) -> None:
    book = split(tmp_path, "#hashtag life\n")
    assert len(book.chapters) == 1
    assert plain_text(book.chapters[0].scenes[0].paragraphs[0]) == "#hashtag life"

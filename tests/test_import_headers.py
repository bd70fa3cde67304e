"""Tumblr header lines (`Pairing:`, `Warnings:`, `Word count:`, `A/N:`, `taglist:`) become
front matter in every importer alike: a text file, a saved Tumblr page (also one saved
without its address) and a post fetched from (the replay of) Tumblr."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder.importers import import_story
from builder.importers.draft import Draft, finish
from builder.importers.text import read
from tests.conftest import body, front
from tests.replay import Replay

FIXTURES = Path(__file__).parent / "fixtures" / "import"
HEADER = (
    "Pairing: Bucky Barnes x Reader\n"
    "Warnings: fluff, mild swearing\n"
    "Word count: 1.2k\n"
    "A/N: my first fic! be nice\n"
    "taglist: @abc @def-ghi\n"
    "\n"
    'The bell over the door jingled. "You\'re late," he said.\n'
)


def imported(text: str) -> Draft:
    return finish(read(text, Path("story.txt"), markdown=False), None)


def test_header_lines_become_front_matter_and_the_story_starts_with_the_story() -> None:
    draft = imported(HEADER)
    assert draft.meta["pairing"] == "Bucky Barnes x Reader"
    assert draft.meta["warnings"] == ["fluff", "mild swearing"]
    assert [block.text for block in draft.blocks] == [
        "A/N: my first fic! be nice",  # an author's note, marked as one
        'The bell over the door jingled. "You\'re late," he said.',
    ]
    assert draft.meta["title"] == "The bell over the door jingled"  # not the note
    assert "header lines dropped: word count: 1.2k, taglist: @abc @def-ghi" in draft.notes


def test_a_header_run_into_a_wall_of_text_is_cut_off_it() -> None:
    wall = (
        "**Pairing:** Loki x Reader **Rating:** Teen **Summary:** You visit Asgard. "
        "**Requested by** @anon **Word count:** 900 The throne room was colder than you "
        'remembered. Loki sat sprawled across the golden seat. "Ah. The ambassador." He did '
        'not bother to sit up. "How very kind of you to visit." "I came because Thor asked." '
        + "The guards shifted on their feet. "
        * 6
    )
    draft = imported(wall)
    meta = {key: draft.meta.get(key) for key in ("pairing", "rating", "summary", "credits")}
    assert meta == {
        "pairing": "Loki x Reader",
        "rating": "Teen",
        "summary": "You visit Asgard.",
        "credits": ["Requested by @anon"],
    }
    assert draft.blocks[0].text.startswith("The throne room was colder")
    assert '"I came because Thor asked."' in [block.text.split(" The")[0] for block in draft.blocks]


@pytest.mark.parametrize(
    "story",
    [
        'Pairing is what he called it. "Hi."',  # a label without its colon is prose
        '"Summary: none," he said.',  # a quotation is the story
        "The note: nothing to add.",
    ],
)
def test_a_story_that_only_looks_like_a_header_is_left_alone(story: str) -> None:
    draft = imported(story)
    assert [block.text for block in draft.blocks] == [story]
    assert "pairing" not in draft.meta and "summary" not in draft.meta


def test_a_saved_tumblr_page_is_recognised_by_its_markup_without_its_address(
    tmp_path: Path,
) -> None:
    result = import_story(FIXTURES / "tumblr-no-address.html", tmp_path)
    assert any("as Tumblr post" in line for line in result.report)
    written = result.path
    meta = front(written)
    assert (meta["pairing"], meta["warnings"]) == ("Joel Miller x Reader", ["just fluff"])
    text = body(written).strip()
    assert text.startswith("A/N: for the winter prompt list. Thank you for reading!\n\n“It’s")
    assert "Word count" not in text and "taglist" not in text and "@quiet-harbour" not in text


def test_a_fetched_tumblr_post_gets_the_same_front_matter(replay: Replay, tmp_path: Path) -> None:
    result = import_story("https://moth-and-lantern.tumblr.com/post/920/two-chairs", tmp_path)
    meta = front(result.path)
    assert (meta["title"], meta["pairing"], meta["rating"]) == (
        "Two Chairs",
        "Lighthouse Keeper x Reader",
        "General",
    )
    assert meta["summary"] == "He keeps a second chair by the lamp."
    assert "warnings" not in meta  # `Warnings: none` says there are none
    text = body(result.path).strip()
    assert text.startswith("A/N: requests are open again!\n\nBy spring there are two chairs")
    assert "Word count" not in text and "taglist" not in text

"""`ficpress import URL` for Wattpad (its JSON API) and Quotev (a page per chapter), against the
local replay server (tests/replay.py): the real client over real HTTP on 127.0.0.1."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from builder import pipeline
from builder.cli import main
from builder.errors import FetchError
from builder.importers import import_story
from builder.importers.web import FetchOptions, import_address
from builder.stages import manuscript, scenes
from builder.stages.inline import plain_text
from tests.conftest import body, front, problems, run_epubcheck
from tests.replay import Answer, Replay

WATTPAD_STORY = "https://www.wattpad.com/story/3100-salt-on-the-windowsill"
WATTPAD_PART = "https://www.wattpad.com/41002-salt-on-the-windowsill-two-rye-quarrels"
QUOTEV_STORY = "https://www.quotev.com/story/801/The-Night-Market"


def test_a_wattpad_story_imports_with_its_metadata_and_every_part(
    replay: Replay, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", WATTPAD_STORY, "--out", str(tmp_path)]) == 0
    report = capsys.readouterr().out
    assert "as Wattpad story" in report and "fetched 3 part(s) through Wattpad's API" in report
    path = tmp_path / "salt-on-the-windowsill.md"
    story = scenes.split(manuscript.read(path))
    meta = story.meta
    assert (plain_text(meta.title), meta.author) == ("Salt on the Windowsill", "brinewriter")
    assert meta.tags == ("readerinsert", "slowburn", "bakery", "xreader")
    assert meta.summary is not None
    assert plain_text(meta.summary) == (
        "Y/N rents the room above the harbor bakery for one winter. The baker's son has "
        "opinions about her bread. (reader insert, slow burn)"
    )
    assert (meta.source, meta.date, meta.rating) == (WATTPAD_STORY, "2022-03-04", None)
    assert front(path)["status"] == "complete"
    titles = [plain_text(chapter.title) for chapter in story.chapters if chapter.title]
    assert titles == ["One: The Room Upstairs", "Two: Rye & Quarrels", "Three: The Last Loaf"]
    text = body(path)
    assert "*Rent is due Fridays. The bread is not rent.*" in text
    assert '"You asked for **bread**," he said' in text and "\n\n* * *\n\n" in text
    assert text.rstrip().endswith("put them back on the windowsill where they belonged.")
    requests = [(r.host, r.path, r.query) for r in replay.requests()]
    assert requests == [
        ("www.wattpad.com", "/api/v3/stories/3100", {}),
        *[
            ("www.wattpad.com", "/apiv2/storytext", {"id": [part]})
            for part in ("41001", "41002", "41003")
        ],
    ]
    assert all(r.headers["user-agent"].startswith("ficpress/") for r in replay.requests())


def test_a_wattpad_part_address_imports_its_whole_story(replay: Replay, tmp_path: Path) -> None:
    whole = import_story(WATTPAD_STORY, tmp_path / "a")
    part = import_story(WATTPAD_PART, tmp_path / "b")
    assert part.manuscript == whole.manuscript
    first = replay.requests()[len(replay.requests()) - 5]
    assert (first.path, first.query) == ("/v4/parts/41002", {"fields": ["group(id)"]})


def test_a_deleted_or_missing_wattpad_story_is_one_line_and_nothing_written(
    replay: Replay, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["import", "https://www.wattpad.com/story/3200-gone-tomorrow", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err == (
        "https://www.wattpad.com/story/3200: error: the story was deleted from Wattpad\n"
    )
    assert main(["import", "https://www.wattpad.com/story/9999", "-o", str(out)]) == 2
    assert capsys.readouterr().err == (
        "https://www.wattpad.com/story/9999: error: not found (HTTP 404)\n"
    )
    assert main(["import", "https://www.wattpad.com/user/brinewriter", "-o", str(out)]) == 2
    assert "is not a Wattpad story or part address" in capsys.readouterr().err
    assert not out.exists()
    assert [r.path for r in replay.requests()] == ["/api/v3/stories/3200", "/api/v3/stories/9999"]


def test_a_quotev_story_imports_every_chapter_with_its_metadata(
    replay: Replay, tmp_path: Path
) -> None:
    result = import_story(QUOTEV_STORY, tmp_path)
    assert result.path.name == "the-night-market.md"
    story = scenes.split(manuscript.read(result.path))
    meta = story.meta
    assert (plain_text(meta.title), meta.author, meta.source) == (
        "The Night Market",
        "lanternmoth",
        QUOTEV_STORY,
    )
    assert meta.tags == ("reader-insert", "fantasy", "found family")
    assert meta.summary is not None and plain_text(meta.summary) == (
        "Every night the market opens when the last ferry comes in. You have a month's "
        "wages, a borrowed lantern, and nowhere else to be."
    )
    assert meta.date == "2022-04-15" and front(result.path)["status"] == "complete"
    titles = [plain_text(chapter.title) for chapter in story.chapters if chapter.title]
    assert titles == ["Lanterns", "The Glass Birds", "Home by the Ferry"]
    text = body(result.path)
    assert "And don't *breathe* on it." in text and "**All** of them cost asking" in text
    assert "\n\n~ ~ ~\n\n" in text
    assert "I love Kiri" not in text and "Favorite" not in text and "More" not in text
    assert [r.path for r in replay.requests()] == [
        "/story/801/The-Night-Market",
        "/story/801/The-Night-Market/1",
        "/story/801/The-Night-Market/2",
        "/story/801/The-Night-Market/3",
    ]


def test_a_quotev_chapter_address_gives_the_same_story_without_fetching_its_page_twice(
    replay: Replay, tmp_path: Path
) -> None:
    whole = import_story(QUOTEV_STORY, tmp_path / "a")
    count = len(replay.requests())
    chapter = import_story(f"{QUOTEV_STORY}/2", tmp_path / "b")
    assert chapter.manuscript == whole.manuscript
    assert [r.path for r in replay.requests()[count:]] == [
        "/story/801/The-Night-Market/2",
        "/story/801/The-Night-Market/1",
        "/story/801/The-Night-Market/3",
    ]


def test_wattpad_and_quotev_are_fetched_politely(replay: Replay, tmp_path: Path) -> None:
    options = FetchOptions(delay=0.2, backoff=0.01, cache=tmp_path / "polite")
    replay.queue("/apiv2/storytext", Answer(429, {"Retry-After": "1"}))
    import_address(WATTPAD_STORY, tmp_path / "a", options=options)
    import_address(QUOTEV_STORY, tmp_path / "a", options=options)
    for site in ("www.wattpad.com", "www.quotev.com"):
        times = [r.at for r in replay.requests() if r.host == site]
        assert all(later - earlier >= 0.19 for earlier, later in itertools.pairwise(times))
    statuses = [r.status for r in replay.requests("/apiv2/storytext")]
    assert statuses == [429, 200, 200, 200]
    again = import_address(WATTPAD_STORY, tmp_path / "a", force=True, options=options)
    assert all(r.status == 304 for r in replay.requests()[-4:])
    assert any("unchanged since the last import" in line for line in again.report)
    again = import_address(QUOTEV_STORY, tmp_path / "a", force=True, options=options)
    assert any("unchanged since the last import" in line for line in again.report)


def test_wattpad_and_quotev_stories_build_into_valid_epubs(replay: Replay, tmp_path: Path) -> None:
    books = []
    for address in (WATTPAD_STORY, QUOTEV_STORY):
        path = import_story(address, tmp_path / "manuscripts").path
        books += pipeline.build(path, formats=["epub"], out_dir=tmp_path / "dist").outputs
    results = run_epubcheck(books, tmp_path)
    assert {book.name: problems(found) for book, found in results.items()} == {
        book.name: [] for book in books
    }


def test_an_unreadable_api_answer_is_a_fetch_error(replay: Replay, tmp_path: Path) -> None:
    replay.queue("/api/v3/stories/3100", Answer(200, {"Content-Type": "text/html"}, b"<html>"))
    with pytest.raises(FetchError, match="not JSON"):
        import_address(WATTPAD_STORY, tmp_path)
    assert not list(tmp_path.glob("*.md"))

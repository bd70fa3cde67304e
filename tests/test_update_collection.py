"""`ficpress update COLLECTION.yaml`: a series or masterlist imported as a collection gains the
works posted since, in the list's order, and the user's edits to the collection file and the
manuscripts stay (against the local replay server, tests/replay.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from builder.cli import main
from tests.conftest import Epub, problems, run_epubcheck
from tests.replay import SITES as FIXTURES
from tests.replay import Answer, Replay

AO3 = "https://archiveofourown.org"
SERIES = f"{AO3}/series/700"
MASTERLIST = "https://moth-and-lantern.tumblr.com/post/910/masterlist"
MASTERLIST_PAGE = FIXTURES / "tumblr" / "moth-and-lantern" / "post" / "910.html"
SERIES_PAGE = FIXTURES / "ao3" / "series" / "700.html"
HTML = {"Content-Type": "text/html; charset=utf-8"}


def masterlist_with_two_new_posts() -> Answer:
    """The masterlist once its author has listed two more stories (both real posts)."""
    page = MASTERLIST_PAGE.read_text(encoding="utf-8")
    last = '<p><a href="https://www.tumblr.com/moth-and-lantern/913/paper-lanterns">'
    assert last in page
    added = (
        '<p><a href="/post/920/two-chairs">Two Chairs</a></p>\n'
        '<p><a href="https://moth-and-lantern.tumblr.com/post/901/the-lighthouse-keeper">'
        "The Lighthouse Keeper</a></p>\n"
    )
    end = page.index("</p>", page.index(last)) + len("</p>\n")
    return Answer(200, HTML, (page[:end] + added + page[end:]).encode("utf-8"))


def imported(address: str, folder: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    assert main(["import", address, "--out", str(folder)]) == 0
    capsys.readouterr()
    return folder / "collection.yaml"


def test_a_masterlist_gains_its_new_stories_and_the_users_edits_stay(
    replay: Replay, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "moth"
    collection = imported(MASTERLIST, folder, capsys)
    # The reader retitles the book, notes why, and puts the last story first.
    text = collection.read_text(encoding="utf-8")
    head = text[: text.index("stories:")]
    assert "title: Moth and Lantern — Masterlist\n" in head
    edited = head.replace(
        "title: Moth and Lantern — Masterlist", "title: Lantern Stories  # mine"
    ) + ("stories:\n- paper-lanterns.md\n- the-quiet-shift.md\n- salt-and-starlight.md\n")
    collection.write_text(edited, encoding="utf-8")
    order = ["paper-lanterns.md", "the-quiet-shift.md", "salt-and-starlight.md"]
    assert yaml.safe_load(edited)["stories"] == order
    shift = folder / "the-quiet-shift.md"
    shift_text = shift.read_text(encoding="utf-8").replace("---\n\n", "---\n\nMy note.\n\n", 1)
    shift.write_text(shift_text, encoding="utf-8")
    replay.queue("/post/910/masterlist", masterlist_with_two_new_posts())
    dist = tmp_path / "dist"
    argv = ["update", str(collection), "--build", "--format", "epub", "-o", str(dist)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "Tumblr masterlist" in out or "masterlist" in out.splitlines()[0].lower()
    for name in order:
        assert f"{folder / name}: no new chapters" in out
    assert f"{folder / 'two-chairs.md'}: new at the source (36 words); written" in out
    assert f"{folder / 'the-lighthouse-keeper.md'}: new at the source (78 words); written" in out
    assert out.splitlines()[-2] == "2 new stories (114 words)"
    # The collection file: the user's text as it was, the new stories after it, in order.
    text = collection.read_text(encoding="utf-8")
    assert text == edited + "- two-chairs.md\n- the-lighthouse-keeper.md\n"
    assert shift.read_text(encoding="utf-8") == shift_text
    [book] = sorted(dist.glob("*.epub"))
    parts = [label for depth, label, _ in Epub(book).nav_entries() if depth == 1]
    assert parts[1:-1] == [
        "Paper Lanterns",
        "The Quiet Shift",
        "Salt and Starlight",
        "Two Chairs",
        "The Lighthouse Keeper",
    ]
    found = run_epubcheck([book], tmp_path)[book]
    assert problems(found) == []
    # Next time the masterlist no longer lists them: they are reported and left.
    assert main(["update", str(collection)]) == 0
    out = capsys.readouterr().out
    assert f"{folder / 'two-chairs.md'}: no longer listed at {MASTERLIST}; left in place" in out
    assert f"{folder / 'two-chairs.md'}: no new chapters" in out  # its own post still is there
    assert "no new stories" in out
    assert collection.read_text(encoding="utf-8") == text
    assert (folder / "two-chairs.md").exists()


def test_a_series_update_keeps_a_flow_list_and_leaves_a_work_taken_out_by_the_user(
    replay: Replay, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "harbor"
    collection = imported(SERIES, folder, capsys)
    # The reader keeps only the first work, in a list of their own style.
    text = collection.read_text(encoding="utf-8")
    head = text[: text.index("stories:")]
    collection.write_text(head + "stories: [lanterns-over-the-harbor.md]  # for now\n", "utf-8")
    before = collection.read_text(encoding="utf-8")
    assert main(["update", str(collection)]) == 0
    out = capsys.readouterr().out
    assert "AO3 series 'Harbor Lights': 2 works" in out
    assert f"{folder / 'low-tide.md'}: in the folder but not in 'stories:'; left out" in out
    assert "no new stories" in out
    assert collection.read_text(encoding="utf-8") == before
    # Removed from the folder too: the series' work is new again, and joins the flow list.
    (folder / "low-tide.md").rename(tmp_path / "low-tide.md")
    assert main(["update", str(collection)]) == 0
    out = capsys.readouterr().out
    assert "1 new story (" in out
    assert collection.read_text(encoding="utf-8") == head + (
        "stories: [lanterns-over-the-harbor.md, low-tide.md]  # for now\n"
    )
    # A work the series page no longer lists is reported and left.
    series = SERIES_PAGE.read_text(encoding="utf-8")
    start = series.index('<li id="work_5002"')
    end = series.index("</li>", series.index('<dd class="chapters">', start)) + len("</li>")
    replay.queue("/series/700", Answer(200, HTML, (series[:start] + series[end:]).encode()))
    assert main(["update", str(collection)]) == 0
    out = capsys.readouterr().out
    assert f"{folder / 'low-tide.md'}: no longer listed at {SERIES}; left in place" in out
    assert f"{folder / 'low-tide.md'}: no new chapters" in out
    # ...and when the work itself is gone, that is said and the manuscript left too.
    replay.queue("/series/700", Answer(200, HTML, (series[:start] + series[end:]).encode()))
    replay.queue("/works/5002", Answer(404, {"Content-Type": "text/plain"}, b"not found"))
    low_tide = (folder / "low-tide.md").read_bytes()
    assert main(["update", str(collection)]) == 0
    out = capsys.readouterr().out
    assert f"{folder / 'low-tide.md'}: {AO3}/works/5002: error:" in out
    assert (folder / "low-tide.md").read_bytes() == low_tide


def test_a_collection_that_cannot_be_updated_is_one_error_and_nothing_written(
    replay: Replay, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "moth"
    collection = imported(MASTERLIST, folder, capsys)
    files = {path: path.read_bytes() for path in folder.iterdir()}
    no_source = collection.read_text(encoding="utf-8").replace(f"source: {MASTERLIST}\n", "")
    collection.write_text(no_source, encoding="utf-8")
    assert main(["update", str(collection)]) == 2
    captured = capsys.readouterr()
    assert captured.err == (
        f"{collection}: error: does not say which series or masterlist it was imported from "
        "('source:' with its web address); add it, or update each story's manuscript\n"
    )
    # A story imported before ficpress kept chapter fingerprints: an error; the others go on.
    collection.write_bytes(files[collection])
    shift = folder / "the-quiet-shift.md"
    old = shift.read_text(encoding="utf-8")
    old = old[: old.index("chapter_ids:")] + old[old.index("---\n", 4) :]
    shift.write_text(old, encoding="utf-8")
    assert main(["update", str(collection)]) == 2
    captured = capsys.readouterr()
    assert captured.err == (
        f"{shift}: error: does not say which chapters it has ('chapter_ids:'); import its "
        "link again (ficpress import URL --force) to start updating it\n"
    )
    assert f"{folder / 'paper-lanterns.md'}: no new chapters" in captured.out
    shift.write_bytes(files[shift])
    # The masterlist is gone upstream: nothing is written, not even the stories' updates.
    collection.write_bytes(files[collection])
    replay.queue("/post/910/masterlist", Answer(404, {"Content-Type": "text/plain"}, b"gone"))
    replay.queue("/post/910/masterlist", Answer(404, {"Content-Type": "text/plain"}, b"gone"))
    assert main(["update", str(collection)]) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and captured.err.startswith(f"{MASTERLIST}: error:")
    assert "Traceback" not in captured.err
    assert {path: path.read_bytes() for path in folder.iterdir()} == files


def test_a_series_that_gains_a_members_only_work_adds_it_once_cookies_allow(
    replay: Replay, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "harbor"
    collection = imported(SERIES, folder, capsys)
    before = collection.read_text(encoding="utf-8")
    series = SERIES_PAGE.read_text(encoding="utf-8")
    start = series.index('<li id="work_5002"')
    end = series.index("</li>", series.index('<dd class="chapters">', start)) + len("</li>")
    blurb = series[start:end].replace("5002", "5003").replace("Low Tide", "Harbor After Dark")
    gained = (series[:end] + "\n" + blurb + series[end:]).encode("utf-8")
    # Without a logged-in session the new work cannot be read: said, and nothing added.
    replay.queue("/series/700", Answer(200, HTML, gained))
    assert main(["update", str(collection)]) == 0
    out = capsys.readouterr().out
    assert "AO3 series 'Harbor Lights': 3 works" in out
    assert f"skipped: {AO3}/works/5003: error: this work is only available to registered" in out
    assert out.splitlines()[-1] == "no new stories"
    assert collection.read_text(encoding="utf-8") == before
    cookies = tmp_path / "cookies.txt"
    cookies.write_text(
        "# Netscape HTTP Cookie File\n"
        ".archiveofourown.org\tTRUE\t/\tTRUE\t4102444800\t_otwarchive_session\tlogged-in-reader\n",
        encoding="utf-8",
    )
    replay.queue("/series/700", Answer(200, HTML, gained))
    assert main(["update", str(collection), "--cookies", str(cookies)]) == 0
    out = capsys.readouterr().out
    new = folder / "harbor-after-dark.md"
    assert f"{new}: new at the source (45 words); written" in out
    assert out.splitlines()[-1] == "1 new story (45 words)"
    assert collection.read_text(encoding="utf-8") == before + "- harbor-after-dark.md\n"
    fields = yaml.safe_load(new.read_text(encoding="utf-8").split("---\n")[1])
    assert (fields["source"], fields["series"]) == (f"{AO3}/works/5003", "Harbor Lights")

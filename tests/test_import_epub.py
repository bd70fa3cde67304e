"""`ficpress import book.epub`: ficpress's own EPUBs come back word for word, an EPUB in AO3's
download layout (Calibre's split of AO3's HTML download) keeps its metadata and notes, and
FanFicFare's title page stays out of the story."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from builder import pipeline
from builder.cli import main
from builder.importers import import_story
from builder.stages import manuscript, scenes
from builder.stages.inline import plain_text
from tests.conftest import problems, run_epubcheck

FIXTURES = Path(__file__).parent / "fixtures" / "epub"
STORY = """---
title: The Lamplighter's Apprentice
author: moth-and-lantern
language: en
fandom: Original Work
pairing: Lamplighter/Reader
rating: General Audiences
characters:
  - Aurel
  - Reader
credits:
  - moth-and-lantern.tumblr.com
tags:
  - Reader-Insert
  - Apprenticeship
summary: Y/N learns to light the city's lamps from a man who talks to each one.
source: https://moth-and-lantern.tumblr.com/post/920
---

# Chapter One: Dusk

The first lamp on Cinder Street was the oldest, and Aurel always lit it last. "It likes to
watch the others go first," he said, as if that were an ordinary thing to say about a lamp.

You held the ladder. You did *not* laugh, which he seemed to notice, and to like.

* * *

By the tenth lamp your arms ached and your coat smelled of **oil** and smoke -- and you had
learned that the lamps on the north side were "shy" and the lamps by the river were 'proud'.

# Chapter Two: Dawn

Putting them out was harder. Aurel said a word to each before he did it; you could not hear
the words, only the tone, which was the tone people use at doorways.

-- (Three weeks later)

"Your turn," he said at the oldest lamp, and handed you the snuffer. Y/N, said the brass
plate under it, newly engraved. It had been there, you found out later, for three weeks.
"""


def words(text: str) -> list[str]:
    """The words of a manuscript's body, whatever typography did to the marks between."""
    return re.findall(r"\w+", text.split("\n---\n", 1)[1])


def pack(folder: Path, out: Path) -> Path:
    """The EPUB a fixture folder holds: `mimetype` first and stored, as EPUB requires."""
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", (folder / "mimetype").read_bytes(), zipfile.ZIP_STORED)
        for file in sorted(folder.rglob("*")):
            if file.is_file() and file.name != "mimetype":
                archive.write(file, file.relative_to(folder).as_posix(), zipfile.ZIP_DEFLATED)
    return out


def test_a_ficpress_epub_imports_back_with_every_word(tmp_path: Path) -> None:
    source = tmp_path / "lamplighter.md"
    source.write_text(STORY, encoding="utf-8")
    (book,) = pipeline.build(source, formats=["epub"], out_dir=tmp_path / "dist").outputs
    result = import_story(book, tmp_path / "back")
    assert result.report[0].startswith(f"read {book} as EPUB")
    assert words(result.manuscript) == words(STORY)
    original = scenes.split(manuscript.read(source))
    imported = scenes.split(manuscript.read(result.path))
    assert [plain_text(c.title) for c in imported.chapters if c.title] == [
        "Chapter One: Dusk",
        "Chapter Two: Dawn",
    ]
    assert [len(c.scenes) for c in imported.chapters] == [len(c.scenes) for c in original.chapters]
    assert [plain_text(s.caption) for c in imported.chapters for s in c.scenes if s.caption] == [
        "Three weeks later"
    ]
    text = result.manuscript
    assert "You did *not* laugh" in text and "**oil**" in text
    meta = imported.meta
    assert (plain_text(meta.title), meta.author, meta.language) == (
        "The Lamplighter\u2019s Apprentice",  # as the book printed it
        "moth-and-lantern",
        "en",
    )
    # The OPF's subjects mix fandom and pairing into the tags; ficpress's title page tells
    # them apart, and its credits page lists the credits.
    assert meta.tags == ("Reader-Insert", "Apprenticeship")
    assert (meta.fandom, meta.pairing, meta.rating) == (
        "Original Work",
        "Lamplighter/Reader",
        "General Audiences",
    )
    assert meta.characters == ("Aurel", "Reader")
    assert meta.credits == ("moth-and-lantern.tumblr.com",)
    assert meta.source == "https://moth-and-lantern.tumblr.com/post/920"
    assert meta.summary is not None and plain_text(meta.summary).startswith("Y/N learns")
    # Pages ficpress adds around the story (title page, contents, credits) stay out of it.
    assert "Contents" not in text and "First posted at" not in text


def test_an_ao3_epub_keeps_its_metadata_and_notes_apart(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = pack(FIXTURES / "ao3-5004", tmp_path / "The_Keepers_Ledger.epub")
    assert main(["import", str(book), "-o", str(tmp_path / "out")]) == 0
    assert "as AO3 EPUB" in capsys.readouterr().out
    path = tmp_path / "out" / "the-keepers-ledger.md"
    story = scenes.split(manuscript.read(path))
    meta = story.meta
    assert (plain_text(meta.title), meta.author) == ("The Keeper's Ledger", "tidewriter")
    assert (meta.fandom, meta.pairing, meta.rating) == (
        "Original Work",
        "Harbor Master/Reader",
        "Teen And Up Audiences",
    )
    assert meta.warnings == ("No Archive Warnings Apply",)
    assert meta.characters == ("Harbor Master", "Reader")
    assert meta.tags == ("Reader-Insert", "Letters")
    assert meta.summary is not None and plain_text(meta.summary) == (
        "Y/N finds the old keeper's ledger in the lamp room. The last page is addressed to her."
    )
    assert (meta.date, meta.language, meta.source) == (
        "2022-01-08",
        "en",
        "https://archiveofourown.org/works/5004",
    )
    fields = path.read_text(encoding="utf-8")
    assert "series: Harbor Lights\nseries_index: 3\n" in fields
    assert meta.credits == ()  # the notes are author's notes, where the author put them
    notes = [line for line in fields.strip().split("\n\n") if line.startswith("A/N: ")]
    assert notes == [
        'A/N: For the prompt "a letter found too late".',
        "A/N: The lighthouse is loosely based on one I visited as a kid.",
        "A/N: Next chapter is the last one!",
        "A/N: Thank you for reading the whole series.",
    ]
    titles = [plain_text(chapter.title) for chapter in story.chapters if chapter.title]
    assert titles == ["Chapter 1: The Lamp Room", "Chapter 2: The Last Page"]
    assert [len(chapter.scenes) for chapter in story.chapters] == [2, 1]
    body = fields.split("\n---\n", 1)[1]
    assert body.startswith("\n# Chapter 1: The Lamp Room\n\nA/N: For the prompt")
    assert "\n\nThe ledger was under the oil cans" in body
    assert "*To Y/N, who will.*" in body and "**To whoever keeps the light after me**" in body
    for chrome in ("Preface", "Afterword", "Posted originally", "drop by the Archive", "Notes"):
        assert chrome not in body


def test_a_fanficfare_epub_leaves_its_title_page_out(tmp_path: Path) -> None:
    book = pack(FIXTURES / "fanficfare-quotev", tmp_path / "night-market.epub")
    result = import_story(book, tmp_path / "out")
    story = scenes.split(manuscript.read(result.path))
    meta = story.meta
    assert (plain_text(meta.title), meta.author, meta.date) == (
        "The Night Market",
        "lanternmoth",
        "2022-04-15",  # the publication date, not the creation or modification date
    )
    assert (meta.source, meta.tags) == (
        "https://www.quotev.com/story/801",
        ("Fantasy", "reader-insert"),
    )
    assert meta.summary is not None and plain_text(meta.summary) == (
        "Every night the market opens when the last ferry comes in. You have a month's wages."
    )
    fields = result.manuscript.split("\n---\n", 1)[0]
    assert "series: Market Nights\nseries_index: 2\n" in fields and "status: complete" in fields
    titles = [plain_text(chapter.title) for chapter in story.chapters if chapter.title]
    assert titles == ["Lanterns", "The Glass Birds"]
    body = result.manuscript.split("\n---\n", 1)[1]
    assert "Status:" not in body and "by lanternmoth" not in body
    assert "don't *breathe* on it" in body and "\n\n~ ~ ~\n\n" in body


def test_imported_epubs_build_into_valid_epubs(tmp_path: Path) -> None:
    source = tmp_path / "lamplighter.md"
    source.write_text(STORY, encoding="utf-8")
    (ours,) = pipeline.build(source, formats=["epub"], out_dir=tmp_path / "first").outputs
    ao3 = pack(FIXTURES / "ao3-5004", tmp_path / "ao3.epub")
    fff = pack(FIXTURES / "fanficfare-quotev", tmp_path / "fff.epub")
    books = []
    for epub in (ours, ao3, fff):
        path = import_story(epub, tmp_path / "manuscripts").path
        books += pipeline.build(path, formats=["epub"], out_dir=tmp_path / "dist").outputs
    results = run_epubcheck(books, tmp_path)
    assert {book.name: problems(found) for book, found in results.items()} == {
        book.name: [] for book in books
    }


def test_a_broken_epub_is_one_line_and_nothing_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.epub"
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("mimetype", "application/epub+zip")
        archive.writestr("META-INF/container.xml", "<container><rootfiles/></container>")
    assert main(["import", str(broken), "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err == f"{broken}: error: is not a valid EPUB: its container names no OPF\n"
    not_zip = tmp_path / "not.epub"
    not_zip.write_bytes(b"PK\x03\x04 not really")
    assert main(["import", str(not_zip), "-o", str(tmp_path / "out")]) == 2
    assert "is not a readable EPUB" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()

"""Navigation as readers see it: the table of contents (EPUB nav, NCX, PDF outline), the
hidden landmarks, and how scenes are laid out in documents."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from builder import pipeline
from builder.editions import EditionOptions
from tests.conftest import NS, ROOT, Epub, problems, run_epubcheck

CHAPTERS = ROOT / "tests" / "cases" / "chapters" / "input"
MUTOOL = shutil.which("mutool")
SIX_INCH = ("-W", "257", "-H", "347", "-S", "10")
"""MuPDF's page for an EPUB: a Kobo Clara's 1072x1448 pixels at 300 dpi in points, 10 pt type."""
WAKE_UP = """---
title: Morning
language: en
---

# One

The alarm rang twice.

* * *

"Wake up, Y/N." Someone shook the bed.

* * *

It was the longest morning she had ever had in her whole life, and it was not over.

# Two

Only one scene here.
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("navigation")
    story = out / "morning.md"
    story.write_text(WAKE_UP, encoding="utf-8")
    books: dict[str, Path] = {}
    for name, source, reader, assignments, scenes in (
        ("chapters", CHAPTERS / "story.md", CHAPTERS / "reader.toml", (), "separate"),
        ("alex", story, None, ("Y/N=Alex",), "separate"),
        ("sam", story, None, ("Y/N=Sam",), "separate"),
        ("inline", CHAPTERS / "story.md", CHAPTERS / "reader.toml", (), "inline"),
        ("alex-inline", story, None, ("Y/N=Alex",), "inline"),
    ):
        result = pipeline.build(
            source,
            formats=["epub", "kepub"] if scenes == "inline" else ["epub", "kepub", "pdf"],
            out_dir=out / name,
            reader_file=reader,
            assignments=assignments,
            options=EditionOptions(scenes=scenes),
        )
        for path in result.outputs:
            books[f"{name}{''.join(path.suffixes)}"] = path
    return books


def test_every_book_validates(built: dict[str, Path], tmp_path: Path) -> None:
    epubs = [path for key, path in built.items() if key.endswith(".epub")]
    results = run_epubcheck(epubs, tmp_path)
    assert {path.name: problems(results[path]) for path in epubs} == {p.name: [] for p in epubs}


def test_landmarks_stay_out_of_the_reading_order(built: dict[str, Path]) -> None:
    for key in ("chapters.epub", "chapters.kepub.epub"):
        book = Epub(built[key])
        linear = book.opf.xpath("//opf:itemref[@idref='nav']/@linear", namespaces=NS)
        assert linear == ["no"], key
        landmarks = book.document("nav.xhtml").xpath(
            "//xhtml:nav[@epub:type='landmarks']", namespaces=NS
        )[0]
        assert landmarks.get("hidden") == "hidden" and landmarks.get("class") == "landmarks"


@pytest.mark.skipif(MUTOOL is None, reason="MuPDF's mutool is not installed")
@pytest.mark.parametrize("key", ["chapters.epub", "chapters.kepub.epub"])
def test_a_reader_that_ignores_hidden_shows_no_landmarks(built: dict[str, Path], key: str) -> None:
    # MuPDF ignores both `hidden` and `linear="no"`: it shows every spine document, the nav
    # included, as a page; only the stylesheet keeps the landmarks off it.
    shown = subprocess.run(
        [str(MUTOOL), "draw", "-F", "txt", "-o", "-", str(built[key])],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Contents" in shown and "Amber eyes watched the road" in shown
    assert "Landmarks" not in shown and "Start of story" not in shown


def test_ncx_depth_is_the_depth_of_the_table_of_contents(built: dict[str, Path]) -> None:
    for key, depth in (("chapters.epub", 2), ("alex.epub", 2)):
        book = Epub(built[key])
        ncx = book.files[book.base + "toc.ncx"].decode("utf-8")
        assert f'<meta content="{depth}" name="dtb:depth"/>' in ncx
        assert max(entry[0] for entry in book.ncx_entries()) == depth


def test_a_chapter_is_not_its_own_first_child(built: dict[str, Path]) -> None:
    book = Epub(built["chapters.epub"])
    expected = [
        (1, "Title page", "titlepage.xhtml"),
        (1, "The First Snow", "chapter-01-scene-01.xhtml"),
        (2, "Amber eyes watched the road\u2060\u200a\u2060… nothing…", "chapter-01-scene-02.xhtml"),
        (2, "Later that night", "chapter-01-scene-03.xhtml"),
        (1, "Marie’s Thaw", "chapter-02-scene-01.xhtml"),
        (2, "Years later", "chapter-02-scene-02.xhtml"),
    ]
    assert book.nav_entries() == expected
    assert book.ncx_entries() == expected


@pytest.mark.parametrize("reader", ["alex", "sam"])
def test_an_uncaptioned_scene_is_labelled_by_its_opening_words(
    built: dict[str, Path], reader: str
) -> None:
    name = reader.capitalize()
    labels = [
        "Title page",
        "One",
        f"“Wake up, {name}.”…",
        "It was the longest morning she…",
        "Two",
    ]
    for key in (f"{reader}.epub", f"{reader}.kepub.epub"):
        book = Epub(built[key])
        assert [label for _, label, _ in book.nav_entries()] == labels
        assert [label for _, label, _ in book.ncx_entries()] == labels
        section = book.document("chapter-01-scene-02.xhtml").xpath(
            "//xhtml:section[@id='scene-1-2']", namespaces=NS
        )[0]
        assert section.get("aria-label") == labels[2]

    def titles(items: list) -> list:  # type: ignore[type-arg]
        return [titles(item) if isinstance(item, list) else item.title for item in items]

    outline = titles(PdfReader(built[f"{reader}.pdf"]).outline)
    assert outline == ["Title page", "One", labels[2:4], "Two"]


def words(text: str) -> list[str]:
    return text.split()


@pytest.mark.parametrize(("separate", "inline"), [("chapters", "inline"), ("alex", "alex-inline")])
def test_scenes_inline_is_one_document_per_chapter_with_the_same_text(
    built: dict[str, Path], separate: str, inline: str
) -> None:
    for suffix in (".epub", ".kepub.epub"):
        apart, together = Epub(built[separate + suffix]), Epub(built[inline + suffix])
        documents = [href for href in together.spine if href.startswith("chapter-")]
        assert documents == ["chapter-01.xhtml", "chapter-02.xhtml"]
        assert words(together.all_text()) == words(apart.all_text())
        # The same entries, each pointing at its scene's section inside the chapter.
        entries = together.nav_entries()
        assert [entry[:2] for entry in entries] == [entry[:2] for entry in apart.nav_entries()]
        assert together.ncx_entries() == entries
        for _, _, href in entries:
            document, _, fragment = href.partition("#")
            assert document in together.spine
            if fragment:
                assert together.document(document).xpath(f"//*[@id='{fragment}']")
        later = [href for depth, _, href in entries if depth == 2]
        assert later and all("#scene-" in href for href in later)


@pytest.mark.skipif(MUTOOL is None, reason="MuPDF's mutool is not installed")
def test_scenes_inline_saves_page_turns_on_a_six_inch_screen(
    built: dict[str, Path], tmp_path: Path
) -> None:
    pages = {}
    for key in ("chapters.epub", "inline.epub"):
        pdf = tmp_path / f"{key}.pdf"
        subprocess.run(
            [str(MUTOOL), "convert", *SIX_INCH, "-o", str(pdf), str(built[key])],
            capture_output=True,
            check=True,
        )
        pages[key] = len(PdfReader(pdf).pages)
    # Cover, title page and contents, then: 3 + 2 scene documents apart, 2 chapters inline.
    assert pages == {"chapters.epub": 3 + 5, "inline.epub": 3 + 2}


@pytest.mark.skipif(shutil.which("ebook-convert") is None, reason="Calibre is not installed")
def test_the_azw3_reading_order_has_no_landmarks(tmp_path: Path) -> None:
    result = pipeline.build(
        CHAPTERS / "story.md",
        formats=["azw3"],
        out_dir=tmp_path,
        reader_file=CHAPTERS / "reader.toml",
    )
    # Calibre reads its own AZW3 back as the Kindle would: every document is in the reading
    # order (MOBI has no non-linear ones).
    back = tmp_path / "back.epub"
    subprocess.run(
        ["ebook-convert", str(result.outputs[0]), str(back)], capture_output=True, check=True
    )
    book = Epub(back)
    shown = book.all_text()
    assert "Contents" in shown and "Amber eyes watched the road" in shown
    assert "Landmarks" not in shown and "Start of story" not in shown
    guide = book.opf.xpath("//opf:guide/opf:reference/@type", namespaces=NS)
    assert sorted(guide) == ["cover", "text", "toc"]

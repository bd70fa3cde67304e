"""A long book's PDF is laid out in parts, in parallel, and joined: the joined file must read
exactly like a single pass (pages, printed page numbers and headers, outline, page labels,
metadata, named destinations, tags), and must not depend on how many processes ran it."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from pypdf import PdfReader

from builder import pipeline
from builder.editions import EDITIONS, EditionOptions
from builder.editions.pdf import parts as pdf_parts
from builder.editions.pdf import processes
from builder.errors import EditionError
from builder.model import BookHtml
from builder.profile import resolve
from tests.conftest import ROOT

STORY = ROOT / "tests" / "cases" / "chapters" / "input"


def three_chapters(folder: Path) -> Path:
    """The chapters case with a third chapter long enough to run over several pages."""
    text = (STORY / "story.md").read_text(encoding="utf-8")
    paragraph = "Y/N counted the snowflakes and lost count again. " * 12
    long_chapter = "\n\n".join([paragraph] * 14)
    path = folder / "three.md"
    path.write_text(f"{text}\n\n# The Third Chapter\n\n{long_chapter}\n", encoding="utf-8")
    return path


def pdf(path: Path, *, parts: bool, workers: int = 2) -> bytes:
    pipeline._templates.clear()
    template = pipeline.compile(path)
    profile = resolve(template.codes, ["Y/N=Alex"], STORY / "reader.toml")
    options = EditionOptions(pdf_workers=workers)
    if not parts:
        return pipeline.personalise(template, profile, EDITIONS["pdf"], options)
    # Make a short book take the parallel path: one part per chapter.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pdf_parts, "PARALLEL_MIN_CHARS", 0)
        patch.setattr(pdf_parts, "CHARS_PER_PART", 1)
        return pipeline.personalise(template, profile, EDITIONS["pdf"], options)


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, PdfReader]:
    path = three_chapters(tmp_path_factory.mktemp("parallel"))
    made = {
        "single": pdf(path, parts=False),
        "parallel": pdf(path, parts=True, workers=2),
        "in-process": pdf(path, parts=True, workers=1),
    }
    assert made["parallel"] == made["in-process"]
    assert pikepdf.open(io.BytesIO(made["parallel"])).check_pdf_syntax() == []
    return {name: PdfReader(io.BytesIO(data)) for name, data in made.items()}


def outline(reader: PdfReader, items: list[Any] | None = None) -> list[Any]:
    found: list[Any] = []
    for item in reader.outline if items is None else items:
        if isinstance(item, list):
            found.append(outline(reader, item))
        else:
            found.append(
                (
                    item.title,
                    reader.get_destination_page_number(item),
                    item.get("/Left"),
                    item.get("/Top"),
                    item.get("/Count", 0) >= 0,
                )
            )
    return found


def structure(reader: PdfReader) -> list[list[tuple[str, int | None]]]:
    """Per page, the structure elements its marked content belongs to (via the parent tree)."""
    tree: Any = reader.trailer["/Root"]["/StructTreeRoot"]
    nums = tree["/ParentTree"]["/Nums"]
    by_key = {int(nums[i]): nums[i + 1].get_object() for i in range(0, len(nums), 2)}
    pages = []
    for page in reader.pages:
        elements = [element.get_object() for element in by_key[page["/StructParents"]]]
        pages.append(
            [
                (
                    str(element["/S"]),
                    reader.get_page_number(element["/Pg"]) if "/Pg" in element else None,
                )
                for element in elements
            ]
        )
    return pages


def test_the_book_is_kept_in_pieces_cut_between_chapters(tmp_path: Path) -> None:
    book = pipeline.compile(three_chapters(tmp_path)).book
    assert len(book.chapters) == 3
    assert book.head.endswith('<body class="chapters">')
    assert book.front.count('class="titlepage"') == 1 and 'class="credits"' not in book.back
    assert all(chapter.startswith('\n<section id="chapter-') for chapter in book.chapters)
    assert book.tail.strip() == "</body>\n</html>"
    assert pdf_parts.plan(book) == [range(3)]  # short: one pass
    halves = [
        book.html(range(0, 2), first=True, last=False),
        book.html(range(2, 3), first=False, last=True),
    ]
    assert halves[0].count('<section id="chapter-') == 2 and "titlepage" in halves[0]
    assert halves[1].count('<section id="chapter-') == 1 and "titlepage" not in halves[1]
    assert book.html() == book.html(range(3))


def test_a_novel_is_planned_in_balanced_parts() -> None:
    chapters = tuple("x" * size for size in [40_000] * 30)
    book = BookHtml("<body>", "", chapters, "", "</body>")
    planned = pdf_parts.plan(book)
    assert len(planned) == pdf_parts.MAX_PARTS
    assert max(map(len, planned)) - min(map(len, planned)) <= 1
    assert [i for part in planned for i in part] == list(range(30))


def test_same_pages_text_and_numbers(books: dict[str, PdfReader]) -> None:
    single, joined = books["single"], books["parallel"]
    assert len(joined.pages) == len(single.pages) > 6
    for number, (ours, theirs) in enumerate(zip(joined.pages, single.pages, strict=True)):
        # The text includes the running header and the printed page number.
        assert ours.extract_text() == theirs.extract_text(), number
        assert ours.mediabox == theirs.mediabox


def test_same_outline_labels_and_destinations(books: dict[str, PdfReader]) -> None:
    single, joined = books["single"], books["parallel"]
    assert outline(joined) == outline(single)
    assert joined.page_labels == single.page_labels
    assert joined.named_destinations.keys() == single.named_destinations.keys()
    for name, destination in single.named_destinations.items():
        assert joined.get_destination_page_number(
            joined.named_destinations[name]
        ) == single.get_destination_page_number(destination)


def test_same_metadata_and_tags(books: dict[str, PdfReader]) -> None:
    single, joined = books["single"], books["parallel"]
    assert joined.metadata == single.metadata
    assert joined.pdf_header == single.pdf_header
    # The first half of /ID is the edition's identifier; the second identifies the bytes.
    assert joined.trailer["/ID"][0] == single.trailer["/ID"][0]
    root: Any = joined.trailer["/Root"]
    expected: Any = single.trailer["/Root"]
    for key in ("/Lang", "/MarkInfo", "/ViewerPreferences"):
        assert root[key] == expected[key]
    assert root["/Metadata"].get_data() == expected["/Metadata"].get_data()
    assert structure(joined) == structure(single)
    links = [
        annotation.get_object()["/A"]["/URI"]
        for page in joined.pages
        for annotation in page.get("/Annots", [])
    ]
    assert links == [
        annotation.get_object()["/A"]["/URI"]
        for page in single.pages
        for annotation in page.get("/Annots", [])
    ]


def broken(html: str, css: str, identifier: bytes) -> bytes:
    raise ValueError("no layout today")


def test_a_failing_part_is_an_edition_error() -> None:
    layout = pdf_parts.Layout(("<p>a</p>", "<p>b</p>"), ("", ""), b"id", workers=2)
    with pytest.raises(EditionError, match="a PDF part failed: ValueError: no layout today"):
        processes.render_parts(layout, broken)


def crash(html: str, css: str, identifier: bytes) -> bytes:
    os._exit(3)


def test_a_crashed_part_is_an_edition_error_not_a_hang() -> None:
    layout = pdf_parts.Layout(("<p>a</p>", "<p>b</p>"), ("", ""), b"id", workers=2)
    with pytest.raises(EditionError, match=r"ficpress-pdf-\d stopped \(exit status 3\)"):
        processes.render_parts(layout, crash)

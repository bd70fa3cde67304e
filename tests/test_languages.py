"""The German, French, Arabic and Japanese sample stories (tests/cases/*-letter) in every format:
EPUB and KEPUB pass EPUBCheck and DAISY Ace, every book speaks its language, and the Arabic
one reads right to left in the EPUB, the KEPUB, the PDF and the AZW3."""

from __future__ import annotations

import struct
from pathlib import Path

import pypdf
import pytest

from builder import pipeline
from builder.editions import azw3
from builder.editions.pages import page_css, preset
from builder.i18n import labels
from tests.conftest import NS, Epub, problems, run_epubcheck
from tests.test_accessibility import ACE, ace_violations
from tests.test_golden import CASES_DIR

LANGUAGES = {"de-letter": "de", "fr-letter": "fr", "ar-letter": "ar", "ja-letter": "ja"}
FORMATS = ["epub", "kepub", "pdf"] + (["azw3"] if azw3.converter() else [])
PAGE_PROGRESSION = 527
"""The EXTH record Kindle reads the page progression direction from."""


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Path]]:
    """Each sample story built in every format, with its reader file: {case: {format: path}}."""
    out = tmp_path_factory.mktemp("languages")
    built = {}
    for case in LANGUAGES:
        source = CASES_DIR / case / "input"
        result = pipeline.build(
            source / "story.md",
            formats=FORMATS,
            out_dir=out / case,
            reader_file=source / "reader.toml",
        )
        built[case] = dict(zip(FORMATS, result.outputs, strict=True))
    return built


def test_every_sample_epub_and_kepub_passes_epubcheck(
    books: dict[str, dict[str, Path]], tmp_path: Path
) -> None:
    epubs = [formats[name] for formats in books.values() for name in ("epub", "kepub")]
    results = run_epubcheck(epubs, tmp_path)
    assert {str(book): problems(results[book]) for book in epubs} == {
        str(book): [] for book in epubs
    }


@pytest.mark.skipif(ACE is None, reason="DAISY Ace (npm @daisy/ace) and Chromium are not installed")
@pytest.mark.parametrize("case", LANGUAGES)
@pytest.mark.parametrize("edition", ["epub", "kepub"])
def test_ace_finds_no_violations_in_any_language(
    books: dict[str, dict[str, Path]], case: str, edition: str, tmp_path: Path
) -> None:
    assert ace_violations(books[case][edition], tmp_path / "ace") == []


def html_directions(book: Epub) -> dict[str, tuple[str | None, str | None]]:
    """Each XHTML document's root `dir` and `xml:lang`."""
    roots = {
        name: Epub.document(book, name.removeprefix(book.base))
        for name in book.files
        if name.endswith(".xhtml")
    }
    xml_lang = "{http://www.w3.org/XML/1998/namespace}lang"
    return {name: (root.get("dir"), root.get(xml_lang)) for name, root in roots.items()}


def spine_direction(book: Epub) -> str | None:
    spine = book.opf.xpath("//opf:spine", namespaces=NS)[0]
    value = spine.get("page-progression-direction")
    return None if value is None else str(value)


def exth(book: bytes, wanted: int) -> bytes | None:
    start = book.find(b"EXTH")
    count = struct.unpack_from(">I", book, start + 8)[0]
    offset = start + 12
    for _ in range(count):
        kind, length = struct.unpack_from(">II", book, offset)
        if kind == wanted:
            return book[offset + 8 : offset + length]
        offset += length
    return None


@pytest.mark.parametrize("edition", ["epub", "kepub"])
def test_the_arabic_story_reads_right_to_left_in_epub_and_kepub(
    books: dict[str, dict[str, Path]], edition: str
) -> None:
    book = Epub(books["ar-letter"][edition])
    directions = html_directions(book)
    assert len(directions) == 7  # cover, nav, title page, three scenes, credits
    assert set(directions.values()) == {("rtl", "ar")}
    assert spine_direction(book) == "rtl"
    assert book.opf.get("dir") == "rtl"
    # The reader's left-to-right name is isolated from the Arabic around it.
    scene = book.document("chapter-01-scene-01.xhtml")
    isolated = [
        "".join(bdi.itertext()) for bdi in scene.xpath("//xhtml:p//xhtml:bdi", namespaces=NS)
    ]
    assert isolated == ["Alex", "الأسود"]
    first = scene.xpath("//xhtml:p", namespaces=NS)[0]
    assert "".join(first.itertext()).startswith("كان المطر يطرق نوافذ المكتبة حين دخلت Alex،")


@pytest.mark.parametrize("case", ["de-letter", "fr-letter", "ja-letter"])
def test_left_to_right_stories_say_nothing_of_direction(
    books: dict[str, dict[str, Path]], case: str
) -> None:
    for edition in ("epub", "kepub"):
        book = Epub(books[case][edition])
        assert {direction for direction, _ in html_directions(book).values()} == {None}
        assert spine_direction(book) is None
        assert b"<bdi>" not in b"".join(book.files.values())
    assert "/Direction" not in pypdf.PdfReader(books[case]["pdf"]).trailer["/Root"].get(
        "/ViewerPreferences", {}
    )


def test_the_arabic_pdf_turns_pages_right_to_left(books: dict[str, dict[str, Path]]) -> None:
    pdf = pypdf.PdfReader(books["ar-letter"]["pdf"])
    assert pdf.trailer["/Root"]["/ViewerPreferences"]["/Direction"] == "/R2L"


def test_a_right_to_left_page_is_bound_on_the_right() -> None:
    a5 = preset("a5")
    top, outer, bottom, inner = a5.margin
    assert outer != inner
    assert f"margin: {top}mm {outer}mm {bottom}mm {inner}mm;" in page_css(a5)
    assert f"margin: {top}mm {inner}mm {bottom}mm {outer}mm;" in page_css(a5, "rtl")


@pytest.mark.skipif(not azw3.converter(), reason="Calibre's ebook-convert is not installed")
def test_the_arabic_azw3_keeps_its_page_progression(books: dict[str, dict[str, Path]]) -> None:
    assert exth(books["ar-letter"]["azw3"].read_bytes(), PAGE_PROGRESSION) == b"rtl"
    assert exth(books["de-letter"]["azw3"].read_bytes(), PAGE_PROGRESSION) is None


@pytest.mark.parametrize("case", LANGUAGES)
def test_the_pdf_speaks_the_story_s_language(books: dict[str, dict[str, Path]], case: str) -> None:
    words = labels(LANGUAGES[case])
    pdf = pypdf.PdfReader(books[case]["pdf"])
    outline = [item.title for item in pdf.outline if not isinstance(item, list)]
    assert outline[0] == words.gettext("Title page")
    assert outline[-1] == words.gettext("Credits")
    title_page = pdf.pages[1].extract_text()
    english = ["Title page", "Summary", "Warnings", "Characters", "Rating", "by "]
    assert [word for word in english if word in title_page] == []
    if LANGUAGES[case] != "ar":  # pypdf gives Arabic in visual order
        assert words.gettext("Summary") in title_page
        assert words.gettext("by %(author)s", author="") in title_page


def test_an_arabic_pdf_numbers_its_pages_in_arabic_indic_digits(tmp_path: Path) -> None:
    source = CASES_DIR / "ar-letter" / "input"
    story = (source / "story.md").read_text(encoding="utf-8")
    filler = "كان المطر يطرق نوافذ المكتبة حين دخلت Y/N، وشعرها H/C مبلل.\n\n" * 40
    (tmp_path / "story.md").write_text(story.replace("# الجواب", filler + "# الجواب"), "utf-8")
    result = pipeline.build(
        tmp_path / "story.md",
        formats=["pdf"],
        out_dir=tmp_path,
        reader_file=source / "reader.toml",
    )
    pages = pypdf.PdfReader(result.outputs[0]).pages
    assert len(pages) >= 5
    # Page 4 continues the first chapter: a page that shows its number.
    assert pages[3].extract_text().strip().endswith("٤")
    assert "4" not in pages[3].extract_text()

"""End to end on the seed story: the project's first real input, with a full reader profile."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from builder import pipeline
from tests.conftest import (
    FULL_PROFILE,
    SEED_MANUSCRIPT,
    SEED_TEXT,
    Epub,
    problems,
    run_epubcheck,
)

LEFTOVER_CODE = re.compile(r"\b(?:Y/N|E/C|H/C)\b", re.IGNORECASE)


@pytest.fixture(scope="module")
def seed_builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The seed built twice, in separate folders, from fresh compiles."""
    first, second = tmp_path_factory.mktemp("first"), tmp_path_factory.mktemp("second")
    for out in (first, second):
        pipeline._templates.clear()
        result = pipeline.build(SEED_MANUSCRIPT, out_dir=out, assignments=FULL_PROFILE)
        assert result.warnings == []
    return first, second


@pytest.fixture(scope="module")
def seed_epub(seed_builds: tuple[Path, Path]) -> Epub:
    return Epub(seed_builds[0] / "for-her-safety.epub")


@pytest.fixture(scope="module")
def seed_pdf(seed_builds: tuple[Path, Path]) -> PdfReader:
    return PdfReader(seed_builds[0] / "for-her-safety.pdf")


def test_file_names_are_the_slug(seed_builds: tuple[Path, Path]) -> None:
    assert sorted(p.name for p in seed_builds[0].iterdir()) == [
        "for-her-safety.epub",
        "for-her-safety.pdf",
    ]


def test_spine_is_cover_title_page_two_scenes_and_credits(seed_epub: Epub) -> None:
    linear = [
        href
        for href, ref in zip(
            seed_epub.spine, seed_epub.opf.xpath("//*[local-name()='itemref']"), strict=True
        )
        if ref.get("linear") != "no"
    ]
    assert linear == [
        "cover.xhtml",
        "titlepage.xhtml",
        "scene-01.xhtml",
        "scene-02.xhtml",
        "credits.xhtml",
    ]


def test_navigation_lists_both_scenes(seed_epub: Epub) -> None:
    labels = [(label, href) for _, label, href in seed_epub.nav_entries()]
    assert labels == [
        ("Title page", "titlepage.xhtml"),
        ("For Her Safety", "scene-01.xhtml"),
        ("6 months later", "scene-02.xhtml"),
        ("Credits", "credits.xhtml"),
    ]
    assert [entry[1:] for entry in seed_epub.ncx_entries()] == labels


def test_the_caption_heads_the_second_scene(seed_epub: Epub) -> None:
    heading = seed_epub.document("scene-02.xhtml").xpath(
        "//xhtml:section[@class='scene captioned']/xhtml:h3/text()",
        namespaces={"xhtml": "http://www.w3.org/1999/xhtml"},
    )
    assert heading == ["6 months later"]


def test_the_reader_is_in_the_text(seed_epub: Epub) -> None:
    text = seed_epub.all_text()
    for value in ("Alex", "green", "auburn"):
        assert value in text
    assert "Your beautiful green eyes" in text
    assert "your auburn hair" in text
    assert "I love you, Alex." in text
    assert not LEFTOVER_CODE.search(text)
    assert "Alex" in seed_epub.metadata("description")[0]


def test_every_word_of_the_seed_is_kept(seed_epub: Epub) -> None:
    """The body's words equal the seed's, minus the Tumblr footer (moved to credits) and the
    break marker; only quotes, dashes and the filled values differ."""
    seed = SEED_TEXT.read_text(encoding="utf-8")
    seed_words = seed[: seed.index("Notes:")].replace("-- (6 months later)", "").split()
    body = SEED_MANUSCRIPT.read_text(encoding="utf-8").split("---\n", 2)[2]
    assert body.replace("-- (6 months later)", "").split() == seed_words


def test_metadata(seed_epub: Epub) -> None:
    assert seed_epub.metadata("title") == ["For Her Safety"]
    assert seed_epub.metadata("creator") == ["the-imagines-awaken"]
    assert seed_epub.metadata("language") == ["en"]
    assert seed_epub.metadata("source") == ["the-imagines-awaken.tumblr.com"]
    assert "Star Wars" in seed_epub.metadata("subject")
    (identifier,) = seed_epub.metadata("identifier")
    assert re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", identifier)


def test_credits_page(seed_epub: Epub) -> None:
    text = seed_epub.text("credits.xhtml")
    assert "theaidenellis.tumblr.com" in text
    assert "Notes:" not in seed_epub.all_text()


def test_epubcheck_reports_nothing(seed_builds: tuple[Path, Path], tmp_path: Path) -> None:
    results = run_epubcheck([seed_builds[0] / "for-her-safety.epub"], tmp_path)
    assert [problems(messages) for messages in results.values()] == [[]]


def test_zip_layout_is_what_readers_expect(seed_epub: Epub) -> None:
    first = seed_epub.infos[0]
    assert first.filename == "mimetype" and first.compress_type == 0
    assert all(info.date_time == seed_epub.infos[0].date_time for info in seed_epub.infos)
    for name, data in seed_epub.files.items():
        if name.endswith(".xhtml"):
            assert data.startswith(b"<?xml version='1.0' encoding='utf-8'?>"), name


def test_two_builds_are_byte_identical(seed_builds: tuple[Path, Path]) -> None:
    first, second = seed_builds
    for name in ("for-her-safety.epub", "for-her-safety.pdf"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_pdf_outline_has_both_scenes(seed_pdf: PdfReader) -> None:
    titles = [item.title for item in seed_pdf.outline if not isinstance(item, list)]
    assert all(not isinstance(item, list) for item in seed_pdf.outline)
    assert titles == ["Title page", "For Her Safety", "6 months later", "Credits"]


def test_pdf_text_and_metadata(seed_pdf: PdfReader) -> None:
    text = "\n".join(page.extract_text() for page in seed_pdf.pages)
    assert "Alex" in text and "auburn" in text
    assert not LEFTOVER_CODE.search(text)
    metadata = seed_pdf.metadata
    assert metadata is not None
    assert metadata.title == "For Her Safety"
    assert metadata.author == "the-imagines-awaken"
    assert metadata.subject and "Alex" in metadata.subject
    assert seed_pdf.trailer["/Root"]["/Lang"] == "en"
    assert len(seed_pdf.pages) >= 4


def test_a_different_reader_gets_a_different_identifier(tmp_path: Path) -> None:
    pipeline.build(
        SEED_MANUSCRIPT, formats=["epub"], out_dir=tmp_path / "a", assignments=FULL_PROFILE
    )
    pipeline.build(
        SEED_MANUSCRIPT, formats=["epub"], out_dir=tmp_path / "b", assignments=["Y/N=Sam"]
    )
    ids = [Epub(tmp_path / d / "for-her-safety.epub").metadata("identifier") for d in "ab"]
    assert ids[0] != ids[1]

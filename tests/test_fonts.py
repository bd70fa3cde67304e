"""Fonts by script: the generated cover draws every character of a non-Latin title with a
face that has a glyph for it (no .notdef box), and the PDF embeds Noto, not DejaVu, for
Arabic and Japanese text."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from PIL import ImageFont, features
from pypdf import PdfReader

from builder import pipeline
from builder.cli import main
from builder.editions import cover, fonts

TITLES = {
    "ar": "ظلال المدينة القديمة",
    "ja": "千と千尋の神隠し：もう一つの物語",
    "zh": "你好，世界的尽头",
    "ru": "Война и мир в Хогвартсе",
    "el": "Η Οδύσσεια της Αθηνάς",
}
AUTHORS = {
    "ar": "ليلى حسن",
    "ja": "山田 花子",
    "zh": "李明",
    "ru": "Анна Иванова",
    "el": "Ελένη Παππά",
}
PACKAGES = {"ar": "fonts-noto-core", "el": "fonts-noto-core", "ja": "fonts-noto-cjk",
            "zh": "fonts-noto-cjk", "ru": None}  # fmt: skip


def _glyph_names(face: fonts.Face) -> dict[int, str]:
    """The face's cmap read independently of builder.editions.fonts."""
    font = TTFont(face.path, fontNumber=face.index, lazy=True)
    try:
        return dict(font.getBestCmap())
    finally:
        font.close()


@pytest.mark.parametrize("style", ["regular", "bold", "italic"])
def test_charis_draws_every_basic_character(style: fonts.Style) -> None:
    cmap = _glyph_names(fonts.charis(style))
    assert cmap.keys() >= fonts.CHARIS_BASICS


@pytest.mark.parametrize("language", sorted(TITLES))
def test_every_character_of_the_cover_text_has_a_glyph(language: str) -> None:
    fallback = fonts.fallbacks(language)
    family = {"ar": fallback[1], "el": fallback[0]}.get(language, fallback[3])
    if PACKAGES[language] and fonts.system_face(family.family, "regular") is None:
        pytest.skip(f"{PACKAGES[language]} is not installed (.ci/run installs it)")
    title, author = TITLES[language], AUTHORS[language]
    image, drawn = cover.compose(title, author, "Fandom", language=language)
    for role, text in (("title", title), ("author", author)):
        runs = [piece for piece in drawn if piece.text.text == text]
        # Every character drawn, in order (lines break at spaces or between CJK characters).
        assert "".join(piece.run.text for piece in runs).replace(" ", "") == text.replace(
            " ", ""
        ), role
        for piece in runs:
            cmap = _glyph_names(piece.run.face)
            for char in piece.run.text:
                if not char.isspace():
                    assert cmap.get(ord(char), ".notdef") != ".notdef", (role, char, piece)
            left, top, right, bottom = piece.box
            assert 0 <= left < right <= image.width and 0 <= top < bottom <= image.height
    # Charis draws Cyrillic itself; the other scripts come from Noto.
    title_faces = {piece.run.face.name for piece in drawn if piece.text.text == title}
    expected = {"ru": "Charis SIL", "el": "Noto Serif", "ar": "Noto Naskh Arabic",
                "ja": "Noto Serif CJK JP", "zh": "Noto Serif CJK SC"}  # fmt: skip
    assert title_faces == {expected[language]}


def test_a_mixed_title_is_drawn_in_runs_of_the_faces_that_have_its_glyphs() -> None:
    if fonts.system_face("Noto Naskh Arabic", "regular") is None:
        pytest.skip("fonts-noto-core is not installed (.ci/run installs it)")
    runs = fonts.runs("Harry Potter والحجر", "bold", "ar")
    assert [(run.text, run.face.name) for run in runs] == [
        ("Harry Potter ", "Charis SIL"),
        ("والحجر", "Noto Naskh Arabic"),
    ]


def test_arabic_is_shaped_by_libraqm_on_the_cover() -> None:
    # Joined Arabic is narrower than its isolated letters side by side (which is what Pillow
    # draws without raqm), and a right-to-left run's first letter is drawn at its right end.
    if fonts.system_face("Noto Naskh Arabic", "regular") is None:
        pytest.skip("fonts-noto-core is not installed (.ci/run installs it)")
    assert features.check("raqm"), fonts.RAQM_HINT
    _image, drawn = cover.compose("ظلال", None, None, language="ar")
    (piece,) = drawn
    font = ImageFont.truetype(piece.run.face.path, piece.size, index=piece.run.face.index)
    isolated = sum(font.getlength(char) for char in "ظلال")
    left, _top, right, _bottom = piece.box
    assert right - left < isolated * 0.95


@pytest.fixture
def without_noto(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """fontconfig told of DejaVu's folder alone: a machine without the Noto packages."""
    config = tmp_path / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        "<dir>/usr/share/fonts/truetype/dejavu</dir>"
        f"<cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>",
        encoding="utf-8",
    )
    monkeypatch.setenv("FONTCONFIG_FILE", str(config))
    fonts.system_face.cache_clear()
    yield
    fonts.system_face.cache_clear()


@pytest.mark.skipif(shutil.which("fc-list") is None, reason="fontconfig is not installed")
def test_a_missing_noto_package_is_named_in_the_warning(without_noto: None) -> None:
    warnings = fonts.missing("Η Οδύσσεια ظلال 千と千尋", "ja")
    assert len(warnings) == 3
    for script, family, package in (("Greek", "Noto Serif", "fonts-noto-core"),
                                    ("Arabic", "Noto Naskh Arabic", "fonts-noto-core"),
                                    ("CJK", "Noto Serif CJK JP", "fonts-noto-cjk")):  # fmt: skip
        (line,) = [w for w in warnings if w.startswith(f"no font for {script} text")]
        assert package in line and repr(family) in line
    assert fonts.missing("Война и мир, plain Latin", "ru") == []


@pytest.mark.skipif(shutil.which("fc-list") is None, reason="fontconfig is not installed")
def test_a_build_without_noto_says_which_package_to_install(
    without_noto: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "story.md"
    title, author, chapter, text = STORIES["ar"]
    source.write_text(
        STORY.format(title=title, author=author, language="ar", chapter=chapter, text=text),
        encoding="utf-8",
    )
    out = tmp_path / "out"
    arguments = ["build", str(source), "--format", "pdf", "--out", str(out), "--set", "Y/N=Leila"]
    assert main(arguments) == 0
    err = capsys.readouterr().err
    (warning,) = [line for line in err.splitlines() if "warning: no font" in line]
    assert "no font for Arabic text" in warning and "install fonts-noto-core" in warning
    assert next(out.glob("*.pdf")).stat().st_size > 0


@pytest.mark.skipif(shutil.which("fc-list") is None, reason="fontconfig is not installed")
def test_a_builds_font_check_over_each_character_once_says_what_the_whole_text_does(
    without_noto: None, tmp_path: Path
) -> None:
    # The check reads the story's characters, kept with the compiled story, not its text.
    source = tmp_path / "story.md"
    text = "Y/N read Η Οδύσσεια and ظلال, then 千と千尋, then Η Οδύσσεια again."
    source.write_text(
        STORY.format(title="Mixed", author="Ann", language="ja", chapter="One", text=text),
        encoding="utf-8",
    )
    template = pipeline.compile(source, disk=False)
    book, meta = template.book, template.manuscript.meta
    whole = " ".join((template.title, meta.author or "", meta.fandom or "", book.front,
                      *book.chapters))  # fmt: skip
    warnings = pipeline.font_warnings(template)
    assert warnings == fonts.missing(whole, "ja")
    assert len(warnings) == 3


def test_with_noto_installed_nothing_is_said() -> None:
    if fonts.system_face("Noto Naskh Arabic", "regular") is None:
        pytest.skip("fonts-noto-core is not installed (.ci/run installs it)")
    assert fonts.missing("ظلال Η Οδύσσεια", "ar") == []


STORY = """---
title: {title}
author: {author}
language: {language}
---

# {chapter}

{text}
"""
STORIES = {
    "ar": ("ظلال المدينة", "ليلى حسن", "الفصل الأول",
           "كانت Y/N تمشي في شوارع المدينة القديمة عندما رأت الظلال تتحرك."),
    "ja": ("神隠しの夜", "山田 花子", "第一章",
           "Y/Nは古い町の通りを歩いていた。影が動くのを見たのはその時だった。"),
}  # fmt: skip
PDF_FONT = {"ar": "NotoNaskhArabic", "ja": "NotoSerifCJKJP"}


@pytest.mark.skipif(shutil.which("fc-list") is None, reason="fontconfig is not installed")
@pytest.mark.parametrize("language", sorted(STORIES))
def test_the_pdf_embeds_noto_not_dejavu(language: str, tmp_path: Path) -> None:
    family = "Noto Naskh Arabic" if language == "ar" else "Noto Serif CJK JP"
    if fonts.system_face(family, "regular") is None:
        pytest.skip(f"{family} is not installed (.ci/run installs it)")
    title, author, chapter, text = STORIES[language]
    source = tmp_path / "story.md"
    source.write_text(
        STORY.format(title=title, author=author, language=language, chapter=chapter, text=text),
        encoding="utf-8",
    )
    out = tmp_path / "out"
    assert main(["build", str(source), "--format", "pdf", "--out", str(out), "-q"]) == 0
    reader = PdfReader(next(out.glob("*.pdf")))
    names: set[str] = set()
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            base = str(font.get_object()["/BaseFont"]).split("+")[-1]
            names.add(base.replace("-", "").replace(" ", ""))
    assert any(PDF_FONT[language] in name for name in names), names
    assert not any("DejaVu" in name for name in names), names  # no silent fallback
    # The story's text is in the PDF (drawn, not boxes: pypdf maps the glyphs back).
    words = text.split()[1] if language == "ar" else "古い町"
    assert words in "".join(page.extract_text() for page in reader.pages)

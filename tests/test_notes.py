"""Author's notes (`A/N:` paragraphs): `notes: place|end|omit` in the front matter and
`ficpress build --notes`, in the EPUB (EPUBCheck, Ace) and the PDF (read back with pypdf)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader

from builder.cli import main
from tests.conftest import NS, Epub, problems, run_epubcheck
from tests.test_accessibility import ACE, ace_violations

STORY = """---
title: Two Chairs
author: moth-and-lantern
{extra}---

A/N: requests are open again! This one is for the winter prompt list.

By spring there are two chairs by the lamp.

"You bought a chair," you say.

# The Storm

**A/N:** a short one, sorry!

The storm comes in the night, Y/N.

A/N: thank you for reading.
"""
NOTES = (
    "A/N: requests are open again!",
    "A/N: a short one, sorry!",
    "A/N: thank you for reading.",
)


def built(tmp_path: Path, mode: str | None, extra: str = "") -> tuple[Epub, str, list[str]]:
    """The story built with `--notes mode` (None: not given): its EPUB, its PDF's text and
    its PDF's outline titles."""
    folder = tmp_path / (mode or "default")
    folder.mkdir()
    story = folder / "two-chairs.md"
    story.write_text(STORY.format(extra=extra), encoding="utf-8")
    option = ["--notes", mode] if mode else []
    argv = ["-q", "build", str(story), "-o", str(folder), "--set", "Y/N=Sam", *option]
    assert main(argv) == 0
    pdf = PdfReader(folder / "two-chairs.pdf")
    text = " ".join(" ".join(page.extract_text() for page in pdf.pages).split())
    outline = [item.title for item in pdf.outline if not isinstance(item, list)]
    return Epub(folder / "two-chairs.epub"), text, outline


def order(text: str, parts: list[str]) -> list[int]:
    return [text.index(part) for part in parts]


@pytest.fixture(scope="module")
def checked() -> list[Path]:
    """Every EPUB this module builds, validated together at the end."""
    return []


def test_notes_are_placed_where_the_author_put_them_and_set_apart(
    tmp_path: Path, checked: list[Path]
) -> None:
    epub, pdf, outline = built(tmp_path, None)
    checked.append(epub.path)
    text = "".join(epub.text(href) for href in epub.spine if href.startswith(("scene", "chapter")))
    story = [
        "A/N: requests",
        "By spring",
        "The Storm",
        "A/N: a short one",
        "night, Sam",
        "A/N: thank",
    ]
    assert order(text, story) == sorted(order(text, story))
    asides = [
        "".join(aside.itertext())
        for href in epub.spine
        for aside in epub.document(href).xpath("//xhtml:aside[@role='note']", namespaces=NS)
    ]
    assert [aside.split(" This")[0] for aside in asides] == list(NOTES)
    assert order(pdf, story) == sorted(order(pdf, story))
    assert "Author’s notes" not in outline


def test_notes_end_gathers_them_in_a_section_at_the_back(
    tmp_path: Path, checked: list[Path]
) -> None:
    epub, pdf, outline = built(tmp_path, "end")
    checked.append(epub.path)
    assert epub.spine[-1] == "notes.xhtml"
    assert (1, "Author’s notes", "notes.xhtml") in epub.nav_entries()
    assert (1, "Author’s notes", "notes.xhtml") in epub.ncx_entries()
    story = "".join(epub.text(href) for href in epub.spine[:-1])
    assert "A/N" not in story and "night, Sam" in story
    back = epub.text("notes.xhtml")
    assert order(back, ["Two Chairs", *NOTES[:1], "The Storm", *NOTES[1:]]) == sorted(
        order(back, ["Two Chairs", *NOTES[:1], "The Storm", *NOTES[1:]])
    )
    assert outline[-1] == "Author’s notes"
    assert pdf.index("night, Sam") < pdf.index("Author’s notes") < pdf.index(NOTES[0])


def test_notes_omit_leaves_them_out_and_the_option_wins_over_the_story(
    tmp_path: Path, checked: list[Path]
) -> None:
    epub, pdf, outline = built(tmp_path, "omit", extra="notes: end\n")
    checked.append(epub.path)
    assert "A/N" not in epub.all_text() and "A/N" not in pdf
    assert "notes.xhtml" not in epub.spine and "Author’s notes" not in outline
    assert "night, Sam" in epub.all_text() and "By spring" in pdf
    from_story, _, _ = built(tmp_path, None, extra="notes: end\n")
    checked.append(from_story.path)
    assert from_story.spine[-1] == "notes.xhtml"


def test_a_bad_notes_field_is_one_line_naming_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    story = tmp_path / "story.md"
    story.write_text(STORY.format(extra="notes: later\n"), encoding="utf-8")
    assert main(["build", str(story), "-o", str(tmp_path / "out")]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        f"{story}:4: error: 'notes' must be one of place, end, omit, not 'later' (in: notes: later)"
    ]
    assert not (tmp_path / "out").exists()


def test_the_books_pass_epubcheck_and_ace(tmp_path: Path, checked: list[Path]) -> None:
    assert len(checked) == 4
    assert {book: problems(found) for book, found in run_epubcheck(checked, tmp_path).items()} == {
        book: [] for book in checked
    }
    if ACE is None:
        pytest.skip("DAISY Ace (npm @daisy/ace) and Chromium are not installed")
    for number, book in enumerate(checked[:2]):  # notes in place, notes at the end
        assert ace_violations(book, tmp_path / f"ace-{number}") == [], book

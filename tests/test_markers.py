"""Every substitution goes through one marker mechanism (builder.fill): a reader value that is
an internal name (a marker key, the old cover placeholder, a number) is printed as the text it
is, where the reader's name goes, and nowhere else."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from builder import pipeline
from builder.fill import COVER, IDENTIFIER
from tests.conftest import ROOT, problems, run_epubcheck

STORY = ROOT / "tests" / "cases" / "chapters" / "input" / "story.md"
"""Y/N is in this story's title too, so the generated cover and the PDF's metadata hold it."""
PLAIN = "Alex"
INTERNAL_WORDS = ["ficpress-cover-image", COVER, IDENTIFIER, "0", "12", "data:image/jpeg"]
IDENTIFIER_TEXT = re.compile(r"urn:uuid:[0-9a-f-]{36}")


def build(folder: Path, name: str) -> dict[str, bytes]:
    result = pipeline.build(
        STORY, formats=["epub", "kepub", "pdf"], out_dir=folder, assignments=[f"Y/N={name}"]
    )
    return {path.name: path.read_bytes() for path in result.outputs}


def epub_texts(data: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {
            name: IDENTIFIER_TEXT.sub("ID", archive.read(name).decode("utf-8"))
            for name in archive.namelist()
            if name.endswith((".xhtml", ".opf", ".ncx"))
        }


def pdf_text(data: bytes) -> str:
    """The PDF's text without white space (a longer value breaks its lines elsewhere)."""
    reader = PdfReader(io.BytesIO(data))
    return "".join("".join(page.extract_text() for page in reader.pages).split())


@pytest.fixture(scope="module")
def editions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, bytes]]:
    folder = tmp_path_factory.mktemp("markers")
    return {
        name: build(folder / str(number), name)
        for number, name in enumerate([PLAIN, *INTERNAL_WORDS])
    }


@pytest.mark.parametrize("word", INTERNAL_WORDS)
def test_an_internal_word_as_a_value_is_printed_as_text(
    editions: dict[str, dict[str, bytes]], word: str
) -> None:
    plain, tested = editions[PLAIN], editions[word]
    for name in ("story.epub", "story.kepub.epub"):
        expected = {
            entry: text.replace(PLAIN, word) for entry, text in epub_texts(plain[name]).items()
        }
        assert epub_texts(tested[name]) == expected
    assert pdf_text(tested["story.pdf"]) == pdf_text(plain["story.pdf"]).replace(PLAIN, word)
    reader = PdfReader(io.BytesIO(tested["story.pdf"]))
    assert reader.metadata is not None and reader.metadata.title.startswith(word)
    # The cover image went where the cover goes: the file is about the size of the plain one
    # (its cover shows a longer title; a cover pasted as text would add over 100 KB).
    assert abs(len(tested["story.pdf"]) - len(plain["story.pdf"])) < 40_000


def test_every_edition_built_here_passes_epubcheck(
    editions: dict[str, dict[str, bytes]], tmp_path: Path
) -> None:
    books = []
    for number, files in enumerate(editions.values()):
        for name in ("story.epub", "story.kepub.epub"):
            path = tmp_path / f"{number}-{name}"
            path.write_bytes(files[name])
            books.append(path)
    results = run_epubcheck(books, tmp_path)
    assert {path.name: problems(results[path]) for path in books} == {
        path.name: [] for path in books
    }

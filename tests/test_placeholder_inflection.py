"""Placeholders in inflected languages: German `Y/Ns` (genitive) and Slavic case endings
written after the code (`Y/Nу`, `Y/N-а`) are found with the code and filled on the reader's
name, as a real build prints them."""

from __future__ import annotations

import contextlib
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from builder.cli import main
from builder.model import Slot, Text
from builder.stages import manuscript, placeholders, scenes
from tests.conftest import problems, run_epubcheck


def _story(language: str, body: str) -> str:
    return f"---\ntitle: Test\nauthor: A. Writer\nlanguage: {language}\n---\n\n# Eins\n\n{body}\n"


def _found(tmp_path: Path, language: str, body: str) -> list[Text | Slot]:
    path = tmp_path / f"{language}.md"
    path.write_text(_story(language, body), encoding="utf-8")
    book = placeholders.find(scenes.split(manuscript.read(path)))
    inlines = book.chapters[0].scenes[0].paragraphs[0].inlines
    return [token for token in inlines if isinstance(token, Text | Slot)]


# --- finding ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "body", "written", "ending"),
    [
        ("de", "Das war Y/Ns Buch.", "Y/Ns", "s"),
        ("de-AT", "Das war (Y/N)s Buch.", "(Y/N)s", "s"),
        ("ru", "Я написала Y/Nу письмо.", "Y/Nу", "у"),
        ("ru", "Y/N-а нет дома.", "Y/N-а", "-а"),
        ("uk", "Я бачила Y/Nа.", "Y/Nа", "а"),
        ("pl", "Dałam to Y/Nowi.", "Y/Nowi", "owi"),
        ("cs", "Šla jsem s Y/N-em.", "Y/N-em", "-em"),
    ],
)
def test_an_ending_after_the_code_is_part_of_the_slot(
    tmp_path: Path, language: str, body: str, written: str, ending: str
) -> None:
    (slot,) = [token for token in _found(tmp_path, language, body) if isinstance(token, Slot)]
    assert (slot.code, slot.written, slot.variant) == ("Y/N", written, ending)


@pytest.mark.parametrize(
    ("language", "body"),
    [
        ("en", "Y/Ns book"),  # English writes no genitive s after a code: not a code
        ("de", "Y/Nx und Y/Nen"),  # German's only ending is the genitive s
        ("ru", "Y/NА"),  # an ending is lower case
        ("ru", "Y/Nабвгд"),  # no case ending
    ],
)
def test_no_ending_where_the_language_writes_none(tmp_path: Path, language: str, body: str) -> None:
    assert not [token for token in _found(tmp_path, language, body) if isinstance(token, Slot)]


@pytest.mark.parametrize(
    ("language", "body", "written"),
    [("ja", "Y/Nは古い町を歩いていた。", "Y/N"), ("zh", "我和(Y/N)一起走。", "(Y/N)"),
     ("ko", "Y/N는 웃었다.", "Y/N")],
)  # fmt: skip
def test_a_code_touching_cjk_text_is_found(
    tmp_path: Path, language: str, body: str, written: str
) -> None:
    # Chinese, Japanese and Korean set words without spaces: a CJK character next to a code
    # does not make it part of a word, as a Latin letter does (`Y/Nx`).
    (slot,) = [token for token in _found(tmp_path, language, body) if isinstance(token, Slot)]
    assert (slot.code, slot.written) == ("Y/N", written)


@pytest.mark.parametrize(("language", "body"), [("ru", "Y/N-сан"), ("pl", "Y/N-chan")])
def test_an_honorific_after_a_hyphen_is_text_not_an_ending(
    tmp_path: Path, language: str, body: str
) -> None:
    first, rest = _found(tmp_path, language, body)
    assert isinstance(first, Slot) and (first.written, first.variant) == ("Y/N", "")
    assert isinstance(rest, Text) and rest.text == body.removeprefix("Y/N")


# --- filling ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "genitive"),
    [("Anna", "Annas"), ("Jonas", "Jonas’"), ("Alex", "Alex’"), ("Moritz", "Moritz’"),
     ("Grete", "Gretes"), ("Strauß", "Strauß’"), ("Beatrice", "Beatrice’")],
)  # fmt: skip
def test_german_genitive_per_duden(name: str, genitive: str) -> None:
    # Duden: a name ending in an s sound (s, ß, x, z, tz, ce) takes an apostrophe alone.
    assert placeholders.inflect(name, "s", "de") == genitive


@pytest.mark.parametrize(
    ("language", "name", "ending", "filled"),
    [("ru", "Алекс", "у", "Алексу"), ("ru", "Алекс", "-а", "Алекса"),
     ("ru", "Иван", "ом", "Иваном"), ("pl", "Jan", "owi", "Janowi"),
     ("cs", "Petr", "-em", "Petrem")],
)  # fmt: skip
def test_a_slavic_ending_is_added_without_its_hyphen(
    language: str, name: str, ending: str, filled: str
) -> None:
    assert placeholders.inflect(name, ending, language) == filled


# --- a real build -------------------------------------------------------------------------


@dataclass(frozen=True)
class Built:
    code: int
    stderr: str
    text: str
    epub: Path


def _build(tmp_path: Path, name: str, language: str, body: str, *options: str) -> Built:
    source = tmp_path / f"{name}.md"
    source.write_text(_story(language, body), encoding="utf-8")
    out = tmp_path / name
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        code = main(["build", str(source), "--format", "epub", "--out", str(out), *options])
    epub = next(out.glob("*.epub"))
    with zipfile.ZipFile(epub) as archive:
        story = [n for n in archive.namelist() if re.search(r"/(chapter|scene)-[^/]*\.xhtml$", n)]
        pages = [archive.read(name).decode() for name in story]
    text = re.sub(r"<[^>]+>", "", "".join(pages))
    return Built(code, stderr.getvalue(), text, epub)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Built]:
    work = tmp_path_factory.mktemp("inflection")
    books = {
        "de": _build(work, "de", "de", "Das war Y/Ns Buch, nicht Y/N's.", "--strict",
                     "--set", "Y/N=Anna"),
        "de_s": _build(work, "de_s", "de", "Das war Y/Ns Buch.", "--strict",
                       "--set", "Y/N=Jonas"),
        "ru": _build(work, "ru", "ru", "Я написала Y/Nу письмо. Y/N-а нет дома.",
                     "--set", "Y/N=Алекс"),
        "ru_vowel": _build(work, "ru_vowel", "ru", "Я написала Y/Nу письмо.",
                           "--set", "Y/N=Маша"),
        "pl": _build(work, "pl", "pl", "Dałam to Y/Nowi.", "--set", "Y/N=Jan"),
    }  # fmt: skip
    results = run_epubcheck([book.epub for book in books.values()], work)
    for name, book in books.items():
        assert problems(results[book.epub]) == [], name
    return books


def test_german_genitive_under_strict_builds_without_a_warning(built: dict[str, Built]) -> None:
    for name, filled in (("de", "Annas Buch"), ("de_s", "Jonas’ Buch")):
        book = built[name]
        assert book.code == 0
        assert "warning" not in book.stderr
        assert filled in book.text
        assert "Y/N" not in book.text
    assert "Annas Buch, nicht Anna’s." in built["de"].text


def test_slavic_endings_filled_on_the_name(built: dict[str, Built]) -> None:
    assert built["ru"].code == 0 and "warning" not in built["ru"].stderr
    assert "Я написала Алексу письмо. Алекса нет дома." in built["ru"].text
    assert "Dałam to Janowi." in built["pl"].text


def test_an_ending_a_vowel_final_name_cannot_take_is_reported(built: dict[str, Built]) -> None:
    book = built["ru_vowel"]
    assert book.code == 0
    assert "Машау" in book.text  # printed as the author wrote it, and said so:
    (line,) = [line for line in book.stderr.splitlines() if "warning" in line]
    assert "Y/Nу" in line and "'Маша'" in line and "Машау" in line

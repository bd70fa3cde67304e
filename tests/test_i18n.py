"""The book's generated labels in every catalogued language, and the direction of a story.

The messages are extracted from the code and templates again (Babel's extractors, the ones
`pybabel extract` runs), so a label added without a translation fails here; every catalogue
must translate every message (no missing or fuzzy entry, the same `%(name)s` values), and a
book built in each language must show none of the English labels.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from lxml import etree

from builder import pipeline
from builder.editions.epub import compile_package
from builder.errors import ManuscriptError
from builder.i18n import available, catalogue_name, direction, labels, page_numbers
from tests.conftest import NS, ROOT, Epub, problems, run_epubcheck

LOCALES = ROOT / "builder" / "locales"
EXTRACTION = [
    ("builder/**.py", "python"),
    ("builder/stages/templates/**.html", "jinja2.ext:babel_extract"),
]
REQUIRED = ("zh", "ru", "es", "fr", "de", "pt", "it", "id", "pl", "ja", "ko", "ar", "he", "fa")
"""AO3's largest languages after English (issue 15), and Hebrew and Persian."""
VALUE = re.compile(r"%\((\w+)\)[sd]")
SAME_WORD = "Same word in"
"""The translator's comment on a translation that is the English word by choice (`Fandom`)."""


def extracted() -> set[str]:
    found = extract_from_dir(ROOT, EXTRACTION, keywords={"_": None, "gettext": None})
    return {str(message) for _, _, message, _, _ in found}


def catalogue(path: Path) -> dict[str, tuple[str, bool, list[str]]]:
    with path.open("rb") as file:
        catalog = read_po(file)
    return {str(m.id): (str(m.string), m.fuzzy, list(m.user_comments)) for m in catalog if m.id}


def test_the_template_lists_every_message_the_code_generates() -> None:
    messages = extracted()
    assert len(messages) >= 20
    assert set(catalogue(LOCALES / "messages.pot")) == messages


@pytest.mark.parametrize("language", REQUIRED)
def test_every_language_translates_every_message(language: str) -> None:
    assert language in available()
    entries = catalogue(LOCALES / f"{language}.po")
    assert set(entries) == extracted()
    for message, (translation, fuzzy, comments) in entries.items():
        assert translation.strip(), f"{language}: {message!r} has no translation"
        assert not fuzzy, f"{language}: {message!r} is fuzzy"
        assert set(VALUE.findall(translation)) == set(VALUE.findall(message)), message
        if translation == message:
            assert any(SAME_WORD in comment for comment in comments), (
                f"{language}: {message!r} is left in English without saying it is on purpose"
            )


def test_labels_fall_back_to_english() -> None:
    assert labels("en").gettext("Contents") == "Contents"
    assert labels("tlh").gettext("by %(author)s", author="Kahless") == "by Kahless"
    assert labels("de-AT").gettext("by %(author)s", author="Anna") == "von Anna"
    assert labels("fr").gettext("Scene %(number)d", number=2) == "Scène 2"


@pytest.mark.parametrize(
    ("tag", "name"),
    [
        ("pt-BR", "pt"),
        ("zh", "zh"),
        ("zh-Hans-CN", "zh"),
        ("zh-TW", "zh_Hant"),
        ("zh-Hant", "zh_Hant"),
        ("iw", "he"),
        ("in", "id"),
        ("ES", "es"),
    ],
)
def test_a_language_tag_finds_its_catalogue(tag: str, name: str) -> None:
    assert catalogue_name(tag) == name


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        *[("ar", "rtl"), ("ar-EG", "rtl"), ("he", "rtl"), ("fa-IR", "rtl"), ("ur", "rtl")],
        *[("yi", "rtl"), ("az-Arab", "rtl"), ("pa-Arab-PK", "rtl"), ("ku-Arab", "rtl")],
        *[("en", "ltr"), ("ja", "ltr"), ("zh-Hant-TW", "ltr"), ("tr", "ltr"), ("ku-Latn", "ltr")],
        *[("az-Latn", "ltr"), ("uz-Cyrl", "ltr"), ("ar-Latn", "ltr")],
    ],
)
def test_direction_follows_the_language_and_its_script(tag: str, expected: str) -> None:
    assert direction(tag) == expected


@pytest.mark.parametrize(
    ("tag", "style"),
    [
        *[("ar", "arabic-indic"), ("ar-EG", "arabic-indic"), ("ar-MA", "decimal")],
        *[("fa", "persian"), ("en", "decimal"), ("ja", "decimal"), ("he", "decimal")],
    ],
)
def test_page_numbers_use_the_language_s_digits(tag: str, style: str) -> None:
    assert page_numbers(tag) == style


def story(language: str, extra: str = "") -> str:
    return (
        f"---\ntitle: Y/N\nauthor: A. Writer\nlanguage: {language}\n{extra}fandom: Original\n"
        "pairing: Reader/OC\nrating: G\nwarnings: [None]\ncharacters: [Reader]\ntags: [Snow]\n"
        "summary: Y/N waits.\nsource: example.org/story\ncredits: [beta example]\n---\n\n"
        "# One\n\nSnow, Y/N.\n\n* * *\n\nMore snow.\n\n# Two\n\nThe end.\n"
    )


def test_direction_in_the_front_matter_decides(tmp_path: Path) -> None:
    path = tmp_path / "story.md"
    path.write_text(story("en", "direction: RTL\n"), encoding="utf-8")
    assert pipeline.compile(path).manuscript.meta.direction == "rtl"
    package = "".join(
        "".join(content)
        for name, content in compile_package(pipeline.compile(path))
        if name.endswith(".opf") and isinstance(content, tuple)
    )
    assert '<spine toc="ncx" page-progression-direction="rtl">' in package
    path.write_text(story("ar", "direction: ltr\n"), encoding="utf-8")
    assert pipeline.compile(path).manuscript.meta.direction == "ltr"
    path.write_text(story("ar", "direction: sideways\n"), encoding="utf-8")
    with pytest.raises(ManuscriptError) as error:
        pipeline.compile(path)
    assert error.value.line == 5
    assert "'direction' must be 'rtl'" in str(error.value)


def shown_strings(book: Epub) -> list[str]:
    """Every string a reader or a screen reader meets: the text of every element and the alt,
    aria-label and title attributes of every document, the NCX's labels, the OPF's titles."""
    strings: list[str] = []
    for name, data in book.files.items():
        if not name.endswith((".xhtml", ".ncx", ".opf")):
            continue
        root = etree.fromstring(data)
        # Each element's whole text: a label may hold markup (`First posted at <a>...</a>`).
        strings += ["".join(element.itertext()).strip() for element in root.iter()]
        for attribute in ("alt", "aria-label", "title"):
            strings += root.xpath(f"//@{attribute}")
    return [str(text) for text in strings]


def english_patterns(language: str) -> list[re.Pattern[str]]:
    """The English labels a book in `language` must not show (those its catalogue translates
    to another word)."""
    translated = labels(language)
    return [
        re.compile(".*".join(map(re.escape, VALUE.split(message)[::2])))
        for message in extracted()
        if translated.gettext(message) != message
    ]


def test_a_book_in_each_language_shows_no_english_label(tmp_path: Path) -> None:
    books: dict[str, list[Path]] = {}
    for language in available():
        path = tmp_path / language / "story.md"
        path.parent.mkdir()
        path.write_text(story(language.replace("_", "-")), encoding="utf-8")
        result = pipeline.build(
            path, formats=["epub"], out_dir=path.parent, assignments=("Y/N=Alex",)
        )
        books[language] = list(result.outputs)
    for language, outputs in books.items():
        patterns = english_patterns(language)
        assert len(patterns) >= 15
        for output in outputs:
            shown = [text for text in shown_strings(Epub(output)) if text]
            assert any(labels(language).gettext("Contents") == text for text in shown)
            english = [text for text in shown for p in patterns if p.fullmatch(text)]
            assert english == [], f"{language}: {english}"
            progression = Epub(output).opf.xpath(
                "//opf:spine/@page-progression-direction", namespaces=NS
            )
            assert progression == (["rtl"] if direction(language) == "rtl" else [])
    everything = [book for outputs in books.values() for book in outputs]
    results = run_epubcheck(everything, tmp_path)
    assert {str(book): problems(results[book]) for book in everything} == {
        str(book): [] for book in everything
    }

"""The placeholders stage's shortcuts find what a full search finds: the code pattern tried
only just before each slash, the URL pattern only behind its cue, and a sentence start read
from the text's end (builder.stages.placeholders)."""

from __future__ import annotations

import random

import pytest

from builder.model import PlaceholderInfo
from builder.stages import placeholders

PIECES = ("Y/N", "y/n", "(Y/N)", "[E/C]", "{H/C}", "B/F", "Y/F/N", "N/A", "w/o", "and/or", "1/2",
          "Fav/Food", "(fav/food)", "xFav/Food", "F!Y/N", "Y/Ns", "Y/N-у", "Y/Nа", "A/B/O",
          "http://a.com/Y/N", "www.x.org", "a.com/y/n", "/", "//", "Y", "N", "x", "ß", " ", ". ",
          "! ", "\"", "”", "’", ")", "]", "(", "は", "\n", "…")  # fmt: skip
LEGENDS = ((), ("F!Y/N",), ("Fav/Food",), ("Y/L/N", "Y/F/N"))


def texts(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(PIECES) for _ in range(rng.randint(0, 14))) for _ in range(count)]


@pytest.mark.parametrize("language", ["en", "de", "ru", "ja"])
@pytest.mark.parametrize("legend", LEGENDS)
def test_matches_near_slashes_are_finditers_matches(language: str, legend: tuple[str, ...]) -> None:
    codes = {info.code: info for info in placeholders.BUILT_IN}
    codes.update({code: PlaceholderInfo(code, code, False) for code in legend})
    finder = placeholders.pattern(codes, language)
    reach = placeholders.slash_reach(codes)
    found = 0
    for text in texts(len(legend), 3000):
        expected = [(m.span(), m.group()) for m in finder.finditer(text)]
        assert [(m.span(), m.group()) for m in placeholders._matches(finder, text, reach)] == (
            expected
        ), text
        found += len(expected)
    assert found > 1000  # the texts do hold codes


def test_url_cue_is_in_every_address() -> None:
    samples = [*texts(7, 6000), "see https://x.io", "WWW.A.B", "a.b/c", "a-b.c-d/e"]
    with_address = [text for text in samples if placeholders.URL.search(text)]
    assert len(with_address) > 100
    assert all(placeholders.URL_CUE.search(text) for text in with_address)


def test_sentence_start_read_from_the_end_is_the_full_search() -> None:
    rng = random.Random(3)
    marks = ("a", " ", ".", "!", "?", "…", '"', "'", "”", "’", ")", "]", "\n", "“", "(", "—")
    for _ in range(20000):
        text = "".join(rng.choice(marks) for _ in range(rng.randint(0, 8)))
        stripped = text.rstrip(placeholders.OPENING_PUNCTUATION)
        full = bool(placeholders.SENTENCE_END.search(stripped))
        assert placeholders._starts_sentence(text) == full, repr(text)

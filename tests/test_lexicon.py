"""builder.lexicon answers as lemminflect does, so the pronoun stage decides as it did.

The table is what the generator makes from the installed lemminflect; every word of the table
and every word of the pronoun fixtures and the sample story (in lower, Title and UPPER case)
gets the same lemmas; every verb lemma the same forms; and the stage's own questions give the
same answers over those words with lemminflect in the table's place.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable, Iterator

import lemminflect
import pytest

from builder import lexicon
from builder.lexicon import generate
from builder.stages import pronoun_words as en
from tests.conftest import ROOT

STORIES = sorted(
    [
        *(ROOT / "tests" / "fixtures").glob("pronouns*/*/*.md"),
        *(ROOT / "manuscripts").glob("*.md"),
    ]
)
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
OUTSIDE = ("", "ficpress", "Kylo", "qwertyuiop", "naïve", "e-mail", "'s", "’s", "#hashtag")
"""Words the table may not hold, and odd ones: asked all the same."""


def story_words() -> list[str]:
    found = {m.group(0) for path in STORIES for m in WORD.finditer(path.read_text("utf-8"))}
    return sorted(found | set(OUTSIDE))


def cased(words: list[str]) -> Iterator[str]:
    for word in words:
        yield from dict.fromkeys((word, word.lower(), word.capitalize(), word.upper()))


def table_rows() -> list[list[str]]:
    text = lexicon.TABLE.read_text("utf-8")
    return [line.split("\t") for line in text.splitlines() if not line.startswith("#")]


def test_the_table_is_what_the_generator_makes_from_lemminflect() -> None:
    assert lemminflect.__version__ in lexicon.TABLE.read_text("utf-8").splitlines()[0]
    assert lexicon.TABLE.read_text("utf-8") == generate.text(), (
        "run `python -m builder.lexicon.generate`"
    )


def test_the_stories_and_fixtures_are_there_to_compare() -> None:
    assert len(STORIES) >= 70 and len(story_words()) > 2500


def test_every_word_of_the_table_has_lemminflects_lemmas() -> None:
    rows = table_rows()
    assert len(rows) > 60000
    assert [row[0].encode() for row in rows] == sorted(row[0].encode() for row in rows)
    for word, _, _ in rows:
        assert lexicon.lemmas(word) == lemminflect.getAllLemmas(word), word


def test_every_verb_lemma_has_lemminflects_forms() -> None:
    verbs = {verb for row in table_rows() for verb in lexicon.lemmas(row[0]).get("VERB", ())}
    assert len(verbs) > 6000
    for verb in verbs:
        for tag in lexicon.VERB_TAGS:
            assert lexicon.inflection(verb, tag) == lemminflect.getInflection(verb, tag)


def test_every_word_of_the_stories_in_every_case_has_lemminflects_answers() -> None:
    for word in cased(story_words()):
        assert lexicon.lemmas(word) == lemminflect.getAllLemmas(word), word


def test_questions_outside_the_table_are_lemminflects_own() -> None:
    asked = [("walk", "VBG"), ("Walk", "VBZ"), ("ficpress", "VBD"), ("tree", "NNS")]
    for lemma, tag in asked:
        assert lexicon.inflection(lemma, tag) == lemminflect.getInflection(lemma, tag)
    assert lexicon.inflection("walk", "VBG") == ("walking",)


QUESTIONS: dict[str, Callable[[str], object]] = {
    "kinds": en.kinds,
    "plural_verb": en.plural_verb,
    "base_verb": en.base_verb,
    "finite_verb": en.finite_verb,
    "adverb_only": en.adverb_only,
    "complement": lambda word: (en.complement(word, "keep"), en.complement(word, "see")),
    "has_contraction": en.has_contraction,
    "feminine_noun": en.feminine_noun,
    "gendered_noun": lambda word: (en.gendered_noun(word, "she"), en.gendered_noun(word, "he")),
}


def answers(words: list[str]) -> dict[str, list[object]]:
    cached = (en.kinds, en.plural_verb, en.base_verb, en.finite_verb, en.adverb_only)
    for question in (*cached, en.complement, en.gendered_noun):
        question.cache_clear()
    return {name: [ask(word) for word in words] for name, ask in QUESTIONS.items()}


def test_the_stages_questions_answer_as_with_lemminflect(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pronoun stage's questions over every word of the stories, asked with the table and
    then with lemminflect itself in its place (as the stage asked before the table)."""
    words = [word.lower() for word in story_words()]
    with_table = answers(words)
    monkeypatch.setattr(en, "getAllLemmas", lemminflect.getAllLemmas)
    monkeypatch.setattr(en, "getInflection", lemminflect.getInflection)
    with_lemminflect = answers(words)
    monkeypatch.undo()
    answers([])  # no answer of lemminflect's stays cached for later tests
    assert sum(bool(kinds) for kinds in with_table["kinds"]) > 2000
    assert sum(bool(verb) for verb in with_table["plural_verb"]) > 50
    for name in QUESTIONS:
        pairs = zip(words, with_table[name], with_lemminflect[name], strict=True)
        differ = [word for word, table, reference in pairs if table != reference]
        assert differ == [], name


def test_a_story_with_reader_pronouns_compiles_without_lemminflect_or_numpy() -> None:
    seed = ROOT / "manuscripts" / "for-her-safety.md"
    assert "reader: {pronouns: she}" in seed.read_text("utf-8")
    script = (
        "import sys\nfrom pathlib import Path\nfrom builder import pipeline\n"
        f"template = pipeline.compile(Path({str(seed)!r}), disk=False)\n"
        "assert any(slot.code.startswith('PRONOUN:') for slot in template.slots)\n"
        "print(sorted(name for name in ('lemminflect', 'numpy') if name in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"

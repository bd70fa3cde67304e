"""English word forms for the pronoun stage: lemminflect's answers, generated into a table.

The pronoun stage (builder/stages/pronoun_words.py) asks two things of English, both through
lemminflect's API:

- `lemmas(word)`: what `word` can be, by part of speech, and its lemmas
  (`lemminflect.getAllLemmas`);
- `inflection(lemma, tag)`: the past (VBD), participle (VBN) or third-person present (VBZ)
  form of a verb lemma that `lemmas` gave (`lemminflect.getInflection`).

Both questions are finite: lemminflect only knows the words of its lemma table (any other
word has no lemmas), and the verbs the stage inflects are that table's verb lemmas. So
`generate.py` asks the installed lemminflect every one of them and writes its answers into
`english.tsv` (64k words, 1.3 MB, sorted by the words' UTF-8 bytes); here a word is found by
binary search in the file's bytes, read once and never parsed as a whole.

Why a table of our own: importing lemminflect and its first answers cost about 0.6 s of CPU
in every process that compiles a story with `reader:` pronouns (numpy and the Keras-style
model lemminflect loads for unknown words, then parsing two gzip'd CSV files of 100k lines
into dicts), more than all the rest of a short story's compile. Reading this table costs
about 1 ms; each look-up tens of microseconds. Measured by hand on this machine (CPU time,
best of 20): splitting the same table into lines took 7 ms, into a dict 60 ms, and a marshal
of lemminflect's dicts 30 ms; loading only part of lemminflect would still import numpy (its
inflections module does, at import) and parse its CSV files. Answers kept per machine in the
cache folder would not help a first build, which is what a reader runs.

Anything outside the table (another tag, a lemma that is no verb of the table, a lemma not
in lower case) is asked of lemminflect itself, so every answer is lemminflect's; the stage's
own questions never go there. tests/test_lexicon.py checks the table is what the generator
makes from the installed lemminflect, and that both answer alike on every word of the table,
of the pronoun fixtures and of the sample story.

`english.tsv` is derived from lemminflect (MIT, Copyright (C) 2019 Brad Jascob); its notice
is `LEMMINFLECT-LICENSE` beside it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

TABLE = Path(__file__).with_name("english.tsv")
"""One line per word: the word, its lemmas by part of speech, and (for a verb lemma) its
VBD, VBN and VBZ forms, tab-separated, after a few `#` lines of header."""
VERB_TAGS = ("VBD", "VBN", "VBZ")
"""The forms the table holds for each verb lemma, in the order of its third column."""
PARTS_OF_SPEECH = {"N": "NOUN", "V": "VERB", "J": "ADJ", "R": "ADV", "A": "AUX"}
"""How the table writes lemminflect's parts of speech (its second column's letters)."""


def lemmas(word: str) -> dict[str, tuple[str, ...]]:
    """lemminflect's `getAllLemmas(word)`: the lemmas of `word` by part of speech (NOUN,
    VERB, ADJ, ADV, AUX), in the case style of `word`; empty for a word it does not know."""
    lower = word.lower()
    row = _row(lower)
    if row is None or not row[1]:
        return {}
    style = _caps_style(word)
    found: dict[str, tuple[str, ...]] = {}
    for entry in row[1].split(","):
        letter, _, written = entry.partition(":")
        spellings = written.split("/") if written else [lower]
        found[PARTS_OF_SPEECH[letter]] = tuple(style(spelling) for spelling in spellings)
    return found


def inflection(lemma: str, tag: str) -> tuple[str, ...]:
    """lemminflect's `getInflection(lemma, tag)`: the spellings of `lemma`'s form `tag` (a
    Penn Treebank tag), from the table for a verb lemma's VBD, VBN and VBZ."""
    row = _row(lemma) if tag in VERB_TAGS and lemma == lemma.lower() else None
    if row is None or not row[2]:
        from lemminflect import getInflection  # outside the table: not the stage's questions

        answer: tuple[str, ...] = getInflection(lemma, tag)
        return answer
    form = row[2].split(",")[VERB_TAGS.index(tag)]
    return tuple(form.split("/")) if form else ()


def _caps_style(word: str) -> Callable[[str], str]:
    """lemminflect gives lemmas the case style of the word asked (the table's are lower)."""
    if word.isupper():
        return str.upper
    if word and word[0].isupper():
        return str.capitalize
    return str


@functools.cache
def _table() -> tuple[bytes, int]:
    """The table's bytes and where its rows start (after the header)."""
    data = TABLE.read_bytes()
    start = 0
    while data.startswith(b"#", start):
        start = data.index(b"\n", start) + 1
    return data, start


def _row(word: str) -> list[str] | None:
    """The columns of `word`'s line, found by binary search over the sorted lines' bytes."""
    data, low = _table()
    key = word.encode("utf-8", "surrogatepass")
    high = len(data)
    while low < high:  # `low` and `high` are always the start of a line (or the end)
        middle = (low + high) // 2
        start = (data.rfind(b"\n", low, middle) + 1) or low
        end = data.index(b"\n", start)
        found = data[start : data.index(b"\t", start, end)]
        if found < key:
            low = end + 1
        elif found > key:
            high = start
        else:
            return data[start:end].decode("utf-8").split("\t")
    return None

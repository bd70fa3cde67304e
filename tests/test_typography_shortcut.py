"""The typography stage skips a rule when the text lacks every character the rule needs: the
characters read off each pattern must really be needed, or a rule would silently stop."""

from __future__ import annotations

import random
import re

import pytest

from builder.stages.typography import _compiled_rules, required_characters
from builder.stages.typography_rules import MARKS, PROTECTED
from tests.test_typography import _load

ALPHABET = "aZ9 .-—–'\"’“”«»!?:;,(\u00a0\u202f\u2060\nMrDtis"
URL_PIECES = ("http://", "HTTPS://", "ftp://", "www.", "WWW.", "a.com", "x.io/", "b-c.CO.uk/p",
              ".org", "/", ":", "@", "_", "=", "e", "w")  # fmt: skip


def texts() -> list[str]:
    """The typography fixtures' inputs with their context, and random strings made of the
    characters the rules care about."""
    found = [case.before + case.input + case.after for case in _load()]
    rng = random.Random(7)
    found += ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 12))) for _ in range(4000)]
    return found


@pytest.mark.parametrize("language", sorted(MARKS))
def test_every_match_has_a_needed_character(language: str) -> None:
    samples = texts()
    for rule in _compiled_rules(language):
        assert rule.needs, rule.name  # every rule here has a shortcut
        for text in samples:
            if rule.regex.search(text):
                assert any(char in text for char in rule.needs), (rule.name, text)


@pytest.mark.parametrize(
    ("pattern", "flags", "needs"),
    [
        (r"(?<=[xy])-(?=[ab])", 0, {"-"}),
        (r"ab|c", 0, {"a", "c"}),
        (r"a?b", 0, {"b"}),
        (r"a*", 0, None),
        (r"[^a]b*", 0, None),
        (r"\w+'", 0, {"'"}),
        (r"(?i:tis)", 0, {"t", "T"}),
        (r"q", re.IGNORECASE, {"q", "Q"}),
        (r"(?!-)x|\d", 0, None),
        (r"[0-3]", 0, {"0", "1", "2", "3"}),
    ],
)
def test_required_characters(pattern: str, flags: int, needs: set[str] | None) -> None:
    found = required_characters(re.compile(pattern, flags))
    assert (set(found) if found is not None else None) == needs


def test_every_protected_span_has_its_cue() -> None:
    rng = random.Random(11)
    samples = texts() + [
        "".join(rng.choice(URL_PIECES + tuple(ALPHABET)) for _ in range(rng.randint(1, 10)))
        for _ in range(6000)
    ]
    for protected in PROTECTED:
        if protected.cue is None:
            continue
        regex = re.compile(protected.pattern, protected.flags)
        cue = re.compile(protected.cue, protected.flags)
        found = [text for text in samples if regex.search(text)]
        assert len(found) > 50, protected.name  # the samples do hold such spans
        for text in found:
            assert cue.search(text), (protected.name, text)

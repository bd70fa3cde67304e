"""How a story writes its reader, guessed from the text: `you`, `she`, `he`, or nothing when
the text does not say clearly. `ficpress import` writes a clear answer into the front matter
(`reader: {pronouns: she}`) and `ficpress lint` warns when a declared one disagrees (R701).

Only narration counts (dialogue says `you` to anyone and `she` of anyone). The evidence:

- the narration's `you`, `your`, `yours`, `yourself`;
- the first she-, he- or they-pronoun after each reader code (`Y/N`, `(y/n)`, `F/N`...) in
  the narration of the same sentence or the next (`Y/N sits down and opens her book`); they
  is only ever evidence against she and he (it is as often the reader and someone else).

The rule (`guess`): `you` when the narration says it at least `MIN_YOU` times and at least
`YOU_RATIO` times as often as the reader codes are followed by a pronoun; else she or he when
one has at least `MIN_VOTES` votes and at least `MAJORITY` of all three's; else nothing.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

READER_CODE = re.compile(r"(?<![\w/])[(\[{]?(?:Y/L/N|[YFLMN]/N)[)\]}]?(?![\w/])", re.IGNORECASE)
"""The codes that are the reader (`Y/N`, `(y/n)`, `[F/N]`...), not other people's (`G/N`)."""
YOU = frozenset({"you", "your", "yours", "yourself", "you're", "you've", "you'd", "you'll"})
THIRD = {
    **dict.fromkeys(("she", "her", "hers", "herself", "she's", "she'd", "she'll"), "she"),
    **dict.fromkeys(("he", "him", "his", "himself", "he's", "he'd", "he'll"), "he"),
    **dict.fromkeys(("they", "them", "their", "theirs", "themself", "themselves"), "they"),
    **dict.fromkeys(("they're", "they've", "they'd", "they'll"), "they"),
}
MIN_YOU = 10
YOU_RATIO = 3.0
MIN_VOTES = 4
MAJORITY = 0.75
CODE_MARK = "\ue010"
"""Stands for a reader code while words are read (a private-use character: never text)."""
WORD = re.compile(rf"{CODE_MARK}|[^\W\d_]+(?:['’][^\W\d_]+)?|[.!?…]|[\"“”]")


@dataclass(frozen=True, slots=True)
class Guess:
    """What the text says about its reader, and the evidence."""

    person: str | None
    """`you`, `she`, `he`, or None when the text is unclear."""
    you: int
    """How often the narration says you/your/yours/yourself."""
    votes: dict[str, int]
    """For `she`, `he` and `they`: how often a reader code is followed by that pronoun."""

    def evidence(self) -> str:
        return (
            f"the narration says 'you' {self.you}x; a reader code is followed by she/her "
            f"{self.votes.get('she', 0)}x, he/him {self.votes.get('he', 0)}x, they/them "
            f"{self.votes.get('they', 0)}x"
        )


def guess(paragraphs: Iterable[str]) -> Guess:
    """How the story made of `paragraphs` (manuscript text, one string each) writes its reader."""
    you = 0
    votes: Counter[str] = Counter()
    for paragraph in paragraphs:
        quoted = False
        waiting = 0  # sentence ends left before a reader code's vote lapses; 0: none waiting
        for token in WORD.findall(READER_CODE.sub(f" {CODE_MARK} ", paragraph)):
            lower = token.lower().replace("’", "'")
            if token in ('"', "“", "”"):
                quoted = token == "“" or (token == '"' and not quoted)
                continue
            if quoted:
                continue
            if token == CODE_MARK:
                waiting = 2
            elif token in ".!?…":
                waiting = max(waiting - 1, 0)
            elif lower in YOU:
                you += 1
            elif lower in THIRD and waiting:
                votes[THIRD[lower]] += 1
                waiting = 0
    return Guess(_decide(you, votes), you, dict(votes))


def _decide(you: int, votes: Counter[str]) -> str | None:
    third = votes["she"] + votes["he"] + votes["they"]
    if you >= MIN_YOU and you >= YOU_RATIO * third:
        return "you"
    for person in ("she", "he"):
        if votes[person] >= MIN_VOTES and votes[person] >= MAJORITY * third:
            return person
    return None

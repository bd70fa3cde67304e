"""Lint's checks of the reader's pronouns: the pronouns a story declares for its reader against
how its text writes the reader (builder.stages.reader_person), R701 when they clearly
disagree; and the syntax of pronouns written out, refused as `ficpress build` refuses it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from builder.errors import ManuscriptError
from builder.files import read_limited
from builder.model import Source
from builder.stages import placeholders, pronoun_marks, pronoun_syntax, scenes
from builder.stages.manuscript import MAX_MANUSCRIPT_BYTES
from builder.stages.reader_person import MAJORITY, MIN_VOTES, Guess, guess

READER_FIELD = re.compile(r"^reader\s*:")


def mismatch(
    path: Path, declared: str | None, paragraphs: Sequence[str]
) -> tuple[int, dict[str, Any]] | None:
    """(the `reader:` line, the details of R701) when the text clearly writes the reader
    otherwise than `declared`; None when it agrees, says nothing clear, or nothing is declared."""
    if declared is None:
        return None
    found = guess(paragraphs)
    if found.person is None or found.person == declared or _mixed(found, declared):
        return None
    return _field_line(path), {
        "declared": declared,
        "found": found.person,
        "evidence": found.evidence(),
    }


def _mixed(found: Guess, declared: str) -> bool:
    """A story mostly in `you` whose reader code, where it is written, clearly takes the
    declared pronouns (the sample: `you` in most scenes, `Y/N ... her` in one): the
    declaration is right for those parts, which are the only ones the pronouns change."""
    votes = found.votes.get(declared, 0)
    return (
        found.person == "you"
        and votes >= MIN_VOTES
        and votes >= MAJORITY * sum(found.votes.values())
    )


def check_written_out(source: Source) -> None:
    """The ManuscriptError `ficpress build` would give for the reader's pronouns written out
    (an unclosed `[F!]`, `(she/him)`, a loose `{+}`), so that lint stops where build would."""
    pronoun_marks.strip(pronoun_syntax.find(placeholders.find(scenes.split(source))))


def _field_line(path: Path) -> int:
    """The line of the `reader:` field (the manuscript was read already: it is there)."""
    data = read_limited(path, MAX_MANUSCRIPT_BYTES, ManuscriptError, "manuscript")
    lines = data.decode("utf-8-sig", errors="replace").splitlines()
    return next((n for n, line in enumerate(lines, 1) if READER_FIELD.match(line)), 1)

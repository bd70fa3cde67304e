"""The reader-pronoun gold set (tests/fixtures/pronouns/) is consistent with itself: every
difference between a story's she/he/they versions is a marked reader word (or, in the they
version, a verb agreeing with one), and the set is as large and varied as the pronoun work
needs. It was written and annotated by hand before any detection code existed."""

from __future__ import annotations

import importlib.util
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

GOLD = Path(__file__).parent / "fixtures" / "pronouns"
STORIES = sorted(path for path in GOLD.iterdir() if (path / "annotated.md").is_file())


def checker() -> ModuleType:
    spec = importlib.util.spec_from_file_location("pronoun_gold_check", GOLD / "check.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CHECK = checker()


@pytest.mark.parametrize("story", STORIES, ids=[story.name for story in STORIES])
def test_every_version_differs_only_at_marked_reader_words(story: Path) -> None:
    assert CHECK.check_story(story) == []


def test_the_set_covers_what_the_pronoun_work_needs() -> None:
    words = sum(CHECK.body_words((story / "annotated.md").read_text()) for story in STORIES)
    readers = Counter(CHECK.reader_pronouns((s / "annotated.md").read_text()) for s in STORIES)
    roles = Counter(
        role
        for story in STORIES
        for _, role, _ in CHECK.marks((story / "annotated.md").read_text())
    )
    assert len(STORIES) >= 12 and words >= 10_000
    assert readers["she"] >= 6 and readers["he"] >= 2 and readers["you"] >= 2
    assert all(roles[role] >= 100 for role in ("subj", "obj", "det")), roles
    assert roles["word"] >= 30 and roles["refl"] >= 10 and roles["pos"] >= 5, roles


def test_the_checker_catches_an_unmarked_change(tmp_path: Path) -> None:
    story = tmp_path / "story"
    story.mkdir()
    for name in ("annotated.md", "she.md", "he.md", "they.md"):
        (story / name).write_bytes((STORIES[0] / name).read_bytes())
    he = (story / "he.md").read_text()
    (story / "he.md").write_text(he.replace(" the ", " a ", 1))
    assert any("is not a marked word" in problem for problem in CHECK.check_story(story))

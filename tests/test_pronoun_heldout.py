"""How well the pronoun stage does on the held-out set (tests/fixtures/pronouns-heldout/):
stories written and annotated without looking at the detector, and committed before anything
was measured on them, so that the figures say whether the detector, tuned on the gold set,
generalises. Measured exactly as tests/test_pronoun_accuracy.py measures the gold set (its
functions, imported), printed, and held to the same thresholds.

Run `pytest -s tests/test_pronoun_heldout.py` to see the figures.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tests import test_pronoun_accuracy as gold

HELDOUT = Path(__file__).parent / "fixtures" / "pronouns-heldout"
STORIES = sorted(path for path in HELDOUT.iterdir() if (path / "annotated.md").is_file())


@pytest.mark.parametrize("story", STORIES, ids=[story.name for story in STORIES])
def test_every_version_differs_only_at_marked_reader_words(story: Path) -> None:
    assert gold.CHECK.check_story(story) == []


def test_the_set_covers_what_the_brief_asked_for() -> None:
    texts = [(story / "annotated.md").read_text(encoding="utf-8") for story in STORIES]
    readers = Counter(gold.CHECK.reader_pronouns(text) for text in texts)
    roles = Counter(role for text in texts for _, role, _ in gold.CHECK.marks(text))
    assert len(STORIES) >= 5 and sum(map(gold.CHECK.body_words, texts)) >= 3500
    assert readers["she"] >= 1 and readers["he"] >= 1 and readers["you"] >= 1, readers
    assert all(roles[role] > 0 for role in gold.CHECK.ROLES), roles


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> list[gold.Built]:
    return gold.build_editions(STORIES, tmp_path_factory.mktemp("heldout-editions"))


@pytest.fixture(scope="module")
def detection(built: list[gold.Built]) -> tuple[float, float, int, int, int]:
    print("\nheld-out set:", end="")
    return gold.measure_detection(built)


@pytest.fixture(scope="module")
def rewriting(built: list[gold.Built]) -> dict[str, float]:
    print("\nheld-out set:", end="")
    return gold.measure_rewriting(built)


def test_every_pronoun_edition_passes_epubcheck(
    built: list[gold.Built], tmp_path_factory: pytest.TempPathFactory
) -> None:
    gold.test_every_pronoun_edition_passes_epubcheck(built, tmp_path_factory)


def test_the_figures_are_measured(
    detection: tuple[float, float, int, int, int], rewriting: dict[str, float]
) -> None:
    gold.test_the_figures_are_measured(detection, rewriting)


def test_nothing_but_the_reader_words_changes(built: list[gold.Built]) -> None:
    gold.test_nothing_but_the_reader_words_changes(built)


def test_the_written_edition_is_byte_identical_without_the_stage(
    built: list[gold.Built], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gold.test_the_written_edition_is_byte_identical_without_the_stage(built, tmp_path, monkeypatch)


def test_the_original_edition_reads_as_the_gold_original(
    built: list[gold.Built], rewriting: dict[str, float]
) -> None:
    gold.test_the_original_edition_reads_as_the_gold_original(built, rewriting)


MEASURED = (
    "held-out set measured P=0.931, R=0.835, they-agreement 0.920 "
    "(WER she 0.0028, he 0.0092, they 0.0140; before the third round of rules, tuned on the "
    "gold set only: P=0.924, R=0.835, 0.907): below the issue's threshold"
)


@pytest.mark.xfail(strict=True, reason=MEASURED)
def test_precision_reaches_the_issue_threshold(
    detection: tuple[float, float, int, int, int],
) -> None:
    assert detection[0] >= gold.PRECISION


@pytest.mark.xfail(strict=True, reason=MEASURED)
def test_recall_reaches_the_issue_threshold(
    detection: tuple[float, float, int, int, int],
) -> None:
    assert detection[1] >= gold.RECALL


@pytest.mark.xfail(strict=True, reason=MEASURED)
def test_they_agreement_reaches_the_issue_threshold(rewriting: dict[str, float]) -> None:
    assert rewriting["agreement"] >= gold.AGREEMENT

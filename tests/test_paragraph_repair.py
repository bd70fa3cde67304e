"""Paragraph repair measured on walls of text with hand-made gold (`tests/fixtures/walls`).

Each wall goes through the plain-text importer's reading and clean-up (what `ficpress
import story.txt` does); the paragraph breaks it restored are compared with the gold's. A
break is a boundary between two words: word N ends a paragraph. Breaks the wall already had
(surviving line breaks) are left out on both sides, so only restored breaks are scored.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from builder.importers import text
from builder.importers.draft import finish
from builder.importers.paragraphs import restore
from builder.importers.wall_reading import different, names, quotations, segments
from builder.stages.scenes import scene_break
from tests.conftest import ROOT

WALLS = Path(__file__).parent / "fixtures" / "walls"
HELD_OUT = Path(__file__).parent / "fixtures" / "walls-heldout"
"""Walls written after the repair was tuned on WALLS, never tuned on."""
THRESHOLD = 0.9


@dataclass(frozen=True, slots=True)
class Score:
    """Restored breaks of one wall (or all), against the gold."""

    name: str
    """The wall's folder name, or `all`."""
    found: int
    """Breaks the repair restored."""
    right: int
    """...of which the gold has."""
    wanted: int
    """Breaks the gold has that the wall lost."""

    @property
    def precision(self) -> float:
        return self.right / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        return self.right / self.wanted if self.wanted else 1.0


def breaks(paragraphs: list[str]) -> tuple[list[str], set[int]]:
    """The words of `paragraphs` and the index of each word that ends a paragraph (but the
    last)."""
    words: list[str] = []
    ends: set[int] = set()
    for paragraph in paragraphs:
        words += paragraph.split()
        ends.add(len(words) - 1)
    ends.discard(len(words) - 1)
    return words, ends


def repaired(wall: str, name: str) -> list[str]:
    draft = finish(text.read(wall, Path(f"{name}.txt"), markdown=False), None)
    return [block.text for block in draft.blocks if block.kind == "paragraph"]


def score(folder: Path) -> Score:
    wall = (folder / "wall.txt").read_text(encoding="utf-8")
    gold_words, gold = breaks((folder / "gold.md").read_text(encoding="utf-8").split("\n\n"))
    wall_words, given = breaks(wall.splitlines())
    words, found = breaks(repaired(wall, folder.name))
    assert words == gold_words == wall_words, f"{folder.name}: the repair changed the words"
    assert given <= found, f"{folder.name}: the repair dropped a break the wall had"
    assert given <= gold, f"{folder.name}: a surviving break that the gold does not have"
    return Score(folder.name, len(found - given), len(found & gold - given), len(gold - given))


def scores(walls: Path = WALLS) -> list[Score]:
    per_wall = [score(folder) for folder in sorted(walls.iterdir()) if folder.is_dir()]
    total = Score(
        "all",
        sum(s.found for s in per_wall),
        sum(s.right for s in per_wall),
        sum(s.wanted for s in per_wall),
    )
    return [*per_wall, total]


def report(measured: list[Score]) -> str:
    lines = [f"{'wall':<22} found right wanted precision recall"]
    lines += [
        f"{s.name:<22} {s.found:>5} {s.right:>5} {s.wanted:>6} {s.precision:>9.3f} {s.recall:>6.3f}"
        for s in measured
    ]
    return "\n".join(lines)


def test_the_sets_have_sixteen_walls_some_short_some_long() -> None:
    folders = [f for walls in (WALLS, HELD_OUT) for f in walls.iterdir() if f.is_dir()]
    lengths = [len((f / "wall.txt").read_text()) for f in folders]
    assert len(lengths) >= 16
    assert min(lengths) < 1200 < max(lengths)


MEASURED = (0.986, 1.0)
"""Precision and recall on WALLS as last measured (printed on every run with `-s`)."""
MEASURED_HELD_OUT = (0.804, 0.776)
"""...and on HELD_OUT, the text the repair was not tuned on: the honest figure."""


@pytest.mark.parametrize(("walls", "floor"), [(WALLS, MEASURED), (HELD_OUT, MEASURED_HELD_OUT)])
def test_restored_breaks_do_not_fall_below_the_measured_figures(
    walls: Path, floor: tuple[float, float]
) -> None:
    measured = scores(walls)
    print(f"\n{walls.name}\n" + report(measured))
    total = measured[-1]
    assert round(total.precision, 3) >= floor[0], report(measured)
    assert round(total.recall, 3) >= floor[1], report(measured)


@pytest.mark.parametrize(
    "walls",
    [
        WALLS,
        pytest.param(
            HELD_OUT,
            marks=pytest.mark.xfail(
                strict=True,
                reason=f"measured precision {MEASURED_HELD_OUT[0]}, recall {MEASURED_HELD_OUT[1]} "
                "after the second round of rules, tuned on WALLS only (0.808 / 0.724 before it)",
            ),
        ),
    ],
)
def test_restored_breaks_reach_precision_and_recall_of_0_9(walls: Path) -> None:
    total = scores(walls)[-1]
    assert total.precision >= THRESHOLD and total.recall >= THRESHOLD, report(scores(walls))


STORIES = sorted(
    [
        *(ROOT / "tests" / "fixtures" / "pronouns").glob("*/she.md"),
        *(ROOT / "tests" / "cases").glob("*/input/story.md"),
        *(ROOT / "manuscripts").glob("*.md"),
    ]
)
"""Stories their writers paragraphed (written for other tests): what repair must not spoil,
and, joined into walls, a second measure of it on text it was not written against."""


def scenes_of(story: Path) -> list[list[str]]:
    """The paragraphs of each scene of a manuscript's body (headings and breaks cut scenes)."""
    body = story.read_text(encoding="utf-8").split("\n---\n", 1)[1]
    found: list[list[str]] = [[]]
    for block in body.split("\n\n"):
        paragraph = " ".join(block.split())
        if paragraph.startswith("#") or scene_break(paragraph) is not None:
            found.append([])
        elif paragraph:
            found[-1].append(paragraph)
    return [scene for scene in found if scene]


def test_well_paragraphed_stories_get_no_break_added() -> None:
    assert len(STORIES) >= 20
    for story in STORIES:
        wall = "\n\n".join("\n\n".join(scene) for scene in scenes_of(story))
        paragraphs = repaired(wall, story.parent.name)
        assert len(paragraphs) == wall.count("\n\n") + 1, story


MEASURED_STORIES = (0.794, 0.65)
"""Precision and recall of `restore` on each scene of STORIES joined into one wall."""


def test_scenes_of_paragraphed_stories_made_walls_get_their_breaks_back() -> None:
    found = right = wanted = 0
    for scene in (scene for story in STORIES for scene in scenes_of(story)):
        words, gold = breaks(scene)
        made_words, made = breaks(restore(" ".join(scene)))
        assert made_words == words
        found, right, wanted = found + len(made), right + len(made & gold), wanted + len(gold)
    measured = Score("stories", found, right, wanted)
    print("\n" + report([measured]))
    assert round(measured.precision, 3) >= MEASURED_STORIES[0], report([measured])
    assert round(measured.recall, 3) >= MEASURED_STORIES[1], report([measured])


def test_no_repaired_paragraph_holds_two_tagged_speakers() -> None:
    walls = [line for f in sorted(WALLS.glob("*/wall.txt")) for line in f.read_text().splitlines()]
    walls += [" ".join(scene) for story in STORIES for scene in scenes_of(story)]
    for wall in walls:
        story_names = names(wall)
        for paragraph in restore(wall):
            spans = quotations(paragraph)
            tags = [s.tag for s in segments(paragraph, spans, story_names) if s.tag and spans]
            assert not any(different(a, b) for a in tags for b in tags), paragraph


def test_a_short_wall_gets_its_turns_restored() -> None:
    wall = '"Hello?" "Hey, it\'s me." Steve\'s voice was low. "Did I wake you?" "It\'s three a.m."'
    assert repaired(wall, "short") == [
        '"Hello?"',
        '"Hey, it\'s me." Steve\'s voice was low. "Did I wake you?"',
        '"It\'s three a.m."',
    ]


def test_a_short_wall_whose_turns_show_only_by_a_beat_is_repaired() -> None:
    # One tag names the reader; the beat before the next words names him: two speakers.
    wall = '"You came back," you said. He shrugged and sat down. "I forgot my scarf."'
    assert repaired(wall, "beat") == [
        '"You came back," you said.',
        'He shrugged and sat down. "I forgot my scarf."',
    ]


def test_one_paragraph_never_holds_two_speakers() -> None:
    wall = '"Come in," Wanda said. Vision looked up. "I was helping," Vision said. "Sit," she said.'
    assert repaired(wall, "two") == [
        '"Come in," Wanda said.',
        'Vision looked up. "I was helping," Vision said.',
        '"Sit," she said.',
    ]


def test_a_paragraph_that_kept_its_breaks_is_left_alone() -> None:
    story = '"Brother!" Thor called. "Sit down."\n\n"No," Loki said. He sat anyway.'
    assert repaired(story, "kept") == [
        '"Brother!" Thor called. "Sit down."',
        '"No," Loki said. He sat anyway.',
    ]

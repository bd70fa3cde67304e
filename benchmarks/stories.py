"""Many short reader-insert stories, generated deterministically, for the site's catalog at
scale (tests and `benchmarks/catalog.py`).

`generate(folder, count)` writes `story-001.md`... with varied front matter: a dozen fandoms
with their pairings, AO3's five ratings, complete / in progress / unsaid, tags, summaries with
`Y/N`, dates over six years, and bodies from 150 to about 60,000 words (mostly short, as
reader-inserts are; a few long ones so every word-count range has stories). The same
arguments always write the same bytes.

    python -m benchmarks.stories OUT_DIR [COUNT]
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

from benchmarks.longstory import _paragraph

FANDOMS = {
    "Star Wars": ("Poe Dameron/Reader", "Kylo Ren/Reader", "Din Djarin/Reader"),
    "Marvel Cinematic Universe": ("Bucky Barnes/Reader", "Loki/Reader", "Steve Rogers/Reader"),
    "Harry Potter": ("Draco Malfoy/Reader", "Remus Lupin/Reader"),
    "Supernatural": ("Dean Winchester/Reader", "Castiel/Reader"),
    "Genshin Impact": ("Zhongli/Reader", "Childe/Reader", "Kaeya/Reader"),
    "My Hero Academia": ("Bakugou Katsuki/Reader", "Todoroki Shouto/Reader"),
    "The Witcher": ("Geralt of Rivia/Reader", "Jaskier/Reader"),
    "Stranger Things": ("Steve Harrington/Reader", "Eddie Munson/Reader"),
    "Lord of the Rings": ("Legolas/Reader", "Aragorn/Reader"),
    "Original Work": ("Original Character/Reader", "Reader & Friends"),
    "Bridgerton": ("Anthony Bridgerton/Reader",),
    "Good Omens": ("Crowley/Reader", "Aziraphale/Reader"),
}
RATINGS = (
    "General Audiences",
    "Teen And Up Audiences",
    "Mature",
    "Explicit",
    "Not Rated",
)
TAGS = (
    "Fluff",
    "Angst",
    "Hurt/Comfort",
    "Slow Burn",
    "Enemies to Lovers",
    "Friends to Lovers",
    "Found Family",
    "Coffee Shop AU",
    "Modern AU",
    "Canon Divergence",
    "Soulmates",
    "Fake Dating",
    "Domestic",
    "Pining",
)
TITLE_WORDS = (  # noqa: SIM905
    "Lantern Winter Harbour Echo Ember Tide Orchard Compass Velvet Thunder Paper Silver "
    "Hollow Sparrow Meridian Quiet Wild Borrowed Golden Salt Midnight Glass Crimson Autumn"
).split()
TITLE_SHAPES = ("The {a} {b}", "{a} and {b}", "A {a} for Y/N", "Under the {a}", "{a}, {b}")
STATUSES = ("complete", "complete", "in progress", None)


def _words(rng: random.Random) -> int:
    roll = rng.random()
    if roll < 0.03:
        return rng.randint(50_000, 60_000)
    if roll < 0.10:
        return rng.randint(20_000, 30_000)
    if roll < 0.35:
        return rng.randint(5_000, 12_000)
    if roll < 0.85:
        return rng.randint(1_000, 5_000)
    return rng.randint(150, 999)


def story(number: int, seed: int = 17, scale: float = 1.0) -> str:
    """The text of story `number` (1-based), its length multiplied by `scale`."""
    rng = random.Random(seed * 100_003 + number)
    fandom = rng.choice(sorted(FANDOMS))
    a, b = rng.sample(TITLE_WORDS, 2)
    title = rng.choice(TITLE_SHAPES).format(a=a, b=b) + f" {number}"
    status = STATUSES[rng.randrange(len(STATUSES))]
    tags = "".join(f"  - {tag}\n" for tag in rng.sample(TAGS, rng.randint(1, 4)))
    year, month, day = 2019 + rng.randrange(6), rng.randint(1, 12), rng.randint(1, 28)
    front = (
        "---\n"
        f"title: {title}\n"
        f"author: writer{rng.randint(1, 60)}\n"
        f"fandom: {fandom}\n"
        f"pairing: {rng.choice(FANDOMS[fandom])}\n"
        f"rating: {rng.choice(RATINGS)}\n"
        + (f"status: {status}\n" if status else "")
        + f"date: {year}-{month:02d}-{day:02d}\n"
        f"tags:\n{tags}"
        f"summary: Y/N finds a {a.lower()} and a {b.lower()} in {fandom}.\n"
        "---\n"
    )
    words = max(100, int(_words(rng) * scale))
    chapters = max(1, words // 4000)
    parts = [front]
    for chapter in range(1, chapters + 1):
        parts.append(f"# Chapter {chapter}\n")
        written = 0
        while written < words // chapters:
            paragraph = _paragraph(rng, rng.randint(40, 140))
            parts.append(paragraph + "\n")
            written += len(paragraph.split())
    return "\n".join(parts)


def generate(folder: Path, count: int = 300, seed: int = 17, scale: float = 1.0) -> list[Path]:
    """Write `count` stories into `folder` and return their paths; `scale` shortens every
    body (tests use 0.02: 300 stories compile in seconds, the catalog looks the same)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number in range(1, count + 1):
        path = folder / f"story-{number:03d}.md"
        path.write_text(story(number, seed, scale), encoding="utf-8")
        paths.append(path)
    return paths


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    written = generate(out, int(sys.argv[2]) if len(sys.argv) > 2 else 300)
    print(f"wrote {len(written)} stories into {out}")

"""A long reader-insert story, generated deterministically, for benchmarks.

`generate(folder)` writes `long-story.md`: about 100,000 words in 30 chapters and 100 scenes,
with `Y/N`, `E/C` and `H/C` (and a story-specific `B/F`) sprinkled through the text, dialogue
in straight quotes, emphasis, and captioned scene breaks. The same arguments always write
the same bytes, so runs on different days compare.

    python benchmarks/longstory.py OUT_DIR
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

# One string keeps the vocabulary readable; a list literal would take 130 lines.
WORDS = (  # noqa: SIM905
    "the a and of to in that was his her he she it with as for on at by from they you your "
    "not but all were when we there been one so what him up out if about who them then into "
    "could time only new some would other these more like over such after first well also "
    "back most even through down long where much before right too old any same tell still "
    "night light door hand room voice eyes hair window stairs silence morning rain smile breath "
    "corridor ship star fleet storm letter kitchen lamp garden shadow whisper promise memory "
    "slowly quietly almost never always again against between beneath across toward without "
    "walked turned waited looked reached wondered whispered laughed stopped listened remembered"
).split()
NAMES = ("Kylo", "Poe", "Rey", "Finn", "Hux", "Rose")
CAPTIONS = ("(Later that night)", "(Three days later)", "(Meanwhile)", "(The next morning)")
FRONT_MATTER = """---
title: The Long Way Home
author: benchmark
language: en
fandom: Star Wars
pairing: Poe Dameron/Reader
rating: Teen And Up Audiences
warnings:
  - Mild peril
tags:
  - Slow burn
  - Reader-insert
summary: Y/N and B/F take the long way home, and it takes a hundred thousand words.
placeholders:
  B/F: {label: best friend's name, default: Sam}
---
"""


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(6, 18))]
    roll = rng.random()
    if roll < 0.06:
        words.insert(rng.randrange(len(words)), "Y/N")
    elif roll < 0.09:
        words.insert(rng.randrange(len(words)), "your E/C eyes")
    elif roll < 0.11:
        words.insert(rng.randrange(len(words)), "your H/C hair")
    elif roll < 0.12:
        words.insert(rng.randrange(len(words)), "B/F")
    elif roll < 0.16:
        words.insert(rng.randrange(len(words)), rng.choice(NAMES))
    if rng.random() < 0.05:
        index = rng.randrange(len(words))
        words[index] = f"*{words[index]}*"
    text = " ".join(words)
    text = text[0].upper() + text[1:]
    if rng.random() < 0.15:
        return f'"{text}," {rng.choice(NAMES)} said.'
    return text + rng.choice(".....?!")


def _paragraph(rng: random.Random, words: int) -> str:
    sentences: list[str] = []
    count = 0
    while count < words:
        sentence = _sentence(rng)
        sentences.append(sentence)
        count += len(sentence.split())
    return " ".join(sentences)


def text(words: int = 100_000, chapters: int = 30, scenes: int = 100, seed: int = 4) -> str:
    """The manuscript's text."""
    rng = random.Random(seed)
    per_scene = words // scenes
    # Spread the scenes over the chapters: the first ones get one more.
    counts = [scenes // chapters + (1 if n < scenes % chapters else 0) for n in range(chapters)]
    parts = [FRONT_MATTER]
    for number, count in enumerate(counts, 1):
        parts.append(f"# Chapter {number}\n")
        for scene in range(count):
            if scene:
                caption = f" {rng.choice(CAPTIONS)}" if rng.random() < 0.3 else ""
                parts.append(f"* * *{caption}\n")
            written = 0
            while written < per_scene:
                # The last paragraph is cut to size, so the story lands close to `words`.
                size = max(20, min(rng.randint(40, 140), per_scene - written))
                paragraph = _paragraph(rng, size)
                parts.append(paragraph + "\n")
                written += len(paragraph.split())
    return "\n".join(parts)


def generate(folder: Path, **options: int) -> Path:
    """Write the story into `folder` and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "long-story.md"
    path.write_text(text(**options), encoding="utf-8")
    return path


if __name__ == "__main__":
    written = generate(Path(sys.argv[1] if len(sys.argv) > 1 else "."))
    print(f"wrote {written} ({len(written.read_text(encoding='utf-8').split()):,} words)")

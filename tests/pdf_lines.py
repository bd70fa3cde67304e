"""The body text of a PDF as typeset lines, from poppler's `pdftotext -bbox-layout` (word
positions as the PDF draws them), and the line-breaking faults a careful reader notices:
a word hyphenated across a page turn, a hyphenation fragment of two letters or fewer, and a
justified line whose word gap is far wider than the book's usual one."""

from __future__ import annotations

import itertools
import re
import shutil
import statistics
import subprocess
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from builder.editions.pages import PagePreset

PDFTOTEXT = shutil.which("pdftotext")
HYPHENS = "\u2010"
"""What ends a line broken inside a word: WeasyPrint's hyphenate-character is U+2010."""
MM = 72 / 25.4
WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Line:
    page: int
    words: tuple[str, ...]
    starts: tuple[float, ...]
    ends: tuple[float, ...]
    left: float
    right: float

    @property
    def gaps(self) -> list[float]:
        return [start - end for end, start in zip(self.ends, self.starts[1:], strict=False)]

    @property
    def hyphenated(self) -> bool:
        return self.words[-1][-1] in HYPHENS and bool(WORD.search(self.words[-1]))


@dataclass(frozen=True)
class Faults:
    lines: int
    page_turns: int
    hyphenated_turns: list[str]
    short_fragments: list[str]
    wide_gaps: list[str]
    median_gap: float


def body_lines(pdf: Path, preset: PagePreset) -> list[Line]:
    """Every line of text inside the page margins (no running header, no page number), in
    reading order, from the pages after the cover."""
    assert PDFTOTEXT is not None
    xml = subprocess.run(
        [PDFTOTEXT, "-bbox-layout", str(pdf), "-"], capture_output=True, check=True
    ).stdout
    root = etree.fromstring(xml, etree.XMLParser(recover=True))
    top, _, bottom, _ = preset.margin
    lines = []
    for number, page in enumerate(root.iter("{*}page"), 1):
        height = float(page.get("height"))
        for line in page.iter("{*}line"):
            y_min, y_max = float(line.get("yMin")), float(line.get("yMax"))
            # pdftotext's boxes include the font's ascent and descent: the middle must sit
            # inside the text area.
            middle = (y_min + y_max) / 2
            if not top * MM < middle < height - bottom * MM:
                continue
            words = list(line.iter("{*}word"))
            lines.append(
                Line(
                    number,
                    tuple(word.text or "" for word in words),
                    tuple(float(word.get("xMin")) for word in words),
                    tuple(float(word.get("xMax")) for word in words),
                    float(line.get("xMin")),
                    float(line.get("xMax")),
                )
            )
    return lines


def faults(pdf: Path, preset: PagePreset, gap_limit: float = 2.5) -> Faults:
    """The line-breaking faults of the book at `pdf`, laid out on `preset`."""
    lines = body_lines(pdf, preset)
    right_edge = max(line.right for line in lines)
    # A justified line reaches the right edge; a paragraph's last line does not.
    justified = [line for line in lines if right_edge - line.right < 0.5 and len(line.words) > 1]
    gaps = [gap for line in justified for gap in line.gaps]
    median = statistics.median(gaps)
    turns, hyphenated, short, wide = 0, [], [], []
    for line, following in itertools.pairwise(lines):
        turn = following.page != line.page
        turns += turn
        if not line.hyphenated:
            continue
        head, tail = line.words[-1].rstrip(HYPHENS), following.words[0]
        word = f"{head}-{tail}"
        if turn:
            hyphenated.append(f"page {line.page}: {word}")
        head_letters = WORD.findall(head)[-1] if WORD.findall(head) else ""
        tail_letters = WORD.findall(tail)[0] if WORD.findall(tail) else ""
        if min(len(head_letters), len(tail_letters)) <= 2:
            short.append(f"page {line.page}: {word}")
    for line in justified:
        widest = max(line.gaps)
        if widest > gap_limit * median:
            wide.append(f"page {line.page}: {widest / median:.1f}x in {' '.join(line.words)!r}")
    return Faults(len(lines), turns, hyphenated, short, wide, median)

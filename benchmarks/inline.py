"""Inline markup on hostile text: `**a ` repeated (every opener unclosed) and thousands of
stars around a word, against the regular expressions the parser used to run.

    python benchmarks/inline.py

The old parser tried a lazy `.+?` to the end of the paragraph from every opener, so its time
grew with the square of the text (80 KB took 23 s, 160 KB 114 s); it is run here only on
small inputs. Prints one Markdown table row per input.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from builder.stages.inline import Positions, SourceLine, parse_text  # noqa: E402
from tests.test_inline_linear import reference  # noqa: E402


def seconds(parse: object, text: str) -> float:
    started = time.perf_counter()
    parse(text)  # type: ignore[operator]
    return time.perf_counter() - started


def old(text: str) -> None:
    reference(text, 0, Positions([SourceLine(text, 1, 1)]))


def row(what: str, kilobytes: int, parser: str, taken: float) -> None:
    print(f"| {what} | {kilobytes} KB | {parser} | {taken:.3f} |")


def new(text: str) -> None:
    parse_text(text, 1)


def main() -> None:
    print("| input | size | parser | seconds |")
    print("|---|---:|---|---:|")
    for kilobytes in (5, 10, 20):
        text = "**a " * (kilobytes * 256)
        row("`**a ` repeated", kilobytes, "regular expressions (before)", seconds(old, text))
    for kilobytes in (5, 10, 20, 80, 160, 320):
        text = "**a " * (kilobytes * 256)
        row("`**a ` repeated", kilobytes, "linear (now)", seconds(new, text))
    stars = "*" * 5000 + "word" + "*" * 5000
    row("5,000 stars around a word", 10, "linear (now)", seconds(new, stars))


if __name__ == "__main__":
    main()

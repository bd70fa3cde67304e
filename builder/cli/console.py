"""How the command line speaks: what -q and -v let through, and colour only where it helps.

Colour goes only to a terminal, and never when NO_COLOR is set (no-color.org).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import TextIO

RED, YELLOW, RESET = "\033[31m", "\033[33m", "\033[0m"


def colour_for(stream: TextIO) -> bool:
    """Whether to colour what goes to `stream`."""
    return stream.isatty() and not os.environ.get("NO_COLOR")


@dataclass(slots=True)
class Console:
    """Where a command's words go."""

    verbosity: int = 0
    """-1 and below: errors only (-q); 0: normal; 1 and above: more detail (-v)."""
    _stepping: bool = False

    def out(self, text: str) -> None:
        """What the command was asked for (a listing, a report): always printed."""
        print(text)

    def info(self, text: str) -> None:
        """What was done (`wrote dist/x.epub`): not with -q."""
        self.done()
        if self.verbosity >= 0:
            print(text)

    def detail(self, text: str) -> None:
        """How it was done: only with -v."""
        if self.verbosity > 0:
            print(text, file=sys.stderr)

    def warn(self, text: str) -> None:
        """A `PATH: warning: ...` line: not with -q."""
        self.done()
        if self.verbosity >= 0:
            print(_painted(text, "warning:", YELLOW), file=sys.stderr)

    def step(self, text: str) -> None:
        """What a long command is doing now: one line rewritten in place on a terminal (and
        cleared by `done`), a detail line with -v, nothing otherwise."""
        if self.verbosity > 0:
            self.detail(text)
        elif self.verbosity == 0 and sys.stderr.isatty():
            sys.stderr.write(f"\r\033[K{text}…")
            sys.stderr.flush()
            self._stepping = True

    def done(self) -> None:
        """Clear the step line, if one is shown."""
        if self._stepping:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()
            self._stepping = False

    def error(self, text: str) -> None:
        """A `PATH: error: ...` line: always."""
        self.done()
        print(_painted(text, "error:", RED), file=sys.stderr)


def _painted(text: str, word: str, colour: str) -> str:
    if not colour_for(sys.stderr) or word not in text:
        return text
    return text.replace(word, f"{colour}{word}{RESET}", 1)

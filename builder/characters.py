"""Which characters text may hold: what an XML document (an EPUB, an OPDS feed, a PDF's tags)
can carry and a reader's device can show.

Refused everywhere (manuscripts, reader values, imports drop them): the C0 controls but tab
and line ends, DEL and the C1 controls, lone surrogates (invalid UTF-8 bytes in a command line
arrive as these) and the Unicode noncharacters (U+FDD0-U+FDEF and the last two code points of
every plane, U+FFFE and U+FFFF among them).
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Sequence

from builder.errors import UsageError

_PLANE_ENDS = "".join(f"\\U{plane:04x}fffe\\U{plane:04x}ffff" for plane in range(1, 17))
_BASIC_PLANE = (
    "\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f\\ud800-\\udfff\\ufdd0-\\ufdef\\ufffe\\uffff"
)
NOT_TEXT = _BASIC_PLANE + _PLANE_ENDS
"""The body of a regular-expression character class: what no text may hold (tab, `\\n` and
`\\r` are allowed here; reader values refuse them too)."""
# The same matches as `[NOT_TEXT]`, six times faster: re checks a class with 32 scattered
# characters beyond U+FFFF one range at a time, and one of the basic plane and a single
# range beyond it by a table; only a character beyond U+FFFF is checked against them all.
FORBIDDEN = re.compile(f"[{_BASIC_PLANE}\\U00010000-\\U0010ffff](?<=[{NOT_TEXT}])")


def describe(character: str) -> str:
    """`U+0001 (a control character)`: how a message names a refused character."""
    code = ord(character)
    if 0xD800 <= code <= 0xDFFF:
        what = "a byte that is not UTF-8"
    elif unicodedata.category(character) == "Cn":
        what = "a Unicode noncharacter"
    elif unicodedata.category(character) == "Co":
        what = "a private-use character ficpress reserves"
    else:
        what = "a control character"
    return f"U+{code:04X} ({what})"


def visible(text: str) -> bool:
    """Whether `text` has a character one can see (not only spaces and invisible formatting
    like U+200B): an empty-looking title or subject makes an invalid book."""
    return any(unicodedata.category(character)[0] not in "ZC" for character in text)


def _escapes(argument: str) -> bool:
    """Whether every lone surrogate in `argument` stands for an undecodable byte."""
    return all(
        "\udc80" <= character <= "\udcff"
        for character in argument
        if "\ud800" <= character <= "\udfff"
    )


def command_line(argv: Sequence[str] | None) -> list[str]:
    """The arguments (default: `sys.argv[1:]`), or a UsageError naming the first that is not
    UTF-8 (Python hands its bytes over as lone surrogates, which no file or book can hold)."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    for number, argument in enumerate(arguments, 1):
        if any("\ud800" <= character <= "\udfff" for character in argument):
            # Undecodable bytes arrive as U+DC80-U+DCFF; other lone surrogates (from a caller
            # in Python) have no bytes to show, so they are shown escaped.
            written = argument.encode(
                "utf-8", "surrogateescape" if _escapes(argument) else "backslashreplace"
            )
            raise UsageError(f"argument {number} ({written!r}) is not UTF-8 text")
    return arguments

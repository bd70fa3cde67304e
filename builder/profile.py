"""The reader's details: every route a value arrives by, checked alike, with one precedence.

Routes, weakest first (`PRECEDENCE`): the story's defaults, the reader's saved profile
(`--profile NAME`, or the default one: builder.config), a reader file (`--reader FILE`), a row
of a readers CSV (batch builds), the download site's form or a reader token, and `--set
CODE=VALUE` flags. A later route's value for a code replaces an earlier one's.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from builder import pronouns
from builder.characters import NOT_TEXT, describe
from builder.errors import ProfileError, UsageError
from builder.files import read_limited
from builder.fill import CLOSE, OPEN
from builder.model import Origin, PlaceholderInfo, Profile, ProfileValue
from builder.stages.placeholders import CODE_SYNTAX, canonical

MAX_VALUE_LENGTH = 100
MAX_READER_FILE_BYTES = 1024 * 1024
CONTROL_CHARACTERS = re.compile(f"[\\t\\n\\r{NOT_TEXT}{OPEN}{CLOSE}]")
"""What a value may not hold: line breaks, tabs and other controls, noncharacters (U+FFFE),
lone surrogates (bytes of a command line that were not UTF-8), and the marker delimiters."""
WORDS = "words"
"""The table of a reader's own gendered words, in a reader file or a saved profile."""
PRECEDENCE: tuple[Origin, ...] = (
    "default",
    "profile",
    "reader file",
    "readers row",
    "form",
    "flag",
)
"""Where values come from, weakest first."""


def is_key(code: str) -> bool:
    """Whether a profile may hold `code` (canonical): a placeholder code, or `PRONOUNS`."""
    return code == pronouns.KEY or bool(CODE_SYNTAX.match(code))


def parse_assignment(assignment: str) -> tuple[str, str]:
    """`Y/N=Alex` -> (`Y/N`, `Alex`)."""
    code, equals, value = assignment.partition("=")
    if not equals:
        raise UsageError(f"--set {assignment!r}: write it as CODE=VALUE, e.g. --set Y/N=Alex")
    code = canonical(code)
    if not is_key(code):
        raise UsageError(f"--set {assignment!r}: {code!r} is not a placeholder code like Y/N")
    return code, check_value(code, value.strip(), UsageError)


def check_value(code: str, value: str, error: type[UsageError] | type[ProfileError]) -> str:
    """The value, if it is a short line of text (and, for `PRONOUNS`, names a pronoun set)."""
    if code == pronouns.KEY:
        return pronouns.check(value, error)
    control = CONTROL_CHARACTERS.search(value)
    if control:
        raise error(
            f"the value for {code} must be one line of plain text, "
            f"without {describe(control.group())}"
        )
    if len(value) > MAX_VALUE_LENGTH:
        raise error(f"the value for {code} is longer than {MAX_VALUE_LENGTH} characters")
    if not value:
        raise error(f"the value for {code} is empty")
    return value


def read_reader_file(path: Path) -> dict[str, str]:
    """A reader profile file: a TOML table of `"CODE" = "value"`."""
    try:
        data = tomllib.loads(
            read_limited(path, MAX_READER_FILE_BYTES, ProfileError, "reader").decode("utf-8")
        )
    except UnicodeDecodeError:
        raise ProfileError("is not UTF-8 text", path=path) from None
    except tomllib.TOMLDecodeError as error:
        found = re.search(r"line (\d+)", str(error))
        line = int(found.group(1)) if found else None
        raise ProfileError(_toml_problem(path, line, str(error)), path=path, line=line) from None
    values = {}
    for key, value in data.items():
        if key == WORDS:
            continue
        code = canonical(key)
        if not is_key(code) or not isinstance(value, str):
            raise ProfileError(
                f'{key!r}: each line must be "CODE" = "value", e.g. "Y/N" = "Alex"', path=path
            )
        try:
            values[code] = check_value(code, value.strip(), ProfileError)
        except ProfileError as error:
            raise ProfileError(error.message, path=path) from None
    if WORDS in data:
        try:
            values[pronouns.KEY] = with_words(values.get(pronouns.KEY), data[WORDS], ProfileError)
        except ProfileError as error:
            raise ProfileError(error.message, path=path) from None
    return values


def with_words(
    chosen: str | None, table: object, error: type[UsageError] | type[ProfileError]
) -> str:
    """The pronouns value with a `[words]` table (`girlfriend = "datefriend"`) written in,
    checked like a `--pronouns "they; girlfriend=datefriend"` value."""
    if not isinstance(table, Mapping) or not all(isinstance(v, str) for v in table.values()):
        raise error(f'[{WORDS}] must be a table of words, e.g. girlfriend = "datefriend"')
    if chosen is None:
        raise error(f'[{WORDS}] needs your pronouns too, e.g. pronouns = "they"')
    combined = pronouns.words_value(chosen.partition(pronouns.WORDS_SEPARATOR)[0], table)
    return check_value(pronouns.KEY, combined, error)


UNQUOTED_CODE = re.compile(r"^\s*(?P<code>[A-Za-z]+(?:/[A-Za-z]+)+)\s*=\s*(?P<value>.*?)\s*$")


def _toml_problem(path: Path, line: int | None, error: str) -> str:
    """What is wrong with a reader file, pointing at the fix for the usual slip: a code needs
    quotes as a TOML key because of its slash (`Y/N = "Sam"`)."""
    try:
        text = path.read_text(encoding="utf-8").splitlines()[line - 1] if line else ""
    except (OSError, IndexError):
        text = ""
    unquoted = UNQUOTED_CODE.match(text)
    if unquoted:
        code, value = unquoted["code"], unquoted["value"].strip("\"'")
        return f'put the code in quotes: "{code}" = "{value}"'
    return f"is not valid TOML: {error}"


def resolve(
    codes: Mapping[str, PlaceholderInfo],
    assignments: Sequence[str] = (),
    reader_file: Path | None = None,
    *,
    saved: Mapping[str, str] | None = None,
    row: Iterable[tuple[str, str]] = (),
    form: Mapping[str, str] | None = None,
) -> Profile:
    """The reader's profile for a story whose code table is `codes`, from every route given:
    `--set` assignments, a reader file, a saved profile's (checked) values, a readers CSV
    row, the site's form (or token)."""
    routes: dict[Origin, Iterable[tuple[str, str]]] = {
        "default": [
            (code, info.default) for code, info in codes.items() if info.default is not None
        ],
        "profile": (saved or {}).items(),
        "reader file": read_reader_file(reader_file).items() if reader_file else (),
        "readers row": row,
        "form": [
            (code, check_value(code, value, UsageError)) for code, value in (form or {}).items()
        ],
        "flag": [parse_assignment(assignment) for assignment in assignments],
    }
    values: dict[str, ProfileValue] = {}
    for origin in PRECEDENCE:
        for code, value in routes[origin]:
            values[code] = ProfileValue(value, origin)
    return Profile(values)

"""The reader's details.

`--set CODE=VALUE` beats `--reader FILE`, which beats the story's defaults.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path

from builder.errors import ProfileError, UsageError
from builder.manuscript import CODE_SYNTAX
from builder.model import PlaceholderInfo, Profile, ProfileValue
from builder.placeholders import canonical

MAX_VALUE_LENGTH = 100
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f\ue000\ue001]")


def parse_assignment(assignment: str) -> tuple[str, str]:
    """`Y/N=Alex` -> (`Y/N`, `Alex`)."""
    code, equals, value = assignment.partition("=")
    if not equals:
        raise UsageError(f"--set {assignment!r}: write it as CODE=VALUE, e.g. --set Y/N=Alex")
    code = canonical(code)
    if not CODE_SYNTAX.match(code):
        raise UsageError(f"--set {assignment!r}: {code!r} is not a placeholder code like Y/N")
    return code, check_value(code, value.strip(), UsageError)


def check_value(code: str, value: str, error: type[UsageError] | type[ProfileError]) -> str:
    """The value, if it is a short line of text."""
    if CONTROL_CHARACTERS.search(value):
        raise error(f"the value for {code} must be one line of plain text")
    if len(value) > MAX_VALUE_LENGTH:
        raise error(f"the value for {code} is longer than {MAX_VALUE_LENGTH} characters")
    if not value:
        raise error(f"the value for {code} is empty")
    return value


def read_reader_file(path: Path) -> dict[str, str]:
    """A reader profile file: a TOML table of `"CODE" = "value"`."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProfileError("no such reader file", path=path) from None
    except UnicodeDecodeError:
        raise ProfileError("is not UTF-8 text", path=path) from None
    except tomllib.TOMLDecodeError as error:
        line = re.search(r"line (\d+)", str(error))
        raise ProfileError(
            f"is not valid TOML: {error}", path=path, line=int(line.group(1)) if line else None
        ) from None
    values = {}
    for key, value in data.items():
        code = canonical(key)
        if not CODE_SYNTAX.match(code) or not isinstance(value, str):
            raise ProfileError(
                f'{key!r}: each line must be "CODE" = "value", e.g. "Y/N" = "Alex"', path=path
            )
        try:
            values[code] = check_value(code, value.strip(), ProfileError)
        except ProfileError as error:
            raise ProfileError(error.message, path=path) from None
    return values


def resolve(
    codes: Mapping[str, PlaceholderInfo],
    assignments: Sequence[str] = (),
    reader_file: Path | None = None,
) -> Profile:
    """The reader's profile for a story whose code table is `codes`."""
    values = {
        code: ProfileValue(info.default, "default")
        for code, info in codes.items()
        if info.default is not None
    }
    if reader_file is not None:
        for code, value in read_reader_file(reader_file).items():
            values[code] = ProfileValue(value, "reader file")
    for assignment in assignments:
        code, value = parse_assignment(assignment)
        values[code] = ProfileValue(value, "flag")
    return Profile(values)

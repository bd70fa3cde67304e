"""What each front-matter field may hold that needs more than "text" or "a list of texts":
the date, the placeholder legend and how the story writes the reader (part of stage 1)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from builder.errors import ManuscriptError, ProfileError
from builder.i18n import DIRECTIONS
from builder.i18n import direction as language_direction
from builder.model import PlaceholderInfo
from builder.profile import check_value
from builder.stages.placeholders import CODE_SYNTAX

FIRST_DATE = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
LAST_DATE = dt.datetime(2099, 12, 31, 23, 59, 59, tzinfo=dt.UTC)
"""Edition dates a book can carry: `dcterms:modified` wants four-digit years and a ZIP entry's
date ends in 2107 (before 1980 it is written as 1980)."""


def date(value: Any, fail: Callable[[str], ManuscriptError]) -> str | None:
    """The `date:` as ISO 8601 (a date, or a UTC time with `Z`), between 1900 and 2099."""
    if value is None:
        return None
    text = str(value).strip()
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            moment = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
            written = day.isoformat()
        else:
            moment = dt.datetime.fromisoformat(text.replace(" ", "T", 1))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=dt.UTC)
            moment = moment.astimezone(dt.UTC)
            written = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    except (ValueError, OverflowError):
        raise fail(f"'date' must be a date like 2017-03-01, not {text[:40]!r}") from None
    if not FIRST_DATE <= moment <= LAST_DATE:
        raise fail(f"'date' must be between {FIRST_DATE.year} and {LAST_DATE.year}, not {text!r}")
    return written


def legend(value: Any, fail: Callable[[str], ManuscriptError]) -> tuple[PlaceholderInfo, ...]:
    if value is None:
        return ()
    if not isinstance(value, dict):
        raise fail("'placeholders' must map codes to labels, e.g. 'G/N: {label: girlfriend name}'")
    legend = []
    for code, entry in value.items():
        if not CODE_SYNTAX.match(str(code)):
            raise fail(f"placeholder code {code!r} must look like 'Y/N' or 'B/F/N'")
        if isinstance(entry, str):
            entry = {"label": entry}
        if not isinstance(entry, dict) or not isinstance(entry.get("label", ""), str):
            raise fail(f"placeholder {code}: give a label, e.g. '{code}: {{label: best friend}}'")
        default = entry.get("default")
        canonical = str(code).upper()
        if default is not None and not str(default).strip():
            default = None  # `default: ""` gives no default, as before
        if default is not None:
            try:  # the checks --set has: one short line of text
                default = check_value(canonical, str(default).strip(), ProfileError)
            except ProfileError as error:
                raise fail(f"placeholder {canonical}: default: {error.message}") from None
        legend.append(
            PlaceholderInfo(
                code=canonical,
                label=str(entry.get("label") or canonical),
                is_name=bool(entry.get("name", canonical.endswith("/N"))),
                default=None if default is None else str(default),
            )
        )
    return tuple(legend)


READER_PRONOUNS = ("she", "he", "they", "you")


def reader(value: Any, fail: Callable[[str], ManuscriptError]) -> str | None:
    """`reader: {pronouns: she}` (or `reader: she`): how the story writes the reader."""
    if value is None:
        return None
    pronouns = value.get("pronouns") if isinstance(value, dict) else value
    if pronouns is None:
        return None
    chosen = str(pronouns).strip().lower().split("/")[0]
    if isinstance(pronouns, bool | list | dict) or chosen not in READER_PRONOUNS:
        raise fail(
            f"'reader' must say how the story writes the reader, e.g. 'reader: {{pronouns: "
            f"she}}' (she, he, they or you), not {pronouns!r}"
        )
    return chosen


def series(
    name: str | None, index: Any, fail: Callable[[str, str], ManuscriptError]
) -> tuple[str, str] | None:
    """`series: Night Shift` and `series_index: 2` (a number, 0 or more; `1.5` for a story
    between two): the name and the place as EPUB's `group-position` writes it (`2`, `1.5`).
    `fail(field, message)` names the field at fault."""
    if index is None or (isinstance(index, str) and not index.strip()):
        return (name, "") if name else None
    try:
        if isinstance(index, bool | list | dict):
            raise ValueError
        number = float(str(index).strip())
    except ValueError:
        number = -1.0
    if not 0 <= number < 1e6:
        raise fail("series_index", f"'series_index' must be a number like 2 or 1.5, not {index!r}")
    if not name:
        raise fail("series_index", "'series_index' needs a 'series' to be a place in")
    return name, f"{number:g}"


def direction(value: Any, language: str, fail: Callable[[str], ManuscriptError]) -> str:
    """`direction: rtl|ltr` as written, else the direction of the story's `language`."""
    if value is None:
        return language_direction(language)
    written = str(value).strip().lower()
    if isinstance(value, bool | list | dict) or written not in DIRECTIONS:
        raise fail(f"'direction' must be 'rtl' (right to left) or 'ltr', not {value!r}")
    return written

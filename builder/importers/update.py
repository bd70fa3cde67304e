"""`ficpress update MANUSCRIPT`: new chapters of a story imported from a link, appended.

A manuscript imported from a link remembers it: `source:` is the story's address and
`chapter_ids:` holds a fingerprint of each chapter's text as it was fetched. An update fetches
the source again, through the same path as the import (so the same clean-up gives the same
fingerprints), and:

- appends the chapters past the ones the manuscript has, at its end;
- changes nothing else: the user's edits, front matter and chapters stay as they are. A
  chapter whose text changed at the source is reported and left (its fingerprint too, so it is
  reported until the user deals with it);
- writes the new fingerprints, and reads the result back as `build` will before replacing the
  file (atomically).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from builder.editions import write_atomic
from builder.errors import UsageError
from builder.importers import draft as drafts
from builder.importers import is_address, web
from builder.importers.writing import check
from builder.stages import manuscript

FRONT = re.compile(r"\A(?P<open>\ufeff?---\n)(?P<front>.*?\n)(?P<close>---\n)", re.DOTALL)
IDS_BLOCK = re.compile(r"^chapter_ids:[^\n]*\n(?:[ \t]*- [^\n]*\n)*", re.MULTILINE)
WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


@dataclass(frozen=True, slots=True)
class UpdateResult:
    """What an update found and did."""

    path: Path
    """The manuscript."""
    new_chapters: int
    """Chapters appended."""
    new_words: int
    """Words in them."""
    report: tuple[str, ...]
    """One line per thing found or done, for the user."""


def update(path: Path, options: web.FetchOptions | None = None) -> UpdateResult:
    """Fetch the story `path` was imported from and append its new chapters."""
    address = source_of(path)
    result, content = merge(path, address, web.fetch_draft(address, options))
    if content is not None:
        write_atomic(path, content.encode("utf-8"))
    return result


def source_of(path: Path) -> str:
    """The web address the manuscript at `path` was imported from; a usage error if it has
    none (or a manuscript build would refuse)."""
    address = manuscript.read(path).meta.source or ""
    if not is_address(address):
        raise UsageError("was not imported from a link: its 'source:' is no web address", path=path)
    return address


def merge(path: Path, address: str, fetched: drafts.Draft) -> tuple[UpdateResult, str | None]:
    """What updating the manuscript at `path` (imported from `address`, its `source_of`) with
    the story as `fetched` again finds, and the manuscript's new text (checked as `build` reads
    it; None: nothing to write). Nothing is written here, so that a collection's update can
    check every story before writing any."""
    text = path.read_text(encoding="utf-8")
    front = FRONT.match(text)
    fields = yaml.safe_load(front["front"]) if front else None
    known = fields.get("chapter_ids") if isinstance(fields, dict) else None
    if front is None or not isinstance(known, list) or not known:
        raise UsageError(
            "does not say which chapters it has ('chapter_ids:'); import its link again "
            "(ficpress import URL --force) to start updating it",
            path=path,
        )
    known = [str(value) for value in known]
    chapters = drafts.chapters(fetched.blocks)
    ids = [drafts.chapter_id(chapter) for chapter in chapters]
    report = [f"fetched {address}: {len(chapters)} chapter(s)"]
    if len(chapters) < len(known):
        report.append(
            f"the source has {len(chapters)} chapter(s), fewer than the manuscript's "
            f"{len(known)}; nothing changed"
        )
        return UpdateResult(path, 0, 0, tuple(report)), None
    for number, (old, new) in enumerate(zip(known, ids, strict=False), 1):
        if old != new:
            report.append(
                f"chapter {number} ({_title(chapters[number - 1])}) changed at the source; "
                "left as it is in the manuscript"
            )
    added = chapters[len(known) :]
    if not added:
        report.append("no new chapters")
        return UpdateResult(path, 0, 0, tuple(report)), None
    body = text[front.end() :].rstrip("\n")
    heading = chapters[0][0]
    if len(known) == 1 and heading.kind == "heading" and not re.search(r"(?m)^# ", body):
        # A story of one chapter had no heading; now that it has more, the first gets its own.
        body = f"\n# {heading.text}\n\n" + body.lstrip("\n")
        report.append(f"the first chapter is headed '{heading.text}', as at the source")
    appended = "\n\n".join(drafts.render_blocks(chapter) for chapter in added)
    ids_text = yaml.safe_dump({"chapter_ids": known + ids[len(known) :]}, sort_keys=False)
    head = IDS_BLOCK.sub(lambda _: ids_text, front["front"], count=1)
    content = front["open"] + head + front["close"] + body + "\n\n" + appended + "\n"
    check(content, path, path)
    words = count_words(block for chapter in added for block in chapter)
    legend = fields.get("placeholders") if isinstance(fields, dict) else None
    missing = [
        code for code in fetched.meta.get("placeholders") or {} if code not in (legend or {})
    ]
    if missing:
        report.append(
            f"codes in the new chapters not in the legend: {', '.join(missing)}; add them "
            "under 'placeholders:' with a label"
        )
    count = len(added)
    report.append(f"{count} new chapter{'s' if count != 1 else ''} ({words:,} words)")
    return UpdateResult(path, count, words, tuple(report)), content


def count_words(blocks: Iterable[drafts.Block]) -> int:
    """Words in the text of `blocks`, headings aside (what `1 new chapter (63 words)` counts)."""
    return sum(len(WORD.findall(block.text)) for block in blocks if block.kind != "heading")


def _title(chapter: list[drafts.Block]) -> str:
    first = chapter[0]
    return f"'{first.text}'" if first.kind == "heading" else "untitled"

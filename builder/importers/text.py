"""Plain text and Markdown -> Draft.

Paragraphs are separated by blank lines. A text with no blank lines at all (a notes app, a
copy from a phone) has one paragraph per line; inside a blank-line block, lines longer than
a hard wrap are paragraphs of their own too. Markdown keeps its `*emphasis*`; `#`-headings of
any level become chapters; front matter, when present, is kept.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from builder.errors import ImportSourceError
from builder.importers.draft import Block, Draft, escape_intraword_stars, is_break

HARD_WRAP = 100
"""Lines no longer than this, in a block of several, are a hard-wrapped paragraph."""
HEADING = re.compile(r"^#{1,6}\s+(?P<title>\S.*?)(?:\s+#+)?\s*$")


def read(text: str, path: Path, markdown: bool) -> Draft:
    """The draft of a plain-text (or Markdown) story."""
    draft = Draft(kind="Markdown" if markdown else "plain text")
    lines = text.split("\n")
    if markdown and lines[0].strip() == "---":
        lines = _front_matter(lines, draft, path)
    for chunk in _chunks(lines):
        for line in chunk:
            heading = HEADING.match(line) if markdown else None
            if heading:
                draft.blocks.append(Block("heading", heading.group("title")))
            elif is_break(line):
                draft.blocks.append(Block("break", line.strip()))
            else:
                draft.blocks.append(Block("paragraph", escape_intraword_stars(line.strip())))
        _join_wrapped(draft, len(chunk))
    return draft


def _chunks(lines: list[str]) -> list[list[str]]:
    """Blank-line separated blocks of lines; every line on its own when none are blank."""
    content = [line for line in lines if line.strip()]
    stripped = "\n".join(lines).strip("\n").split("\n")
    if all(line.strip() for line in stripped):
        return [[line] for line in content]
    chunks: list[list[str]] = [[]]
    for line in lines:
        if line.strip():
            chunks[-1].append(line)
        elif chunks[-1]:
            chunks.append([])
    return [chunk for chunk in chunks if chunk]


def _join_wrapped(draft: Draft, count: int) -> None:
    """Rejoin the last `count` blocks when they are the lines of one hard-wrapped paragraph."""
    blocks = draft.blocks[len(draft.blocks) - count :]
    if count < 2 or any(block.kind != "paragraph" for block in blocks):
        return
    if any(len(block.text) > HARD_WRAP for block in blocks[:-1]):
        return
    del draft.blocks[len(draft.blocks) - count :]
    # Kept as lines: the manuscript format reads a single line break as a space.
    draft.blocks.append(Block("paragraph", "\n".join(block.text for block in blocks)))


def _front_matter(lines: list[str], draft: Draft, path: Path) -> list[str]:
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if end is None:
        return lines
    try:
        fields: Any = yaml.safe_load("\n".join(lines[1:end]))
    except yaml.YAMLError:
        raise ImportSourceError(
            "has front matter that is not valid YAML", path=path, line=1
        ) from None
    if isinstance(fields, dict):
        draft.meta.update({str(key): value for key, value in fields.items()})
        draft.notes.append("kept its front matter")
    return lines[end + 1 :]

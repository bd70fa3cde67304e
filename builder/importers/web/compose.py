"""One page from a story's chapters, for sites that serve each chapter on its own.

Wattpad serves a part's text as an HTML fragment and Quotev a chapter per page; AO3 and Tumblr
give the whole story on one page. The chapters are put together into one HTML document, each
under its title as a heading (when there are several), and that document goes through the
same page reader as any saved page (`importers/html.py`): the same paragraphs, emphasis,
scene breaks and clean-up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from builder.importers.decoding import Decoded
from builder.importers.web.client import Page
from builder.importers.web.sites import Story


@dataclass(frozen=True, slots=True)
class Chapter:
    """One chapter as the site gave it."""

    title: str
    """Its title, as plain text."""
    html: str
    """Its text: an HTML fragment of paragraphs."""


def chapters_page(address: str, chapters: Sequence[Chapter], *, revalidated: bool) -> Page:
    """A page at `address` holding `chapters` in order; a lone chapter gets no heading (the
    story's title is the manuscript's)."""
    parts = ["<!DOCTYPE html>\n<html><head><meta charset='utf-8'/></head><body><article>"]
    for chapter in chapters:
        if len(chapters) > 1:
            parts.append(f"<h2>{escape(chapter.title)}</h2>")
        parts.append(f"<section>{chapter.html}</section>")
    parts.append("</article></body></html>\n")
    return Page(address, Decoded("\n".join(parts), "UTF-8"), revalidated=revalidated)


def chapters_story(
    source: str,
    chapters: Sequence[Chapter],
    *,
    fetched: str,
    listed: int,
    limit: int,
    unit: str,
    revalidated: bool,
    fields: dict[str, Any],
    kind: str,
) -> Story:
    """The story made of `chapters` fetched one by one, with the import report's notes: what
    was `fetched`, whether only the first `limit` of the `listed` `unit`s were read, and
    whether every copy came unchanged from the cache."""
    notes = [fetched]
    if listed > limit:
        notes.append(f"only the first {limit} of {listed} {unit} were read")
    if revalidated:
        notes.append("unchanged since the last import (the cached copies were used)")
    return Story(
        chapters_page(source, chapters, revalidated=revalidated),
        fields=fields,
        notes=notes,
        kind=kind,
    )

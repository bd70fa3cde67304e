"""HTML pages -> Draft, with lxml: a saved Tumblr post, an AO3 work, or any page of `<p>`s.

The page is parsed by a real HTML parser, site chrome is removed from the tree, and what is
left is walked: block elements make paragraphs, `<br>` ends one, `<hr>` is a scene break,
headings are chapters, `<em>`/`<i>` and `<strong>`/`<b>` become `*x*` and `**x**`. A star
the author typed is written `\\*`, so that it prints as a star, not as emphasis.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import lxml.html

from builder.errors import ImportSourceError
from builder.importers import sites
from builder.importers.draft import Block, Draft, escape_stars, is_break
from builder.stages.notes import is_note


def _tags(names: str) -> frozenset[str]:
    return frozenset(names.split())


BLOCK_TAGS = _tags(
    """p div blockquote li ul ol dl dt dd section article main center figure figcaption
    table tr td th tbody thead pre address details summary body html"""
)
SKIPPED_TAGS = _tags(
    """script style noscript template head title nav header footer aside form button iframe
    svg select input textarea object embed canvas video audio img picture"""
)
EMPHASIS_TAGS = frozenset({"em", "i", "cite", "dfn", "var"})
STRONG_TAGS = frozenset({"strong", "b"})
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
HTML_SPACE = re.compile(r"[ \t\n\r\f]+")
"""HTML collapses these; a no-break space is the author's and stays."""
BREAK_LINE = "* * *"
"""What an `<hr>` becomes."""


def parse(text: str) -> Any:
    """The page's element tree (the text is already decoded: tell lxml it is UTF-8)."""
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True)
    try:
        return lxml.html.document_fromstring(text.encode("utf-8"), parser=parser)
    except Exception:  # lxml raises ParserError for a page with no elements at all
        return None


def read(text: str, path: Path | str) -> Draft:
    """The draft of an HTML story page."""
    root = parse(text)
    if root is None:
        raise ImportSourceError("has no story text: the HTML holds no elements", path=path)
    site = sites.detect(root)
    draft = Draft(kind={"ao3": "AO3 work", "tumblr": "Tumblr post"}.get(site, "HTML page"))
    if site == "ao3":
        story = sites.ao3(root, draft)
    elif site == "tumblr":
        story = sites.tumblr(root, draft)
    else:
        story = _generic(root, draft)
    walker = _Walker()
    walker.walk(story, em=False, strong=False)
    walker.flush()
    draft.blocks = walker.blocks
    _notes_into_first_chapter(draft)
    _title_from_first_heading(draft)
    _notes_into_first_chapter(draft)
    if not any(block.kind == "paragraph" for block in draft.blocks):
        raise ImportSourceError("has no story text: no paragraphs found in its HTML", path=path)
    return draft


def text_of(element: Any) -> str:
    """An element's text with HTML whitespace collapsed."""
    return HTML_SPACE.sub(" ", element.text_content()).strip()


def _generic(root: Any, draft: Draft) -> Any:
    title = root.find(".//title")
    if title is not None and text_of(title):
        draft.meta["title"] = text_of(title)
    author = root.xpath("//meta[@name='author']/@content")
    if author and author[0].strip():
        draft.meta["author"] = author[0].strip()
    source = root.xpath("//link[@rel='canonical']/@href | //meta[@property='og:url']/@content")
    if source:
        draft.meta["source"] = source[0].strip()
    candidates = root.xpath("//article | //main | //*[@role='main']")
    if candidates:
        return max(candidates, key=lambda element: len(text_of(element)))
    body = root.find("body")
    return body if body is not None else root


def _notes_into_first_chapter(draft: Draft) -> None:
    """Author's notes before the first chapter's heading (an AO3 work's notes) go after it:
    before it they would make a chapter of their own."""
    notes = 0
    while notes < len(draft.blocks) and draft.blocks[notes].kind == "paragraph":
        if not is_note(draft.blocks[notes].text):
            return
        notes += 1
    if notes and notes < len(draft.blocks) and draft.blocks[notes].kind == "heading":
        draft.blocks.insert(0, draft.blocks.pop(notes))


def _title_from_first_heading(draft: Draft) -> None:
    """A heading before any paragraph names the story, not a chapter, when it is the only one
    or repeats the page title."""
    if not draft.blocks or draft.blocks[0].kind != "heading":
        return
    headings = [block for block in draft.blocks if block.kind == "heading"]
    first = draft.blocks[0].text
    page_title = str(draft.meta.get("title") or "")
    if len(headings) == 1 or (page_title and first in page_title):
        draft.meta["title"] = first
        del draft.blocks[0]


class _Walker:
    """Walks an element tree, collecting styled text runs into paragraph blocks."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.runs: list[tuple[str, bool, bool]] = []

    def walk(self, element: Any, em: bool, strong: bool) -> None:
        tag = element.tag.lower() if isinstance(element.tag, str) else ""
        if tag in SKIPPED_TAGS or not tag:
            return
        if tag == "br":
            self.flush()
            return
        if tag == "hr":
            self.flush()
            self.blocks.append(Block("break", BREAK_LINE))
            return
        if tag in HEADINGS:
            self.flush()
            title = escape_stars(text_of(element))
            if title:
                self.blocks.append(Block("heading", title))
            return
        block = tag in BLOCK_TAGS
        if block:
            self.flush()
        em = em or tag in EMPHASIS_TAGS
        strong = strong or tag in STRONG_TAGS
        if element.text:
            self.runs.append((element.text, em, strong))
        for child in element:
            self.walk(child, em, strong)
            if child.tail:
                self.runs.append((child.tail, em, strong))
        if block:
            self.flush()

    def flush(self) -> None:
        runs = [(HTML_SPACE.sub(" ", text), em, strong) for text, em, strong in self.runs]
        self.runs = []
        plain = "".join(text for text, _, _ in runs).strip()
        if not plain:
            return
        if is_break(plain):
            self.blocks.append(Block("break", plain))
            return
        self.blocks.append(Block("paragraph", _marked(runs)))


def _marked(runs: list[tuple[str, bool, bool]]) -> str:
    """The runs as manuscript text: styled runs wrapped in stars, whitespace kept outside
    the markers (`* x*` would not be emphasis), literal stars escaped."""
    merged: list[tuple[str, bool, bool]] = []
    for text, em, strong in runs:
        if merged and merged[-1][1:] == (em, strong):
            merged[-1] = (merged[-1][0] + text, em, strong)
        else:
            merged.append((text, em, strong))
    parts = []
    for text, em, strong in merged:
        core = text.strip()
        if not (em or strong) or not core:
            parts.append(escape_stars(text))
            continue
        marker = "***" if em and strong else "**" if strong else "*"
        lead = text[: len(text) - len(text.lstrip())]
        trail = text[len(text.rstrip()) :]
        parts.append(f"{lead}{marker}{escape_stars(core)}{marker}{trail}")
    return re.sub(r" {2,}", " ", "".join(parts)).strip()

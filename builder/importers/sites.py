"""What AO3 and Tumblr pages hold besides the story, and where the story is.

Each function takes the parsed page, moves the work's metadata (title, author, tags, summary,
source address) into the draft's front matter, turns AO3's notes into `A/N:` paragraphs where
the author put them, removes the site's chrome from the tree, and returns the element that
holds the story text.

AO3 comes in two shapes: the "Download → HTML" file (`#preface`, `#chapters`, `#afterword`,
tags as `<dt>`/`<dd>` pairs) and a saved work page (`#workskin`, `dd.rating.tags`...).
Tumblr themes differ, so a Tumblr page is found by its addresses, or without them by the
markup Tumblr puts in every theme (`TUMBLR_MARKUP`), and cleaned by the class names themes
commonly use for notes, tags and reblog headers.
"""

from __future__ import annotations

import re
from copy import deepcopy as copy_tree
from typing import Any
from urllib.parse import urlsplit

import lxml.html

from builder.importers.draft import Draft

BLOCK_IN_NOTE = frozenset(
    {"p", "div", "blockquote", "ul", "ol", "li", "dl", "dt", "dd", "pre", "hr", "table", "tr"}
    | {"td", "th", "h1", "h2", "h3", "h4", "h5", "h6"}
)
"""Blocks, rules and headings a note may hold: run on inside its one `A/N:` paragraph."""

# AO3's labels (`Archive Warning:` or the `warning` class of a `<dd>`) -> front matter field.
AO3_FIELDS = {
    "rating": "rating",
    "archive warning": "warnings",
    "warning": "warnings",
    "fandom": "fandom",
    "relationship": "pairing",
    "character": "characters",
    "additional tags": "tags",
    "freeform": "tags",
}
LIST_FIELDS = frozenset({"warnings", "characters", "tags"})
TUMBLR_CHROME = (
    "notes",
    "post-notes",
    "tags",
    "post-tags",
    "tagged",
    "reblog-header",
    "post-footer",
    "post-meta",
    "permalink",
    "share",
    "tumblr_controls",
    "controls",
)
# What a Tumblr page holds whatever its theme, when its addresses were not saved: Tumblr's
# own classes (`tumblr_blog` reblog links, `tumblr_controls`, `tmblr-iframe`, the post
# format's `npf_row`...), images from its media servers, its notes list.
TUMBLR_MARKUP = (
    "//*[@id='tumblr_controls' or contains(@class,'tumblr_') or contains(@class,'tmblr-')"
    " or contains(@class,'npf_') or @data-npf]"
    " | //img[contains(@src,'media.tumblr.com')] | //iframe[contains(@src,'tumblr.com/')]"
    " | //ol[contains(@class,'notes')]/li[contains(@class,'reblog') or contains(@class,'like')]"
)
PUBLISHED = re.compile(r"Published:\s*(\d{4}-\d{2}-\d{2})")


def detect(root: Any) -> str:
    """`ao3`, `tumblr` or `generic`."""
    if root.xpath("//*[@id='workskin'] | //*[@id='preface' and ../*[@id='chapters']]"):
        return "ao3"
    addresses = root.xpath(
        "//link[@rel='canonical']/@href | //meta[@property='og:url']/@content"
        " | //meta[@property='og:site_name']/@content | //script/@src"
    )
    if any("tumblr" in str(address).lower() for address in addresses):
        return "tumblr"
    if root.xpath(TUMBLR_MARKUP):
        return "tumblr"
    return "generic"


def ao3(root: Any, draft: Draft) -> Any:
    """Metadata into `draft`; returns the chapters' element, notes as `A/N:` paragraphs in it,
    chrome removed."""
    _first(draft, "title", root, "//*[@id='preface']//h1 | //h2[contains(@class,'title')]")
    _first(draft, "author", root, "//a[@rel='author']")
    source = root.xpath(
        "//*[@id='preface']//a[contains(@href,'/works/')]/@href"
        " | //link[@rel='canonical']/@href | //meta[@property='og:url']/@content"
    )
    if source:
        draft.meta["source"] = str(source[0]).strip()
    _ao3_tags(root, draft)
    story = _one(root, "//*[@id='chapters'] | //*[@id='workskin']")
    story = root if story is None else story
    notes = _ao3_notes(root, story, draft)
    # A chapter's box of title and notes: keep the title as its heading, drop the rest.
    for box in story.xpath(".//*[contains(@class,'meta') or contains(@class,'preface')]"):
        if box.getparent() is None:
            continue
        heading = _one(box, ".//h2[contains(@class,'heading')] | .//h3[contains(@class,'title')]")
        if heading is not None:
            heading.tail = None
            box.getparent().replace(box, heading)
        else:
            box.drop_tree()
    for chrome in story.xpath(
        ".//*[contains(@class,'landmark') or contains(@class,'endnote-link')"
        " or contains(@class,'notes') or @id='work_endnotes' or @id='afterword']"
    ):
        chrome.drop_tree()
    if notes:
        draft.notes.append(
            f"kept the work's {notes} note(s) where the author put them, as author's notes (A/N:)"
        )
    return story


def _ao3_notes(root: Any, story: Any, draft: Draft) -> int:
    """The summary into `draft`; every note box's text, as one `A/N:` paragraph, where the
    author put it: a chapter's notes before or after its text, the work's at the story's start
    or end (`html.read` then moves a note before the first chapter's heading after it).
    Returns how many notes were placed."""
    order = {element: index for index, element in enumerate(root.iter())}
    start = order.get(story, 0)
    placed = 0
    for quote in root.xpath("//blockquote[contains(@class,'userstuff')]"):
        label = _note_label(quote)
        text = " ".join(_paragraphs(quote))
        if label == "summary":
            draft.meta.setdefault("summary", text)
            continue
        if not text:
            continue
        note = _note(quote)
        inside = any(ancestor is story for ancestor in quote.iterancestors())
        if inside:
            boxes = quote.xpath(
                "ancestor::*[contains(@class,'meta') or contains(@class,'preface')][1]"
            )
            box = boxes[0] if boxes and boxes[0] is not story else quote
            box.addnext(note)  # the box itself is replaced by its heading or dropped
        elif order.get(quote, 0) < start:
            story.insert(0, note)
        else:
            story.append(note)
        placed += 1
    return placed


def _note(quote: Any) -> Any:
    """A note box as ONE `A/N:` paragraph for the walker (html.py), its paragraphs run on
    with their inline markup kept (`<em>` becomes `*...*` there): each paragraph and any
    block inside it made a span, a line break a space (the walker would end the note at it)."""
    note = lxml.html.Element("p")
    note.text = "A/N: "
    for source in quote.xpath(".//p") or [quote]:
        if any(ancestor.tag == "p" for ancestor in source.iterancestors()):
            continue  # a paragraph inside another comes with it
        copy = copy_tree(source)
        copy.tail = " "
        for element in copy.iter():
            if element.tag == "br":
                element.tail = " " + (element.tail or "")
            elif element.tag in BLOCK_IN_NOTE:
                element.tag = "span"
            element.attrib.clear()
        for line_break in copy.xpath(".//br"):
            line_break.drop_tag()
        copy.tag = "span"
        note.append(copy)
    return note


def tumblr(root: Any, draft: Draft) -> Any:
    """Metadata into `draft`; returns the post's element with notes, tags and reblog
    headers removed."""
    address = root.xpath("//link[@rel='canonical']/@href | //meta[@property='og:url']/@content")
    blogs: list[str] = []
    if address:
        draft.meta["source"] = str(address[0]).strip()
        host = urlsplit(draft.meta["source"]).hostname or ""
        if host.endswith(".tumblr.com") and host != "www.tumblr.com":
            draft.meta["author"] = host.removesuffix(".tumblr.com")
            blogs.append(host)
    posts = root.xpath("//article | //*[contains(concat(' ', @class, ' '), ' post ')]")
    story = max(posts, key=lambda post: len(post.text_content())) if posts else root
    tags = [
        link.text_content().strip().lstrip("#")
        for link in story.xpath(".//*[contains(@class,'tags') or contains(@class,'tagged')]//a")
    ]
    if tags:
        draft.meta["tags"] = [tag for tag in tags if tag]
    # Legacy reblogs quote each blog as `<p><a class="tumblr_blog">name</a>:</p>`.
    for link in story.xpath(".//a[contains(concat(' ', @class, ' '), ' tumblr_blog ')]"):
        name = link.text_content().strip()
        host = urlsplit(link.get("href") or "").hostname or ""
        credit = host if host.endswith(".tumblr.com") else name
        if credit and credit not in blogs:
            blogs.append(credit)
        parent = link.getparent()
        if parent is not None and parent.text_content().strip().rstrip(":") == name:
            parent.drop_tree()
    title = _one(story, ".//*[self::h1 or self::h2 or self::h3][contains(@class,'title')]")
    if title is not None:
        draft.meta["title"] = title.text_content().strip()
        title.drop_tree()
    for chrome in story.xpath(
        " | ".join(
            f".//*[contains(concat(' ', @class, ' '), ' {name} ')]" for name in TUMBLR_CHROME
        )
        + " | .//ol[@id='notes'] | .//*[@id='notes']"
    ):
        chrome.drop_tree()
    if blogs:
        draft.meta["credits"] = blogs
    return story


def _ao3_tags(root: Any, draft: Draft) -> None:
    for dd in root.xpath("//dl//dd"):
        label = dd.getprevious()
        name = label.text_content().strip().rstrip(":").lower() if label is not None else ""
        name = name.removesuffix("s") if name not in AO3_FIELDS else name
        field = AO3_FIELDS.get(name) or next(
            (AO3_FIELDS[cls] for cls in (dd.get("class") or "").split() if cls in AO3_FIELDS),
            None,
        )
        if name == "stat" or "stats" in (dd.get("class") or ""):
            published = PUBLISHED.search(dd.text_content())
            if published:
                draft.meta["date"] = published.group(1)
        if field is None:
            continue
        values = [link.text_content().strip() for link in dd.xpath(".//a")]
        values = values or [dd.text_content().strip()]
        if field in LIST_FIELDS:
            draft.meta.setdefault(field, []).extend(v for v in values if v)
        elif field not in draft.meta:
            draft.meta[field] = ", ".join(v for v in values if v)


def _note_label(quote: Any) -> str:
    """`summary`, `notes`, `end notes`, `chapter notes`...: AO3 labels each box's text with
    a `<p>` (download) or a heading inside the box's parent (work page)."""
    before = quote.getprevious()
    if before is not None and len(before.text_content().strip()) < 40:
        return str(before.text_content()).strip().rstrip(":").lower()
    parent = quote.getparent()
    heading = _one(parent, "./h3") if parent is not None else None
    if heading is None:
        return "notes"
    return str(heading.text_content()).strip().rstrip(":").lower()


def _paragraphs(element: Any) -> list[str]:
    texts = [re.sub(r"\s+", " ", p.text_content()).strip() for p in element.xpath(".//p")]
    texts = [text for text in texts if text]
    return texts or [re.sub(r"\s+", " ", element.text_content()).strip()]


def _first(draft: Draft, field: str, root: Any, xpath: str) -> None:
    found = _one(root, xpath)
    if found is not None and found.text_content().strip() and field not in draft.meta:
        draft.meta[field] = re.sub(r"\s+", " ", found.text_content()).strip()


def _one(root: Any, xpath: str) -> Any:
    found = root.xpath(xpath)
    return found[0] if found else None

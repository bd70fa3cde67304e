"""Kobo's KEPUB structure, as kepubify (pgaskin/kepubify, kepub/transform.go) writes it.

Kobo readers use their better renderer, with highlights, reading statistics and exact page
turns, only for `*.kepub.epub` files whose text is cut into `koboSpan` spans: one per
sentence, numbered per block (`kobo.P.S`), and the body wrapped in `div#book-columns >
div#book-inner`, with kepubify's style hack.
"""

from __future__ import annotations

import re

from lxml import etree

XHTML = "http://www.w3.org/1999/xhtml"
STYLE_HACK = "div#book-inner { margin-top: 0; margin-bottom: 0; }"
# Blocks whose text is numbered as one paragraph; inline elements inside them share it.
BLOCKS = frozenset(
    f"{{{XHTML}}}{tag}"
    for tag in ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "dt", "dd", "blockquote", "td", "th")
)
SKIPPED = frozenset(f"{{{XHTML}}}{tag}" for tag in ("script", "style", "pre", "code"))
# A sentence ends after terminal punctuation (and any closing quotes or brackets) followed by
# whitespace, as kepubify's splitter does.
SENTENCE_END = re.compile(r"[.!?…]+[\"'”’»)\]]*\s+")


class _Counter:
    def __init__(self) -> None:
        self.paragraph = 0
        self.segment = 0

    def next_paragraph(self) -> None:
        self.paragraph += 1
        self.segment = 0

    def span(self) -> etree._Element:
        self.segment += 1
        span = etree.Element(f"{{{XHTML}}}span")
        span.set("class", "koboSpan")
        span.set("id", f"kobo.{self.paragraph}.{self.segment}")
        return span


def sentences(text: str) -> list[str]:
    """`text` cut after each sentence; the pieces join back to exactly `text`."""
    pieces = []
    start = 0
    for match in SENTENCE_END.finditer(text):
        pieces.append(text[start : match.end()])
        start = match.end()
    if start < len(text):
        pieces.append(text[start:])
    return pieces


def transform(document: str) -> str:
    """An XHTML document with Kobo's spans, wrapper and style hack added."""
    root = etree.fromstring(document.encode("utf-8"))
    head = root.find(f"{{{XHTML}}}head")
    body = root.find(f"{{{XHTML}}}body")
    if head is None or body is None:
        return document
    style = etree.SubElement(head, f"{{{XHTML}}}style")
    style.set("type", "text/css")
    style.set("id", "kobostylehacks")
    style.text = STYLE_HACK
    counter = _Counter()
    for child in list(body):
        _spans(child, counter, inside_block=False)
    columns = etree.Element(f"{{{XHTML}}}div")
    columns.set("id", "book-columns")
    inner = etree.SubElement(columns, f"{{{XHTML}}}div")
    inner.set("id", "book-inner")
    inner.text, body.text = body.text, None
    for child in list(body):
        inner.append(child)
    body.append(columns)
    serialised: bytes = etree.tostring(root, encoding="utf-8", xml_declaration=True)
    return serialised.decode("utf-8")


def _spans(element: etree._Element, counter: _Counter, inside_block: bool) -> None:
    if element.tag in SKIPPED or not isinstance(element.tag, str):
        return
    is_block = element.tag in BLOCKS
    if is_block:
        counter.next_paragraph()
    if element.tag == f"{{{XHTML}}}img":
        counter.next_paragraph()
        span = counter.span()
        element.addprevious(span)
        span.append(element)
        return
    in_text = inside_block or is_block
    children = list(element)  # before our spans are inserted: they are not walked again
    if in_text and element.text and element.text.strip():
        wrapped = _wrap(element.text, counter)
        element.text = None
        for position, span in enumerate(wrapped):
            element.insert(position, span)
    for child in children:
        _spans(child, counter, in_text)
        if in_text and child.tail and child.tail.strip():
            wrapped = _wrap(child.tail, counter)
            child.tail = None
            for span in reversed(wrapped):
                child.addnext(span)


def _wrap(text: str, counter: _Counter) -> list[etree._Element]:
    spans = []
    for piece in sentences(text):
        span = counter.span()
        span.text = piece
        spans.append(span)
    return spans

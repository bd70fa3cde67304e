"""Kobo's KEPUB structure, ported from kepubify v4.0.4 (pgaskin/kepubify, kepub/transform.go).

Kobo readers use their better renderer, with highlights, reading statistics and exact page
turns, only for `*.kepub.epub` files whose text is cut into `koboSpan` spans, and whose body
is wrapped in `div#book-columns > div#book-inner` with a style hack in the head.
tests/test_kepub_parity.py compares this with real kepubify output.

kepubify parses documents as HTML5 and re-serialises them. Ours are well-formed XHTML from
ebooklib that HTML5 parsing leaves as it is (no table without tbody, no block inside a <p>),
so lxml's tree is the one kepubify sees and only the serialisation differs. Whitespace the
HTML5 parser moves (after </body>, around <head>) is not moved here.
"""

from __future__ import annotations

import re

from lxml import etree

XHTML = "http://www.w3.org/1999/xhtml"

# transformContentKoboStyles: kepubify's trimmed copy of Kobo's own style hack, byte for byte
# (the missing space before `}` included), in a <style class="kobostylehacks">.
STYLE_CLASS = "kobostylehacks"
STYLE_HACK = "div#book-inner { margin-top: 0; margin-bottom: 0;}"
# transformContentKoboDivs: the body's content goes inside these, outermost first.
WRAPPERS = ("book-columns", "book-inner")

# transformContentKoboSpans: entering one of these starts a new paragraph number, taken only
# when a span is next written (so empty ones use none). li, dt, dd, blockquote and td are
# not here: their text continues the number of the list, paragraph or table around them.
NEW_PARAGRAPH = frozenset(("p", "ol", "ul", "table", "h1", "h2", "h3", "h4", "h5", "h6"))
# transformContentKoboSpans: text inside these is kept as it is (code is not among them).
VERBATIM = frozenset(("script", "style", "pre", "audio", "video", "svg", "math"))
# transformContentKoboSpans: whitespace-only text gets a span only directly inside a <p>.
SPACE_WRAPPED_IN = "p"

# splitSentences (and its original regexp, splitSentencesRegexp in transform_test.go): a
# sentence ends after one or more of TERMINATORS, at most one of CLOSERS, then ASCII
# whitespace (Go's \s), which stays with the sentence. An ellipsis ends nothing on its own;
# a no-break space after the punctuation does not count as a break.
TERMINATORS = ".!?"
CLOSERS = "'\"”’“…"
ASCII_SPACE = "\t\n\f\r "
SENTENCE = re.compile(
    f".*?[{re.escape(TERMINATORS)}][{re.escape(CLOSERS)}]?[{re.escape(ASCII_SPACE)}]+",
    re.DOTALL,
)
# isSpace uses Go's unicode.IsSpace: str.isspace() also counts these ASCII separators.
NOT_GO_SPACE = frozenset("\x1c\x1d\x1e\x1f")


def sentences(text: str) -> list[str]:
    """`text` cut after each sentence as kepubify cuts it; the pieces join back to `text`."""
    pieces = [match.group() for match in SENTENCE.finditer(text)]
    rest = text[sum(map(len, pieces)) :]
    if rest or not pieces:
        pieces.append(rest)
    return pieces


def is_space(text: str) -> bool:
    """Whether `text` is only whitespace by Go's definition (an empty string is)."""
    return all(char.isspace() and char not in NOT_GO_SPACE for char in text)


def transform(document: str) -> str:
    """An XHTML document with kepubify's style hack, wrapper divs and koboSpans added."""
    root = etree.fromstring(document.encode("utf-8"))
    head = root.find(f"{{{XHTML}}}head")
    body = root.find(f"{{{XHTML}}}body")
    if head is None or body is None:
        return document
    style = etree.SubElement(head, f"{{{XHTML}}}style")
    style.set("type", "text/css")
    style.set("class", STYLE_CLASS)
    style.text = STYLE_HACK
    _wrap_body(body)
    if not body.xpath(".//*[contains(concat(' ', @class, ' '), ' koboSpan ')]"):
        _Spanner().visit(body)
    # The tree, not the root, so that the doctype is kept as kepubify keeps it.
    serialised: bytes = etree.tostring(root.getroottree(), encoding="utf-8", xml_declaration=True)
    return serialised.decode("utf-8")


def _local(element: etree._Element) -> str:
    name: str = etree.QName(element).localname
    return name


def _wrap_body(body: etree._Element) -> None:
    for columns in body.iterchildren(f"{{{XHTML}}}div"):
        if columns.get("id") == WRAPPERS[0] and any(
            inner.get("id") == WRAPPERS[1] for inner in columns.iterchildren(f"{{{XHTML}}}div")
        ):
            return
    outer = inner = etree.Element(f"{{{XHTML}}}div", id=WRAPPERS[0])
    for layer in WRAPPERS[1:]:
        inner = etree.SubElement(inner, f"{{{XHTML}}}div", id=layer)
    inner.text, body.text = body.text, None
    inner.extend(list(body))
    body.append(outer)


class _Spanner:
    """kepubify's depth-first walk: text is cut into sentences, each in a span numbered
    `kobo.PARAGRAPH.SEGMENT`; an image gets a paragraph and a span of its own."""

    def __init__(self) -> None:
        self.paragraph = 0
        self.segment = 0
        self.new_paragraph_next = False

    def visit(self, element: etree._Element) -> etree._Element:
        """Spans under `element`; returns what now stands in its place (an image's span)."""
        if not isinstance(element.tag, str):
            return element  # comments and processing instructions
        name = _local(element)
        if name == "img":
            return self._image(element)
        if name in VERBATIM:
            return element
        if name in NEW_PARAGRAPH:
            self.new_paragraph_next = True
        children = list(element)  # before spans are added: those are not walked
        if element.text:
            text, element.text = element.text, None
            for position, node in enumerate(self._pieces(text, element)):
                if isinstance(node, str):
                    element.text = node
                else:
                    element.insert(position, node)
        for child in children:
            child = self.visit(child)
            if child.tail:
                text, child.tail = child.tail, None
                anchor = child
                for node in self._pieces(text, element):
                    if isinstance(node, str):
                        anchor.tail = node
                    else:
                        anchor.addnext(node)
                        anchor = node
        return element

    def _image(self, image: etree._Element) -> etree._Element:
        self.paragraph += 1
        self.segment = 0
        self.new_paragraph_next = False
        span = self._span()
        image.addprevious(span)
        span.tail, image.tail = image.tail, None
        span.append(image)
        return span

    def _pieces(self, text: str, parent: etree._Element) -> list[etree._Element | str]:
        """`text`, whose parent is `parent`, as spans (whitespace outside a <p> stays text:
        it can only be the whole of `text`, so it comes back as the one item)."""
        if is_space(text) and _local(parent) != SPACE_WRAPPED_IN:
            return [text]
        spans: list[etree._Element | str] = []
        for piece in sentences(text):
            span = self._span()
            span.text = piece
            spans.append(span)
        return spans

    def _span(self) -> etree._Element:
        if self.new_paragraph_next:
            self.paragraph += 1
            self.segment = 0
            self.new_paragraph_next = False
        self.segment += 1
        span = etree.Element(f"{{{XHTML}}}span")
        span.set("class", "koboSpan")
        span.set("id", f"kobo.{self.paragraph}.{self.segment}")
        return span

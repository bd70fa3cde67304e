"""Our KEPUB transform against real kepubify output (tests/fixtures/kepub/, see its README).

Each fixture case holds XHTML documents as ficpress's EPUB has them (`epub/`, the nav
included; `tricky/` is hand-written) and as kepubify v4.0.4 converted them (`kepubify/`).
For every document, `kepub.transform` of the first must equal the second in:
- the XML declaration (version, encoding) and the doctype;
- the koboSpans, in document order: id and text of each;
- the whole element tree: every element's namespace and name, its attributes (as a set),
  and every text and tail, whitespace included. That covers the style hack (`<style
  type="text/css" class="kobostylehacks">` and its exact CSS), the `div#book-columns >
  div#book-inner` wrapper, which text is wrapped and where each span sits (inside em,
  strong, a, our own spans), images in their own span, and text left alone (pre, svg).

Deliberately not compared, because it is serialisation and not structure: attribute order,
quoting, how characters are escaped (kepubify writes `&#160;`, `&#34;`), namespace
declarations (kepubify adds xmlns:xlink to svg), and whitespace that kepubify's HTML5 parser
moves: before <head>, between </head> and <body>, and after </body> (which it appends to
the body's last text; we trim the end of `div#book-inner` on both sides).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from lxml import etree

from builder import pipeline
from builder.editions import kepub
from tests.conftest import SEED_MANUSCRIPT

FIXTURES = Path(__file__).parent / "fixtures" / "kepub"
DOCUMENTS = sorted(
    (case.name, path.name)
    for case in FIXTURES.iterdir()
    if (case / "epub").is_dir()
    for path in (case / "epub").glob("*.xhtml")
)
XHTML = "http://www.w3.org/1999/xhtml"
HTML = f"{{{XHTML}}}html"


def parse(text: bytes) -> etree._ElementTree:
    return etree.fromstring(text).getroottree()


def trim_body_end(tree: etree._ElementTree) -> None:
    """Drop whitespace at the end of div#book-inner's last text, wherever it sits."""
    last = tree.xpath("(//*[@id='book-inner']//text())[last()]")
    if not last:
        return
    owner = last[0].getparent()
    if last[0].is_tail:
        owner.tail = owner.tail.rstrip() or None
    else:
        owner.text = owner.text.rstrip() or None


def outline(tree: etree._ElementTree) -> list[str]:
    """The element tree as lines: each element, then its text, children and tail."""
    lines: list[str] = []

    def walk(node: etree._Element, depth: int) -> None:
        indent = "  " * depth
        # Whitespace straight inside <html> (around <head> and <body>) is the HTML5
        # parser's to move or drop.
        in_html = node.getparent() is not None and node.getparent().tag == HTML
        if isinstance(node.tag, str):
            lines.append(f"{indent}<{node.tag} {sorted(node.attrib.items())}>")
            if node.text and not (node.tag == HTML and node.text.isspace()):
                lines.append(f"{indent}  text {node.text!r}")
            for child in node:
                walk(child, depth + 1)
        else:
            lines.append(f"{indent}{etree.tostring(node, with_tail=False).decode()}")
        if node.tail and not (in_html and node.tail.isspace()):
            lines.append(f"{indent}tail {node.tail!r}")

    walk(tree.getroot(), 0)
    return lines


def spans(tree: etree._ElementTree) -> list[tuple[str, str]]:
    """(id, text) of every koboSpan, in document order."""
    found = tree.xpath("//x:span[@class='koboSpan']", namespaces={"x": XHTML})
    return [(span.get("id"), "".join(span.itertext())) for span in found]


@pytest.mark.parametrize(("case", "name"), DOCUMENTS, ids=["/".join(d) for d in DOCUMENTS])
def test_transform_matches_kepubify(case: str, name: str) -> None:
    source = (FIXTURES / case / "epub" / name).read_text(encoding="utf-8")
    ours = parse(kepub.transform(source).encode("utf-8"))
    theirs = parse((FIXTURES / case / "kepubify" / name).read_bytes())
    for attribute in ("xml_version", "encoding", "doctype"):
        assert getattr(ours.docinfo, attribute) == getattr(theirs.docinfo, attribute)
    trim_body_end(ours)
    trim_body_end(theirs)
    assert spans(ours) == spans(theirs)
    assert outline(ours) == outline(theirs)


def test_the_fixtures_cover_what_the_audit_named() -> None:
    """Guard against a regeneration that loses the cases the comparison is for."""
    assert ("for-her-safety", "nav.xhtml") in DOCUMENTS
    assert ("tricky", "tricky.xhtml") in DOCUMENTS
    assert {"chapters", "escaping", "seed", "for-her-safety"} <= {case for case, _ in DOCUMENTS}
    for case, name in DOCUMENTS:
        assert (FIXTURES / case / "kepubify" / name).is_file(), (case, name)


def test_every_kepub_document_is_the_epub_document_transformed(tmp_path: Path) -> None:
    """The pipeline applies the transform to every XHTML document, the nav included, and
    changes nothing else in the package."""
    result = pipeline.build(
        SEED_MANUSCRIPT, formats=["epub", "kepub"], out_dir=tmp_path, assignments=["Y/N=Alex"]
    )
    epub_path, kepub_path = sorted(result.outputs, key=lambda path: path.name.count("."))
    with zipfile.ZipFile(epub_path) as plain, zipfile.ZipFile(kepub_path) as kobo:
        assert plain.namelist() == kobo.namelist()
        for name in plain.namelist():
            if name.endswith(".xhtml"):
                expected = kepub.transform(plain.read(name).decode("utf-8"))
                assert kobo.read(name).decode("utf-8") == expected, name
            else:
                assert kobo.read(name) == plain.read(name), name

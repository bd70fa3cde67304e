"""Anthologies (`build a.md b.md --anthology TITLE`, `build collection.yaml`) and series: one
book whose stories are parts, read back from the EPUB's nav and NCX, the PDF's outline and the
OPF, and validated by EPUBCheck (every book of the module in one run) and DAISY Ace."""

from __future__ import annotations

import os
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader
from pypdf.generic import Destination

from benchmarks import longstory
from builder import anthology, pipeline
from builder.cli import main
from builder.editions import EditionOptions
from builder.editions.pdf import parts
from builder.errors import ManuscriptError
from builder.stages import manuscript
from tests.conftest import NS, Epub, problems, run_epubcheck
from tests.test_accessibility import ACE, ace_violations

SHORE = """---
title: Salt and "Starlight"
author: moth-and-lantern
fandom: Star Wars
pairing: Kylo Ren/Reader
summary: Y/N meets him on the beach.
placeholders:
  B/F/N: {label: your best friend's name, default: Sam}
---
Y/N walks along the shore with B/F/N. The sea is cold.

--

Later, Y/N looks up at the stars.
"""
SHIFT = """---
title: The Quiet Shift
author: night-owl
fandom: Star Wars
series: Night Shift
series_index: 2
---
# Arrival

Y/N clocks in at midnight.

-- (an hour later)

The hum of the ship is the only sound.

# Departure

Kylo waits at the hangar door for Y/N.
"""
LANTERNS = """---
title: Paper Lanterns
author: moth-and-lantern
fandom: Star Wars
---
Y/N folds a lantern out of a flimsi report.
"""
COLLECTION = """title: Kylo Ren imagines
author: moth-and-lantern and friends
summary: Three nights aboard the Finalizer.
series: Imagines
series_index: 3
cover: cover.png
stories:
  - shore.md
  - shift.md
  - lanterns.md
"""
PROFILE = ("Y/N=Alex",)
EPOCH = "1700000000"


@pytest.fixture(scope="module")
def stories(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("stories")
    for name, text in (("shore", SHORE), ("shift", SHIFT), ("lanterns", LANTERNS)):
        (folder / f"{name}.md").write_text(text, encoding="utf-8")
    (folder / "collection.yaml").write_text(COLLECTION, encoding="utf-8")
    Image.new("RGB", (60, 90), (40, 20, 60)).save(folder / "cover.png")
    return folder


@pytest.fixture(scope="module")
def built(stories: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    """Every book the module looks at, built once (so that one EPUBCheck run sees them all):
    the collection's editions and another reader's, the same stories with --anthology and
    inline scenes, one story on its own (its series), and what the command line makes."""
    out = tmp_path_factory.mktemp("dist")
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    try:
        collection = anthology.read(stories / "collection.yaml")
        books = anthology.build(
            collection, formats=["epub", "kepub", "pdf"], out_dir=out, assignments=PROFILE
        ).outputs
        other = anthology.build(
            collection, formats=["epub"], out_dir=out / "other", assignments=("Y/N=Robin",)
        ).outputs
        inline = anthology.build(
            anthology.from_paths([stories / "shift.md", stories / "shore.md"], "Two nights"),
            formats=["epub"],
            out_dir=out / "inline",
            assignments=PROFILE,
            options=EditionOptions(scenes="inline"),
        ).outputs
        single = pipeline.build(stories / "shift.md", formats=["epub"], out_dir=out).outputs
        paths = [str(stories / name) for name in ("shore.md", "shift.md", "lanterns.md")]
        cli = {}
        for key, arguments in (
            ("each", paths),
            ("one", [*paths, "--anthology", "Kylo Ren imagines"]),
            ("yaml", [str(stories / "collection.yaml")]),
        ):
            cli[key] = out / "cli" / key
            status = main(["build", *arguments, "-f", "epub", "-o", str(cli[key]), "-s", "Y/N=A"])
            assert status == 0
    finally:
        if saved is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = saved
    yield {
        "epub": books[0],
        "kepub": books[1],
        "pdf": books[2],
        "other": other[0],
        "inline": inline[0],
        "single": single[0],
        **{f"cli-{key}": folder for key, folder in cli.items()},
    }


def test_every_book_passes_epubcheck(built: dict[str, Path], tmp_path: Path) -> None:
    epubs = sorted(
        path
        for found in built.values()
        for path in (found.rglob("*.epub") if found.is_dir() else [found])
        if path.suffix == ".epub"
    )
    assert len(epubs) == 10
    results = run_epubcheck(epubs, tmp_path)
    assert {str(book): problems(found) for book, found in results.items()} == {
        str(book): [] for book in epubs
    }


EXPECTED_NAV = [
    (1, "Title page", "titlepage.xhtml"),
    (1, "Salt and “Starlight”", "part-01.xhtml"),
    (2, "Later, Alex looks up at the…", "chapter-01-scene-02.xhtml"),
    (1, "The Quiet Shift", "part-02.xhtml"),
    (2, "Arrival", "chapter-02-scene-01.xhtml"),
    (3, "an hour later", "chapter-02-scene-02.xhtml"),
    (2, "Departure", "chapter-03-scene-01.xhtml"),
    (1, "Paper Lanterns", "part-03.xhtml"),
]


def test_stories_are_parts_with_chapters_and_scenes_nested_in_nav_and_ncx(
    built: dict[str, Path],
) -> None:
    book = Epub(built["epub"])
    assert book.nav_entries() == EXPECTED_NAV
    assert book.ncx_entries() == EXPECTED_NAV
    ncx = next(name for name in book.files if name.endswith(".ncx"))
    assert b'<meta content="3" name="dtb:depth"/>' in book.files[ncx]
    # Each part's title page comes before its chapters in the reading order.
    spine = [href for href in book.spine if href not in ("cover.xhtml", "nav.xhtml")]
    assert spine == [
        "titlepage.xhtml",
        "part-01.xhtml",
        "chapter-01-scene-01.xhtml",
        "chapter-01-scene-02.xhtml",
        "part-02.xhtml",
        "chapter-02-scene-01.xhtml",
        "chapter-02-scene-02.xhtml",
        "chapter-03-scene-01.xhtml",
        "part-03.xhtml",
        "chapter-04-scene-01.xhtml",
    ]


def test_inline_scenes_point_into_each_chapter_under_its_part(built: dict[str, Path]) -> None:
    book = Epub(built["inline"])
    assert book.nav_entries() == [
        (1, "Title page", "titlepage.xhtml"),
        (1, "The Quiet Shift", "part-01.xhtml"),
        (2, "Arrival", "chapter-01.xhtml"),
        (3, "an hour later", "chapter-01.xhtml#scene-1-2"),
        (2, "Departure", "chapter-02.xhtml"),
        (1, "Salt and “Starlight”", "part-02.xhtml"),
        (2, "Later, Alex looks up at the…", "chapter-03.xhtml#scene-3-2"),
    ]


def _outline(reader: PdfReader, items: list[object], depth: int = 1) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for item in items:
        if isinstance(item, list):
            found += _outline(reader, item, depth + 1)
        else:
            assert isinstance(item, Destination)
            found.append((depth, str(item.title)))
    return found


def test_the_pdf_outline_nests_parts_chapters_and_scenes(built: dict[str, Path]) -> None:
    reader = PdfReader(built["pdf"])
    assert _outline(reader, reader.outline) == [(depth, label) for depth, label, _ in EXPECTED_NAV]
    # Every story opens on a page of its own with its title page.
    pages = {
        str(item.title): reader.get_destination_page_number(item)
        for item in reader.outline
        if isinstance(item, Destination)
    }
    assert pages["Title page"] < pages["Salt and “Starlight”"] < pages["The Quiet Shift"]
    part_page = reader.pages[pages["The Quiet Shift"]].extract_text()
    assert "The Quiet Shift" in part_page and "night-owl" in part_page
    assert "Night Shift, part 2" in part_page


def test_each_story_has_its_title_page_and_one_profile_fills_all(built: dict[str, Path]) -> None:
    book = Epub(built["epub"])
    first = book.text("part-01.xhtml")
    for shown in ("Salt and “Starlight”", "by moth-and-lantern", "Star Wars", "Kylo Ren/Reader"):
        assert shown in first
    assert "Alex meets him on the beach." in first
    assert "by night-owl" in book.text("part-02.xhtml")
    title_page = book.text("titlepage.xhtml")
    assert "Kylo Ren imagines" in title_page and "by moth-and-lantern and friends" in title_page
    assert "Series: Imagines, part 3" in title_page
    stories = title_page[title_page.index("Stories") :]
    assert stories.index("Salt and") < stories.index("by night-owl") < stories.index("Paper")
    text = "\n".join(book.text(href) for href in book.spine if href != "nav.xhtml")
    assert "Y/N" not in text and text.count("Alex") == 6  # a summary and five paragraphs
    # The first story's own legend: its code is found and its default printed.
    assert "Alex walks along the shore with Sam." in text


def test_the_book_metadata_is_the_collection_and_its_series(
    built: dict[str, Path], stories: Path
) -> None:
    book = Epub(built["epub"])
    assert book.files["EPUB/images/cover.png"] == (stories / "cover.png").read_bytes()
    assert book.metadata("title") == ["Kylo Ren imagines"]
    assert book.metadata("creator") == ["moth-and-lantern and friends"]
    assert _series(book) == ("Imagines", "series", "3", "Imagines", "3")


def _series(book: Epub) -> tuple[str, ...]:
    opf = book.opf

    def one(query: str) -> str:
        found = opf.xpath(query, namespaces=NS)
        assert len(found) == 1, query
        return str(found[0])

    return (
        one("//opf:meta[@property='belongs-to-collection']/text()"),
        one("//opf:meta[@refines='#series'][@property='collection-type']/text()"),
        one("//opf:meta[@refines='#series'][@property='group-position']/text()"),
        one("//opf:meta[@name='calibre:series']/@content"),
        one("//opf:meta[@name='calibre:series_index']/@content"),
    )


def test_a_story_in_a_series_says_so_in_its_own_book(built: dict[str, Path]) -> None:
    book = Epub(built["single"])
    assert _series(book) == ("Night Shift", "series", "2", "Night Shift", "2")
    assert "Series: Night Shift, part 2" in book.text("titlepage.xhtml")


@pytest.mark.skipif(shutil.which("ebook-meta") is None, reason="Calibre is not installed")
def test_calibre_reads_the_series_back(built: dict[str, Path]) -> None:
    for key, expected in (("single", "Night Shift #2"), ("epub", "Imagines #3")):
        shown = subprocess.run(
            ["ebook-meta", str(built[key])], capture_output=True, text=True, check=True
        ).stdout
        series = [line.split(":", 1)[1].strip() for line in shown.splitlines() if "Series" in line]
        assert series == [expected]


def test_an_anthology_is_reproducible_and_identified_by_its_stories_and_reader(
    built: dict[str, Path], stories: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    collection = anthology.read(stories / "collection.yaml")
    again = anthology.build(collection, formats=["epub"], out_dir=tmp_path, assignments=PROFILE)
    assert again.outputs[0].read_bytes() == built["epub"].read_bytes()  # validated above
    identifiers = {
        Epub(built[key]).metadata("identifier")[0] for key in ("epub", "other", "single")
    }
    assert len(identifiers) == 3


def test_the_cli_makes_one_book_only_when_asked(built: dict[str, Path]) -> None:
    assert len(list(built["cli-each"].glob("*.epub"))) == 3
    for key in ("cli-one", "cli-yaml"):
        assert [path.name for path in built[key].iterdir()] == ["kylo-ren-imagines.epub"]
        book = Epub(built[key] / "kylo-ren-imagines.epub")
        parts = [label for depth, label, _ in book.nav_entries() if depth == 1]
        assert parts == ["Title page", "Salt and “Starlight”", "The Quiet Shift", "Paper Lanterns"]
    # Given on the command line, the book's author line names each story's author once.
    authors = Epub(built["cli-one"] / "kylo-ren-imagines.epub").metadata("creator")
    assert authors == ["moth-and-lantern and night-owl"]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("title: X\nstories:\n  - shore.md\n  - gone.md\n", 4, "story 'gone.md' is not a file"),
        ("title: X\nstories:\n  - shore.md\n  - shore.md\n", 4, "is listed twice"),
        ("title: X\nstorys: [shore.md]\n", 2, "unknown field 'storys'"),
        ("stories: [shore.md]\n", 1, "a collection needs a 'title'"),
        ("title: X\nstories: shore.md\n", 2, "needs 'stories': a list"),
        ("title: X\nseries: S\nseries_index: two\nstories: [shore.md]\n", 3, "a number"),
        ("title: X\ncover: missing.jpg\nstories: [shore.md]\n", 2, "cover image 'missing.jpg'"),
        ("title: [X\nstories: [shore.md]\n", 2, "is not valid YAML"),
        ('title: X\nauthor: "A\\x01"\nstories: [shore.md]\n', 2, "contains U+0001"),
        ("title: X\ue000\nstories: [shore.md]\n", 1, "contains U+E000"),
    ],
)
def test_a_mistake_in_a_collection_is_one_line_naming_it(
    stories: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    text: str,
    line: int,
    message: str,
) -> None:
    path = stories / f"bad-{line}-{abs(hash(text))}.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ManuscriptError) as raised:
        anthology.read(path)
    assert raised.value.line == line and message in raised.value.message
    assert main(["build", str(path), "-o", str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith(f"{path}:{line}: error: ") and "\n" not in error
    assert not (tmp_path / "out").exists()


def test_a_collection_file_is_built_on_its_own(stories: Path, tmp_path: Path) -> None:
    collection = str(stories / "collection.yaml")
    assert main(["build", collection, str(stories / "shore.md"), "-o", str(tmp_path)]) == 2
    assert main(["build", collection, "--jobs", "2", "-o", str(tmp_path)]) == 2
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(ACE is None, reason="DAISY Ace (npm @daisy/ace) and Chromium are not installed")
@pytest.mark.parametrize("key", ["epub", "inline", "kepub"])
def test_ace_finds_no_violations_in_an_anthology(
    built: dict[str, Path], tmp_path: Path, key: str
) -> None:
    assert ace_violations(built[key], tmp_path / "ace") == []
    assert report["earl:result"]["earl:outcome"] == "pass"


def test_the_kepub_keeps_the_parts(built: dict[str, Path]) -> None:
    with zipfile.ZipFile(built["kepub"]) as archive:
        assert 'epub:type="part"' in archive.read("EPUB/part-02.xhtml").decode("utf-8")
    assert Epub(built["kepub"]).nav_entries() == EXPECTED_NAV


@pytest.mark.skipif(shutil.which("ebook-convert") is None, reason="Calibre is not installed")
def test_the_azw3_edition_keeps_the_parts(stories: Path, tmp_path: Path) -> None:
    collection = anthology.read(stories / "collection.yaml")
    book = anthology.build(collection, formats=["azw3"], out_dir=tmp_path, assignments=PROFILE)
    shown = subprocess.run(
        ["ebook-meta", str(book.outputs[0])], capture_output=True, text=True, check=True
    ).stdout
    # (ebook-meta shows no series for this AZW3, though the EPUB it was made from has one.)
    assert "Kylo Ren imagines" in shown and "moth-and-lantern and friends" in shown
    converted = tmp_path / "back.txt"
    subprocess.run(
        ["ebook-convert", str(book.outputs[0]), str(converted)], capture_output=True, check=True
    )
    text = converted.read_text(encoding="utf-8")
    order = [text.index(title) for title in ("Salt and", "The Quiet Shift", "Paper Lanterns")]
    assert order == sorted(order) and "Alex folds a lantern" in text


def test_stories_that_disagree_on_a_default_are_told_which_wins(
    stories: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other.md"
    other.write_text(
        SHORE.replace(
            "default: Sam}", "default: Jo}\n  E/C: {label: eye colour, default: grey}"
        ).replace("Starlight", "Moonlight"),
        "utf-8",
    )
    (tmp_path / "typo.md").write_text(LANTERNS.replace("fandom:", "fandum:"), "utf-8")
    compiled = anthology.compile(
        anthology.from_paths(
            [stories / "lanterns.md", stories / "shore.md", other, tmp_path / "typo.md"], "Both"
        )
    )
    assert compiled.warnings == [
        f"{other}: B/F/N defaults to 'Jo' here and to 'Sam' in an earlier story; the first is "
        "used (give one with --set)",
        f"{tmp_path / 'typo.md'}: line 4: unknown front-matter field 'fandum' (did you mean "
        "'fandom'?); it is ignored",
    ]
    # A default only a later story gives (E/C: the others use the built-in code) is used.
    assert compiled.template.codes["E/C"].default == "grey"
    assert compiled.template.codes["B/F/N"].default == "Sam"


def test_strict_names_the_story_that_lacks_a_value(
    stories: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = [str(stories / "lanterns.md"), str(stories / "shift.md")]
    arguments = ["--anthology", "Two", "--strict", "-o", str(tmp_path / "out")]
    assert main(["build", *paths, *arguments]) == 2
    assert capsys.readouterr().err.strip() == (
        f"{stories / 'lanterns.md'}: error: no value for Y/N at 6:1"
    )
    assert not (tmp_path / "out").exists()


def test_placeholders_lists_the_codes_of_every_story_of_a_collection(
    stories: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["placeholders", str(stories / "collection.yaml"), "--set", "Y/N=Alex"]) == 0
    shown = capsys.readouterr().out.splitlines()
    assert shown[0].startswith("Y/N    your name, used ") and shown[0].endswith("'Alex' from --set")
    assert shown[1] == "B/F/N  your best friend's name, used 1x: 'Sam' from the story's default"


def test_a_long_anthology_pdf_is_laid_out_in_runs_of_whole_stories(
    stories: Path, tmp_path: Path
) -> None:
    """A long PDF is laid out in parts whose outlines are appended at the top level
    (builder.editions.pdf.join): cut inside a story, its later chapters would leave it."""
    paths = []
    for number in (1, 2):
        path = tmp_path / f"long-{number}.md"
        text = longstory.text(words=15_000, chapters=5, scenes=10, seed=number)
        path.write_text(text.replace("The Long Way Home", f"Long {number}", 1), "utf-8")
        paths.append(path)
    template = anthology.compile(
        anthology.from_paths([paths[0], stories / "shore.md", paths[1]], "Long")
    ).template
    plan = parts.plan(template.book)
    assert len(plan) > 1  # long enough to be laid out in parts
    assert len(template.book.chapters) == 3
    for piece in template.book.chapters:
        assert piece.startswith('<section id="part-') and piece.count('class="titlepage part') == 1
    assert sum(piece.count('class="chapter"') for piece in template.book.chapters) == 11


@pytest.mark.parametrize("title", ["", "  ", "Nights\ue0001\ue001", "Bell\x07"])
def test_an_anthology_title_no_book_can_hold_is_refused(
    stories: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], title: str
) -> None:
    paths = [str(stories / "shore.md"), str(stories / "lanterns.md")]
    assert main(["build", *paths, "--anthology", title, "-o", str(tmp_path)]) == 2
    assert "--anthology" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ("series: Night Shift\nseries_index: 2", ("Night Shift", "2")),
        ("series: Night Shift\nseries_index: '1.50'", ("Night Shift", "1.5")),
        ("series: Night Shift", ("Night Shift", "")),
        ("series: Night Shift\nseries_index: two", "'series_index' must be a number"),
        ("series: Night Shift\nseries_index: -1", "'series_index' must be a number"),
        ("series_index: 2", "'series_index' needs a 'series'"),
    ],
)
def test_series_fields_in_front_matter(fields: str, expected: object) -> None:
    text = f"---\ntitle: T\n{fields}\n---\nText.\n"
    if isinstance(expected, tuple):
        assert manuscript.parse(text, Path("t.md")).meta.series == expected
        return
    with pytest.raises(ManuscriptError) as raised:
        manuscript.parse(text, Path("t.md"))
    assert (
        str(expected) in raised.value.message
        and raised.value.line == text.count("\n", 0, text.index("series_index")) + 1
    )

"""`ficpress import`: stories as found in the wild become manuscripts that build and validate."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from lxml import html as lxml_html

from builder import pipeline
from builder.cli import main
from builder.importers import import_story, slug
from builder.importers.decoding import decode
from builder.importers.paragraphs import inline_breaks, quotations, restore
from builder.model import Manuscript, Markup, Text
from builder.stages import manuscript, scenes
from builder.stages.inline import parse_text, plain_text
from builder.stages.notes import is_note
from tests.conftest import ROOT, SEED_MANUSCRIPT, SEED_TEXT, Epub, problems, run_epubcheck

FIXTURES = ROOT / "tests" / "fixtures" / "import"
SEED_FOOTER = "Notes: the-imagines-awaken.tumblr.com theaidenellis.tumblr.com"
WORD = re.compile(r"\w+")


def imported(source: Path, out: Path, **options: str) -> tuple[Path, Manuscript]:
    result = import_story(source, out, **options)  # type: ignore[arg-type]
    return result.path, scenes.split(manuscript.read(result.path))


def body(path: Path) -> str:
    return path.read_text(encoding="utf-8").split("\n---\n", 1)[1]


def paragraph_starts(manuscript_body: str) -> set[int]:
    """Word offsets where a paragraph starts inside a scene (scene starts are not counted)."""
    starts, words, new_scene = set(), 0, True
    for block in manuscript_body.strip().split("\n\n"):
        if scenes.scene_break(block):
            new_scene = True
        elif not new_scene:
            starts.add(words)
        else:
            new_scene = False
        words += len(block.split())
    return starts


@pytest.fixture(scope="module")
def seed_import(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Manuscript]:
    folder = tmp_path_factory.mktemp("seed")
    source = folder / "000_16ab0dadcb654190.txt"  # as in shared/seeds: a name that is no title
    shutil.copy(SEED_TEXT, source)
    return imported(source, folder / "manuscripts")


def test_seed_becomes_two_scenes_with_the_caption_and_credits(
    seed_import: tuple[Path, Manuscript],
) -> None:
    path, story = seed_import
    assert path.name == "the-words-kept-replaying-in-kylos-head.md"
    meta = story.meta
    assert meta.credits == ("the-imagines-awaken.tumblr.com", "theaidenellis.tumblr.com")
    assert (meta.author, meta.source) == ("the-imagines-awaken", "the-imagines-awaken.tumblr.com")
    assert [info.code for info in meta.legend] == ["E/C", "Y/N", "H/C"]
    (chapter,) = story.chapters
    assert len(chapter.scenes) == 2
    caption = chapter.scenes[1].caption
    assert caption is not None and plain_text(caption) == "6 months later"


def test_seed_keeps_every_character_but_the_footer(seed_import: tuple[Path, Manuscript]) -> None:
    source = SEED_TEXT.read_text(encoding="utf-8").replace(SEED_FOOTER, "")
    assert "".join(body(seed_import[0]).split()) == "".join(source.split())


def test_seed_paragraphs_are_close_to_the_hand_made_manuscript(
    seed_import: tuple[Path, Manuscript],
) -> None:
    made = paragraph_starts(body(seed_import[0]))
    wanted = paragraph_starts(body(SEED_MANUSCRIPT))
    matched = len(made & wanted)
    precision, recall = matched / len(made), matched / len(wanted)
    print(f"paragraph breaks: {matched}/{len(made)} made match, {matched}/{len(wanted)} found")
    # Measured when written: 16 of 19 made are the hand-made ones, 16 of its 22 are found.
    assert precision >= 0.8
    assert recall >= 0.7


# (fixture, title, kind shown in the report, front matter facts, paragraphs, scenes, chapters)
SOURCES = [
    (
        "tumblr-post.html",
        "Rain Check",
        "Tumblr post",
        {
            "author": "the-imagines-awaken",
            "source": "https://the-imagines-awaken.tumblr.com/post/158123456789/rain-check",
            "credits": ("the-imagines-awaken.tumblr.com", "theaidenellis.tumblr.com"),
            "tags": ("poe dameron", "fluff"),
        },
        7,
        2,
        0,
    ),
    (
        "ao3-work.html",
        "Starlight & Static",
        "AO3 work",
        {
            "author": "sunspotwriter",
            "source": "http://archiveofourown.org/works/12345678",
            "rating": "Teen And Up Audiences",
            "pairing": "Poe Dameron/Reader",
            "characters": ("Poe Dameron", "Reader"),
            "tags": ("Fluff", "Reader-Insert"),
            "date": "2019-05-04",
            "credits": (),  # the notes are in the story, where the author put them
        },
        10,
        3,
        2,
    ),
    ("generic.html", "Paper Boats", "HTML page", {"author": "quietquill"}, 6, 2, 1),
    ("cp1252.txt", "Don’t go, Y/N whispers", "Windows-1252", {}, 3, 2, 0),
    ("utf16.txt", "Utf16", "UTF-16", {}, 3, 1, 0),
    ("crlf.txt", "Crlf", "plain text", {}, 3, 2, 0),
    ("cr-mac.txt", "Cr mac", "plain text", {}, 3, 2, 0),
    ("notes-app.md", "Notes app", "Markdown", {}, 3, 2, 2),
]


@pytest.fixture(scope="module")
def imports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, str]]:
    out = tmp_path_factory.mktemp("imports")
    results = {}
    for name, *_ in SOURCES:
        result = import_story(FIXTURES / name, out)
        results[name] = (result.path, "\n".join(result.report))
    return results


@pytest.mark.parametrize(
    ("name", "title", "kind", "facts", "paragraphs", "scene_count", "chapters"),
    SOURCES,
    ids=[source[0] for source in SOURCES],
)
def test_sources_become_manuscripts(
    imports: dict[str, tuple[Path, str]],
    name: str,
    title: str,
    kind: str,
    facts: dict[str, object],
    paragraphs: int,
    scene_count: int,
    chapters: int,
) -> None:
    path, report = imports[name]
    assert kind in report
    story = scenes.split(manuscript.read(path))
    assert plain_text(story.meta.title) == title
    assert path.name == f"{slug(title)}.md"
    for field, value in facts.items():
        assert getattr(story.meta, field) == value, field
    all_scenes = [scene for chapter in story.chapters for scene in chapter.scenes]
    assert sum(len(scene.paragraphs) for scene in all_scenes) == paragraphs
    assert len(all_scenes) == scene_count
    assert sum(chapter.title is not None for chapter in story.chapters) == chapters


# The story's own text in each HTML fixture, to compare words with.
STORY_XPATHS = {
    "tumblr-post.html": "//div[@class='body-text']/p[position() > 1]",
    "ao3-work.html": "//div[@id='chapters']/div[@class='userstuff'] | //h2[@class='heading']",
    "generic.html": "//body/p | //body/h2",
}


@pytest.mark.parametrize("name", [source[0] for source in SOURCES])
def test_the_authors_words_are_unchanged(imports: dict[str, tuple[Path, str]], name: str) -> None:
    source = FIXTURES / name
    if name in STORY_XPATHS:
        page = lxml_html.fromstring(source.read_bytes())
        text = " ".join(element.text_content() for element in page.xpath(STORY_XPATHS[name]))
    else:
        text = decode(source.read_bytes(), source).text
    story = "\n\n".join(p for p in body(imports[name][0]).split("\n\n") if not is_note(p))
    assert WORD.findall(story) == WORD.findall(text)


def test_an_ao3_works_notes_are_author_notes_where_the_author_put_them(
    imports: dict[str, tuple[Path, str]],
) -> None:
    paragraphs = body(imports["ao3-work.html"][0]).strip().split("\n\n")
    assert paragraphs[:4] == [
        "# Chapter 1: The Radio",
        "A/N: For my friend Bea, who asked for *static*.",  # the work's notes, emphasis kept
        "A/N: Short one, sorry!",  # the chapter's
        "The radio on your workbench has been dead for a week.",
    ]
    assert paragraphs[-2:] == ["A/N: Thanks for reading!", "A/N: Come say hi on tumblr."]


def test_a_notes_emphasis_stays_and_its_paragraphs_and_lines_run_on_in_one_note(
    tmp_path: Path,
) -> None:
    page = (FIXTURES / "ao3-work.html").read_text(encoding="utf-8")
    note = (
        '<p>Chapter Notes</p>\n    <blockquote class="userstuff"><p>Short one, <em>sorry</em>!'
        "<br>Rated *T* for <b>swearing</b>.</p><blockquote><p>Quote: <i>hi</i></p></blockquote>"
        '<p><strong><em>Bold and italic</em></strong> <span class="x">end</span></p>'
        "</blockquote>"
    )
    source = tmp_path / "ao3-work.html"
    source.write_text(
        page.replace(
            '<p>Chapter Notes</p>\n    <blockquote class="userstuff"><p>Short one, sorry!</p>'
            "</blockquote>",
            note,
        ),
        encoding="utf-8",
    )
    path, story = imported(source, tmp_path / "out")
    paragraphs = body(path).strip().split("\n\n")
    assert paragraphs[2] == (
        "A/N: Short one, *sorry*! Rated \\*T\\* for **swearing**. Quote: *hi* "
        "***Bold and italic*** end"
    )
    assert paragraphs[3] == "The radio on your workbench has been dead for a week."
    # Read back, the note is one author's note paragraph with its emphasis as markup.
    first = story.chapters[0].scenes[0].paragraphs[1]
    assert [(token.tag, token.opening) for token in first.inlines if isinstance(token, Markup)][
        :2
    ] == [("em", True), ("em", False)]


def test_encodings_and_line_ends(imports: dict[str, tuple[Path, str]]) -> None:
    cp1252 = body(imports["cp1252.txt"][0])
    assert "“Don’t go,” Y/N whispers." in cp1252 and "café" in cp1252
    assert "café au lait" in body(imports["utf16.txt"][0])
    for name in ("crlf.txt", "cr-mac.txt", "notes-app.md"):
        raw = imports[name][0].read_bytes()
        assert b"\r" not in raw and b"\xef\xbb\xbf" not in raw


def test_stars_the_author_typed_stay_stars(imports: dict[str, tuple[Path, str]]) -> None:
    assert "He groans, \\*sigh\\* and all" in body(imports["tumblr-post.html"][0])
    assert "3\\*4 rows" in body(imports["tumblr-post.html"][0])
    assert "the f\\*ck word" in body(imports["generic.html"][0])
    assert "a f\\*cking idiot" in body(imports["notes-app.md"][0])
    assert "*throw a punch*" in body(imports["notes-app.md"][0])  # Markdown's own emphasis
    assert "*laughing*" in body(imports["tumblr-post.html"][0])  # <em> becomes *x*


def test_imports_build_into_valid_epubs(
    imports: dict[str, tuple[Path, str]],
    seed_import: tuple[Path, Manuscript],
    tmp_path: Path,
) -> None:
    books = []
    for path in [seed_import[0], *(path for path, _ in imports.values())]:
        result = pipeline.build(path, formats=["epub"], out_dir=tmp_path / "dist")
        books.extend(result.outputs)
    results = run_epubcheck(books, tmp_path)
    assert {book.name: problems(messages) for book, messages in results.items()} == {
        book.name: [] for book in books
    }
    tumblr = Epub(tmp_path / "dist" / "rain-check.epub").all_text()
    assert "He groans, *sigh* and all" in tumblr and "3*4 rows" in tumblr
    assert "the f*ck word" in Epub(tmp_path / "dist" / "paper-boats.epub").all_text()


BAD_SOURCES = [
    ("binary", "story.txt", b"\x7fELF\x02\x01\x01\x00\x00\x00", ":1: error: is a binary file"),
    ("empty", "story.txt", b"", ":1: error: is empty"),
    ("blank", "story.txt", b" \n\n\t\n", ":1: error: is empty"),
    ("undecodable", "story.txt", b"Hi.\nA \x81 byte.\n", ":2: error: cannot be decoded"),
    ("pdf", "story.txt", b"%PDF-1.7\n...", ":1: error: is a PDF document"),
    ("docx", "story.html", b"PK\x03\x04rest", ":1: error: is a ZIP archive"),
    ("no story", "page.html", (FIXTURES / "no-story.html").read_bytes(), ": error: has no story"),
    ("bad front matter", "story.md", b"---\ntitle: [x\n---\nText.\n", ":1: error: has front"),
    ("all footer", "story.txt", b"Notes: a.tumblr.com b.tumblr.com\n", ": error: cannot become"),
    ("reserved", "story.txt", "A \ue000 here.".encode(), ": error: cannot become a manuscript"),
]


@pytest.mark.parametrize(
    ("name", "file_name", "content", "expected"), BAD_SOURCES, ids=[b[0] for b in BAD_SOURCES]
)
def test_bad_input_is_one_line_exit_2_and_nothing_written(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    file_name: str,
    content: bytes,
    expected: str,
) -> None:
    source = tmp_path / file_name
    source.write_bytes(content)
    out = tmp_path / "out"
    assert main(["import", str(source), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{source}{expected}"), err
    assert err.count("\n") == 1
    assert not out.exists()


def test_missing_and_oversized_sources(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", str(tmp_path / "nope.txt"), "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err == f"{tmp_path / 'nope.txt'}: error: no such file\n"
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as file:
        file.truncate(20 * 1024 * 1024 + 1)  # sparse: costs no disk
    assert main(["import", str(huge), "--out", str(tmp_path / "out")]) == 2
    assert "is larger than 20 MB" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_an_existing_manuscript_is_replaced_only_with_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = FIXTURES / "crlf.txt"
    assert main(["import", str(source), "--out", str(tmp_path), "--title", "Stars"]) == 0
    target = tmp_path / "stars.md"
    target.write_text("mine", encoding="utf-8")
    capsys.readouterr()
    assert main(["import", str(source), "--out", str(tmp_path), "--title", "Stars"]) == 2
    err = capsys.readouterr().err
    assert err == f"{target}: error: already exists; add --force to replace it\n"
    assert target.read_text(encoding="utf-8") == "mine"
    assert main(["import", str(source), "-o", str(tmp_path), "--title", "Stars", "--force"]) == 0
    assert target.read_text(encoding="utf-8").startswith("---\ntitle: Stars\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["stars.md"]  # no temporary left


def test_odd_titles_are_quoted_in_the_front_matter(tmp_path: Path) -> None:
    title = 'Y/N: "yes" & no # 1'
    path, story = imported(FIXTURES / "crlf.txt", tmp_path, title=title, author="- me")
    assert plain_text(story.meta.title) == title and story.meta.author == "- me"
    assert path.name == "y-n-yes-no-1.md"


INLINE_BREAKS = [
    ("still alive. -- (6 months later) Kylo dreams", ["-- (6 months later)"]),
    ("the end. *** Later, she woke.", ["***"]),
    ('he said. * * * "Morning."', ["* * *"]),
    ("the end. ~~~ [The next day] ~~~ Morning.", ["~~~ [The next day] ~~~"]),
    ("He was -- well -- tired.", []),  # a dash in prose
    ("she left. -- Then he cried.", []),  # two dashes need a caption to be a break
    ("and *** then", []),  # not between sentences
    ("a score of 5 -- 3. Then", []),
]


@pytest.mark.parametrize(("text", "lines"), INLINE_BREAKS)
def test_inline_breaks(text: str, lines: list[str]) -> None:
    assert [found.line for found in inline_breaks(text)] == lines


def test_restore_cuts_only_at_whitespace_and_needs_balanced_quotes() -> None:
    text = (
        'Kylo straightens. "You are wrong." The words hurt. "Ky, what?" You walk up. '
        '"Get out." He says it twice. "Kylo." You ask, voice rough.'
    )
    pieces = restore(text)
    assert " ".join(pieces) == text and len(pieces) > 1
    assert restore('He said "hi and left') == ['He said "hi and left']
    assert quotations('A "b" c “d” e') == [(2, 5), (8, 11)]


def test_an_escaped_star_is_a_literal_star_with_its_own_column() -> None:
    paragraph = parse_text(r"f\*ck *so* \*sigh\* Y/N", 4)
    assert plain_text(paragraph) == "f*ck so *sigh* Y/N"
    texts = [token for token in paragraph.inlines if isinstance(token, Text)]
    assert [(token.text, token.column) for token in texts][:2] == [("f", 1), ("*ck ", 3)]
    assert sum(isinstance(token, Markup) for token in paragraph.inlines) == 2

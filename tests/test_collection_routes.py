"""A collection goes everywhere a story goes: `send` puts its ONE book on an e-reader (a
collection file, or manuscripts with --anthology), `build URL` of an AO3 series or a Tumblr
masterlist builds the collection's one book (and again, what is already there), and `--notes`
reaches every story of a batch and of an anthology.

The commands run once per module, in-process (`builder.cli.main`), against the replay server
(tests/replay.py, FICPRESS_SITES) and a fake mounted Kobo (FICPRESS_MOUNTS); every book they
make is validated by one EPUBCheck run."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from builder.cli import main
from builder.send import devices
from tests.conftest import NS, Epub, problems, run_epubcheck
from tests.replay import Logged, replaying

SHORE = """---
title: Salt and Starlight
author: moth-and-lantern
---
A/N: for the beach prompt, thank you all!

Y/N walks along the shore. The sea is cold.

--

Later, Y/N looks up at the stars.
"""
SHIFT = """---
title: The Quiet Shift
author: night-owl
---
# Arrival

Y/N clocks in at midnight.

A/N: a short one, sorry!

# Departure

Kylo waits at the hangar door for Y/N.
"""
COLLECTION = (
    "title: Two Nights\nauthor: moth-and-lantern and friends\nstories: [shore.md, shift.md]\n"
)
SAMMLUNG = """title: Zwei Nächte
language: de
series: Nachtschicht
series_index: 2
notes: end
stories: [shore.md, shift.md]
"""
NOTES = ("for the beach prompt, thank you all!", "a short one, sorry!")
SERIES = "https://archiveofourown.org/series/700"
MASTERLIST = "https://moth-and-lantern.tumblr.com/post/910/masterlist"


@dataclass
class Run:
    code: int
    out: str
    err: str
    requests: list[Logged] = field(default_factory=list)
    """What the replay server answered during the command."""


@dataclass
class Made:
    root: Path
    kobo: Path
    usb: Path
    runs: dict[str, Run]


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Made]:
    root = tmp_path_factory.mktemp("routes")
    stories = root / "stories"
    stories.mkdir()
    (stories / "shore.md").write_text(SHORE, encoding="utf-8")
    (stories / "shift.md").write_text(SHIFT, encoding="utf-8")
    (stories / "collection.yaml").write_text(COLLECTION, encoding="utf-8")
    (stories / "sammlung.yaml").write_text(SAMMLUNG, encoding="utf-8")
    bad = SAMMLUNG.replace("notes: end", "notes: later")
    own = stories / "own"  # each story says where its own notes go
    own.mkdir()
    (own / "shore.md").write_text(SHORE.replace("---\nA/N", "notes: omit\n---\nA/N"), "utf-8")
    (own / "shift.md").write_text(
        SHIFT.replace("---\n# Arrival", "notes: end\n---\n# Arrival"), "utf-8"
    )
    (stories / "bad.yaml").write_text(bad, encoding="utf-8")
    kobo = root / "media" / "me" / "KOBOeReader"
    (kobo / ".kobo").mkdir(parents=True)
    (root / "usb").mkdir()
    usb = str(root / "usb")
    shore, shift, collection = (
        str(stories / name) for name in ("shore.md", "shift.md", "collection.yaml")
    )
    alex = ["--set", "Y/N=Alex"]
    epub = ["-f", "epub", *alex]
    commands = {
        "send collection": ["send", collection, "--device", "auto", *alex],
        "build collection": ["build", collection, "-f", "kepub", "-o", "built", *alex],
        "send anthology": ["send", shore, shift, "--anthology", "Two Nights", "--to", usb, *alex],
        "build anthology": [
            "build",
            shore,
            shift,
            "--anthology",
            "Two Nights",
            "-o",
            "built",
            *epub,
        ],
        "send several": ["send", shore, shift, "--to", usb],
        "send collection and more": ["send", collection, shore, "--to", usb],
        "notes end anthology": ["build", collection, "--notes", "end", "-o", "notes-end", *epub],
        "notes omit anthology": ["build", collection, "--notes", "omit", "-o", "notes-omit", *epub],
        "german": ["build", str(stories / "sammlung.yaml"), "-o", "de", *epub],  # notes: end
        "bad notes": ["build", str(stories / "bad.yaml"), "-o", "bad", *epub],
        "own notes": [
            "build",
            str(own / "shore.md"),
            str(own / "shift.md"),
            "--anthology",
            "Own Choices",
            "-o",
            "notes-own",
            *epub,
        ],
        "notes end batch": ["build", shore, shift, "--notes", "end", "-o", "notes-batch", *epub],
        "series": ["build", SERIES, *epub, "--set", "E/C=grey"],
        "series again": ["build", SERIES, *epub, "--set", "E/C=grey"],
        "masterlist": ["build", MASTERLIST, *epub],
    }
    runs: dict[str, Run] = {}
    with replaying() as server, pytest.MonkeyPatch.context() as patch:
        patch.setenv("FICPRESS_SITES", server.sites)
        patch.setenv("FICPRESS_FETCH_DELAY", "0")
        patch.setenv("FICPRESS_CACHE", str(root / "cache"))
        patch.setenv("FICPRESS_CONFIG", str(root / "config.toml"))
        patch.setenv(devices.MOUNTS_VARIABLE, str(root / "media" / "*" / "*"))
        patch.chdir(root)
        for key, argv in commands.items():
            if key == "series again":  # the reader edits the imported story first
                low_tide = root / "manuscripts" / "harbor-lights" / "low-tide.md"
                text = low_tide.read_text(encoding="utf-8")
                low_tide.write_text(
                    text.replace("Mind the crabs", "Mind the LOW crabs", 1), encoding="utf-8"
                )
            seen = len(server.requests())
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main(argv)
            runs[key] = Run(code, out.getvalue(), err.getvalue(), server.requests()[seen:])
    yield Made(root, kobo, root / "usb", runs)


def ok(made: Made, key: str) -> Run:
    run = made.runs[key]
    assert (run.code, run.err) == (0, ""), (key, run.err)
    return run


def test_send_puts_a_collections_one_book_on_the_e_reader(made: Made) -> None:
    run = ok(made, "send collection")
    sent = made.kobo / "two-nights.kepub.epub"
    assert f"copied {sent} (" in run.out
    assert [path.name for path in made.kobo.iterdir() if path.is_file()] == [sent.name]
    ok(made, "build collection")
    # The book `build` writes, byte for byte: one book of both stories.
    assert sent.read_bytes() == (made.root / "built" / "two-nights.kepub.epub").read_bytes()
    parts = [label for depth, label, _ in Epub(sent).nav_entries() if depth == 1]
    assert parts == ["Title page", "Salt and Starlight", "The Quiet Shift"]


def test_send_with_anthology_sends_the_book_build_makes(made: Made) -> None:
    run = ok(made, "send anthology")
    sent = made.usb / "two-nights.epub"
    assert f"copied {sent} (" in run.out
    ok(made, "build anthology")
    assert sent.read_bytes() == (made.root / "built" / "two-nights.epub").read_bytes()
    text = Epub(sent).all_text()
    assert "Alex walks along the shore" in text and "Kylo waits at the hangar door for Alex" in text


def test_send_takes_one_book(made: Made) -> None:
    several, mixed = made.runs["send several"], made.runs["send collection and more"]
    assert (several.code, several.out) == (2, "")
    assert several.err.count("\n") == 1 and "send takes one book" in several.err
    assert "--anthology TITLE" in several.err
    assert (mixed.code, mixed.out) == (2, "")
    assert mixed.err.count("\n") == 1 and "collection file is built on its own" in mixed.err
    assert sorted(path.name for path in made.usb.iterdir()) == ["two-nights.epub"]


def test_build_url_of_a_series_builds_its_one_book(made: Made) -> None:
    run = ok(made, "series")
    folder = Path("manuscripts") / "harbor-lights"
    assert f"wrote {folder / 'collection.yaml'}" in run.out
    assert f"wrote {Path('dist') / 'harbor-lights.epub'}" in run.out
    assert sorted(path.name for path in (made.root / "dist").iterdir()) == [
        "harbor-lights.epub",
        "moth-and-lantern-masterlist.epub",
    ]
    book = Epub(made.root / "dist" / "harbor-lights.epub")
    parts = [label for depth, label, _ in book.nav_entries() if depth == 1]
    assert parts == ["Title page", "Lanterns Over the Harbor", "Low Tide", "Credits"]
    assert book.metadata("title") == ["Harbor Lights"]


def test_build_url_again_builds_what_is_there_without_fetching_the_works(made: Made) -> None:
    run = ok(made, "series again")
    collection = Path("manuscripts") / "harbor-lights" / "collection.yaml"
    assert f"{collection} was imported from this series or masterlist before: built as it is" in (
        run.out
    )
    # Only the series' own page is asked again, as a cached copy revalidated (to see it is the
    # same series): no work is fetched.
    assert {(request.path, request.status) for request in run.requests} == {("/series/700", 304)}
    assert "Mind the LOW crabs" in Epub(made.root / "dist" / "harbor-lights.epub").all_text()


def test_build_url_of_a_masterlist_builds_its_one_book(made: Made) -> None:
    run = ok(made, "masterlist")
    folder = Path("manuscripts") / "moth-and-lantern-masterlist"
    assert f"wrote {folder / 'collection.yaml'}" in run.out
    book = Epub(made.root / "dist" / "moth-and-lantern-masterlist.epub")
    parts = [label for depth, label, _ in book.nav_entries() if depth == 1]
    assert parts[1:4] == ["Salt and Starlight", "The Quiet Shift", "Paper Lanterns"]


def test_notes_end_gathers_every_storys_notes_at_the_back_of_an_anthology(made: Made) -> None:
    ok(made, "notes end anthology")
    book = Epub(made.root / "notes-end" / "two-nights.epub")
    assert book.spine[-1] == "notes.xhtml"
    notes = book.text("notes.xhtml")
    assert all(note in notes for note in NOTES)
    # Each note under its story's title (and its chapter's, for a story of several chapters).
    page = book.document("notes.xhtml")
    shown = [
        (element.tag.rsplit("}", 1)[1], "".join(element.itertext()).strip())
        for element in page.xpath("//xhtml:h3 | //xhtml:h4 | //xhtml:p", namespaces=NS)
    ]
    assert shown == [
        ("h3", "Salt and Starlight"),
        ("p", f"A/N: {NOTES[0]}"),
        ("h3", "The Quiet Shift"),
        ("h4", "Arrival"),
        ("p", f"A/N: {NOTES[1]}"),
    ]
    rest = "\n".join(book.text(href) for href in book.spine[:-1])
    assert not any(note in rest for note in NOTES)


def test_notes_omit_leaves_every_storys_notes_out_of_an_anthology(made: Made) -> None:
    ok(made, "notes omit anthology")
    book = Epub(made.root / "notes-omit" / "two-nights.epub")
    assert "notes.xhtml" not in book.spine
    text = book.all_text()
    assert "Alex walks along the shore" in text
    assert not any(note in text for note in NOTES)


def test_without_notes_each_story_of_an_anthology_places_its_own(made: Made) -> None:
    ok(made, "own notes")
    book = Epub(made.root / "notes-own" / "own-choices.epub")
    assert NOTES[0] not in book.all_text()  # shore.md: notes: omit
    assert book.spine[-1] == "notes.xhtml"  # shift.md: notes: end
    assert " ".join(book.text("notes.xhtml").split()) == (
        f"Author’s notes The Quiet Shift Arrival A/N: {NOTES[1]}"
    )
    assert "Alex walks along the shore" in book.all_text()


def test_notes_applies_to_every_manuscript_of_a_batch(made: Made) -> None:
    ok(made, "notes end batch")
    for name, note in zip(("shore", "shift"), NOTES, strict=True):
        book = Epub(made.root / "notes-batch" / f"{name}.epub")
        assert book.spine[-1] == "notes.xhtml"
        assert note in book.text("notes.xhtml")
        assert note not in "\n".join(book.text(href) for href in book.spine[:-1])


def test_an_anthologys_own_words_are_in_its_language(made: Made) -> None:
    run = made.runs["german"]
    assert run.code == 0 and "the stories are not all in 'de'" in run.err
    book = Epub(made.root / "de" / "zwei-nachte.epub")
    title_page = book.text("titlepage.xhtml")
    assert "Reihe: Nachtschicht, Teil 2" in title_page
    assert "Geschichten" in title_page and "Stories" not in title_page
    assert "von moth-and-lantern" in title_page and "von night-owl" in title_page
    # The stories' authors are listed as German lists names (CLDR's pattern, through Babel).
    assert book.metadata("creator") == ["moth-and-lantern und night-owl"]
    assert ("Anmerkungen zum Text", "notes.xhtml") in [
        (label, href) for _, label, href in book.nav_entries()
    ]
    assert book.text("notes.xhtml").split()[:3] == ["Anmerkungen", "zum", "Text"]


def test_a_collections_notes_field_is_checked_like_a_manuscripts(made: Made) -> None:
    run = made.runs["bad notes"]
    bad = made.root / "stories" / "bad.yaml"
    assert (run.code, run.out) == (2, "")
    assert run.err == (
        f"{bad}:5: error: 'notes' must be one of place, end, omit, not 'later' (in: notes: later)\n"
    )
    assert not (made.root / "bad").exists()


def test_every_book_passes_epubcheck(made: Made, tmp_path: Path) -> None:
    # Every book the commands wrote; a sent book that is byte for byte a built one (as the
    # send tests check) is validated once.
    books = {path.read_bytes(): path for path in sorted(made.root.rglob("*.epub"))}
    assert len(books) == 10
    checked = list(books.values())
    results = run_epubcheck(checked, tmp_path)
    assert {book: problems(found) for book, found in results.items()} == {
        book: [] for book in checked
    }

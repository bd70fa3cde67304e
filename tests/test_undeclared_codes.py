"""Codes a story uses without declaring them (`B/F`, `Y/F/N`): found, listed, asked for on
the site and filled, while ordinary abbreviations (`N/A`, `w/o`, `M/M`) stay text."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from lxml import html
from starlette.testclient import TestClient

from builder.cli import main
from builder.importers import import_story
from builder.model import Slot
from builder.serve import token
from builder.serve.app import COOKIE, create_app
from builder.serve.pool import RenderPool
from builder.stages import manuscript, placeholders, scenes
from tests.conftest import Epub, problems, run_epubcheck

TABLE: dict[str, list[dict[str, Any]]] = yaml.safe_load(
    (Path(__file__).parent / "fixtures" / "undeclared_codes.yaml").read_text(encoding="utf-8")
)
CASES = [(side, case) for side, cases in TABLE.items() for case in cases]


def slots_in(tmp_path: Path, body: str) -> list[Slot]:
    path = tmp_path / "story.md"
    path.write_text(f"---\ntitle: T\n---\n{body}\n", encoding="utf-8")
    book = placeholders.find(scenes.split(manuscript.read(path)))
    return list(placeholders.slots(placeholders.all_paragraphs(book)))


@pytest.mark.parametrize(
    ("side", "case"), CASES, ids=[f"{side}: {case['name']}" for side, case in CASES]
)
def test_what_is_found_and_what_is_not(tmp_path: Path, side: str, case: dict[str, Any]) -> None:
    assert [slot.code for slot in slots_in(tmp_path, case["text"])] == case["found"]
    assert bool(case["found"]) == (side == "found")


def test_an_undeclared_slot_is_written_as_found_and_has_no_table_entry(tmp_path: Path) -> None:
    (slot,) = slots_in(tmp_path, "Hi (Y/F/N).")
    assert (slot.code, slot.written, slot.line, slot.column) == ("Y/F/N", "(Y/F/N)", 4, 4)
    assert placeholders.table(manuscript.read(tmp_path / "story.md").meta).get("Y/F/N") is None


def test_a_legend_may_still_declare_an_abbreviation_as_a_code(tmp_path: Path) -> None:
    path = tmp_path / "story.md"
    path.write_text("---\ntitle: T\nplaceholders:\n  M/M: mum's name\n---\nm/m N/A\n", "utf-8")
    book = placeholders.find(scenes.split(manuscript.read(path)))
    slots = list(placeholders.slots(placeholders.all_paragraphs(book)))
    assert [(slot.code, slot.written) for slot in slots] == [("M/M", "m/m")]


def test_every_abbreviation_has_the_placeholder_shape() -> None:
    # An entry the stage could never find would be a dead word in the list.
    assert all(placeholders.UNDECLARED.fullmatch(code) for code in placeholders.NOT_PLACEHOLDERS)
    assert placeholders.undeclared("F/F")  # a code in the stories that use it


STORY = """---
title: Y/F/N and B/F
author: Test Author
summary: B/F waits for Y/F/N.
placeholders:
  G/N: {label: girlfriend's name, default: Kim}
---

# One

Y/F/N met (B/F) by the sea, w/o a word. Snacks: N/A. G/N waved at Y/N.
"""


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("undeclared")
    (folder / "sea.md").write_text(STORY, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def site(library: Path) -> Iterator[TestClient]:
    with (
        ThreadPoolExecutor(1) as executor,  # EPUBs only: no need to start a worker process
        TestClient(create_app(library, pool=RenderPool(executor=executor))) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def books(library: Path, site: TestClient, tmp_path_factory: pytest.TempPathFactory) -> Books:
    """Every book this module checks, built once: by the command line, the site's form and a
    personal OPDS feed, so that EPUBCheck reads them all in one run."""
    out = tmp_path_factory.mktemp("books")
    values = ["--set", "Y/F/N=Sam Lee", "--set", "B/F=jo", "--set", "Y/N=Sam"]
    status = main(["build", str(library / "sea.md"), *values, "-f", "epub", "-o", str(out / "cli")])
    assert status == 0
    form = site.get("/stories/sea/download", params={"format": "epub", "Y/F/N": "Ana", "B/F": "Bo"})
    assert form.status_code == 200, form.text
    (out / "form.epub").write_bytes(form.content)
    reader = token.encode({"Y/F/N": "Max", "B/F": "Ed"})
    feed = site.get(f"/opds/p/{reader}/books/sea.epub")
    assert feed.status_code == 200, feed.text
    (out / "feed.epub").write_bytes(feed.content)
    return Books(out / "cli" / "sea.epub", out / "form.epub", out / "feed.epub")


@dataclass(frozen=True)
class Books:
    cli: Path
    form: Path
    feed: Path


def test_placeholders_lists_undeclared_codes_as_not_in_the_legend(
    library: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["placeholders", str(library / "sea.md")]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert listed == [
        "Y/F/N  not in the legend, used 3x: no value",
        "B/F    not in the legend, used 3x: no value",
        "G/N    girlfriend's name, used 1x: 'Kim' from the story's default",
        "Y/N    your name, used 1x: no value",
    ]


def test_set_fills_an_undeclared_code_without_a_warning(
    library: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    story = str(library / "sea.md")
    assert main(["build", story, "--set", "Y/F/N=Sam", "-f", "epub", "-o", str(tmp_path)]) == 0
    warnings = capsys.readouterr().err
    assert "does not use" not in warnings
    # The codes left without a value are the ones the reader did not answer, named as such.
    assert "B/F (3x), Y/N (1x)" in warnings


def test_the_command_line_book_is_filled(books: Books) -> None:
    book = Epub(books.cli)
    assert book.metadata("title") == ["Sam Lee and jo"]
    assert "Sam Lee met jo by the sea, w/o a word. Snacks: N/A. Kim waved at Sam." in (
        book.all_text()
    )


def test_the_site_asks_for_an_undeclared_code_and_fills_it(site: TestClient, books: Books) -> None:
    response = site.get("/stories/sea")
    assert response.status_code == 200, response.text
    root = html.fromstring(response.text)
    fields = root.xpath("//form[@id='you']//input[@type='text']")
    assert [field.get("name") for field in fields] == ["Y/F/N", "B/F", "G/N", "Y/N"]
    labels = [root.xpath(f"//label[@for='{f.get('id')}']")[0].text_content() for f in fields]
    assert labels == ["Y/F/N", "B/F", "Girlfriend's name (G/N)", "Your name (Y/N)"]
    assert "The story does not say what B/F stands for." in root.text_content()
    assert "Ana met Bo by the sea" in Epub(books.form).all_text()
    assert "Max met Ed by the sea" in Epub(books.feed).all_text()


def test_remember_keeps_an_undeclared_code(site: TestClient) -> None:
    site.cookies.clear()
    saved = site.post("/stories/sea/remember", data={"B/F": "Jo"}, follow_redirects=False)
    assert saved.status_code == 303
    assert token.decode(site.cookies[COOKIE]) == {"B/F": "Jo"}
    root = html.fromstring(site.get("/stories/sea").text)
    assert root.xpath("//input[@name='B/F']/@value") == ["Jo"]
    assert root.findtext(".//h1") == "Y/F/N and Jo"
    site.cookies.clear()


def test_every_book_passes_epubcheck(books: Books, epubcheck_work: Path) -> None:
    paths = [books.cli, books.form, books.feed]
    results = run_epubcheck(paths, epubcheck_work)
    assert {path.name: problems(results[path]) for path in paths} == {
        path.name: [] for path in paths
    }


def test_import_says_undeclared_codes_are_filled_and_which_never_are(tmp_path: Path) -> None:
    source = tmp_path / "copied.txt"
    source.write_text(
        "Y/N hugged B/F. (Y/F/N) laughed. N/A. b/f and w/o. See a.com/F/F.\n", encoding="utf-8"
    )
    result = import_story(source, tmp_path / "out")
    assert "placeholders: Y/N" in result.report
    assert (
        "not in the legend: B/F, Y/F/N; filled when the reader gives a value, but add them "
        "under 'placeholders:' with a label so that readers know what to give"
    ) in result.report
    assert (
        "never filled (ficpress leaves them as written): b/f; outside the legend only codes "
        "in capitals are found: write them in capitals or add them under 'placeholders:'"
    ) in result.report

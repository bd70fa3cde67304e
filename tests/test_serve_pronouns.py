"""The reader's pronouns on the download site (issue 13, reader side): the story page asks
for them (a choice, or five forms of one's own), downloads follow them, "Save my details"
keeps them, and the personal OPDS feed's books have them. In process, through Starlette's
TestClient; every EPUB downloaded is validated by EPUBCheck."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import html
from starlette.testclient import TestClient

from builder.serve import token
from builder.serve.app import COOKIE, create_app
from builder.serve.pool import RenderPool
from tests.conftest import Epub, problems, run_epubcheck

STORY = """---
title: (S)he Climbs
reader: {pronouns: she}
---

Y/N climbs the stairs and opens her book. She reads the first page twice.

F!: You smooth down your skirt.

M!: You straighten your tie.

NB!: You straighten your jacket.
"""
PAGE = "/stories/climb"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    folder = tmp_path_factory.mktemp("manuscripts")
    (folder / "climb.md").write_text(STORY, encoding="utf-8")
    with TestClient(create_app(folder, pool=RenderPool(workers=1))) as client:
        yield client


@pytest.fixture(scope="module")
def books() -> list[Path]:
    """Every EPUB the tests download: validated together, by one EPUBCheck run, at the end."""
    return []


@pytest.fixture
def client(site: TestClient) -> TestClient:
    site.cookies.clear()
    return site


def epub(client: TestClient, url: str, folder: Path, **params: str) -> Path:
    response = client.get(url, params=params)
    assert response.status_code == 200, response.text
    target = folder / f"{len(list(folder.iterdir()))}.epub"
    target.write_bytes(response.content)
    return target


def test_the_story_page_offers_a_choice_and_a_field_for_five_forms(client: TestClient) -> None:
    root = html.fromstring(client.get(PAGE).text)
    options = root.xpath("//select[@name='PRONOUNS']/option/@value")
    assert options == ["", "she", "he", "they"]
    assert root.xpath("//select[@name='PRONOUNS']/option[@selected]/@value") == [""]
    assert root.xpath("//input[@name='PRONOUNS-own']/@placeholder") == ["xe/xem/xyr/xyrs/xemself"]
    assert root.xpath("//input[@name='Y/N']")  # the other questions are still asked
    labels = [label.text_content() for label in root.xpath("//label")]
    assert "Your pronouns" in labels


def test_downloads_follow_the_choice_and_own_forms_win(
    client: TestClient, tmp_path: Path, books: list[Path]
) -> None:
    download = f"{PAGE}/download"
    they = epub(client, download, tmp_path, format="epub", PRONOUNS="they", **{"Y/N": "Sam"})
    own = epub(
        client,
        download,
        tmp_path,
        format="epub",
        PRONOUNS="he",
        **{"PRONOUNS-own": "xe/xem/xyr/xyrs/xemself", "Y/N": "Sam"},
    )
    written = epub(client, download, tmp_path, format="epub", PRONOUNS="")
    they_text, own_text, written_text = (Epub(book).all_text() for book in (they, own, written))
    assert "Sam climbs the stairs and opens their book. They read the first page" in they_text
    assert "You straighten your jacket." in they_text and "skirt" not in they_text
    assert "Sam climbs the stairs and opens xyr book. Xe reads" in own_text
    assert "Y/N climbs the stairs and opens her book." in written_text
    assert "You smooth down your skirt." in written_text and "tie" not in written_text
    bad = client.get(download, params={"format": "epub", "PRONOUNS-own": "xe/xem"})
    assert bad.status_code == 400 and "five forms" in bad.text
    books += [they, own, written]


def test_saved_pronouns_fill_the_form_and_the_personal_feed(
    client: TestClient, tmp_path: Path, books: list[Path]
) -> None:
    saved = client.post(
        f"{PAGE}/remember", data={"Y/N": "Alex", "PRONOUNS": "he"}, follow_redirects=False
    )
    assert saved.status_code == 303
    assert token.decode(client.cookies[COOKIE]) == {"Y/N": "Alex", "PRONOUNS": "he"}
    root = html.fromstring(client.get(PAGE).text)
    assert root.xpath("//select[@name='PRONOUNS']/option[@selected]/@value") == ["he"]
    assert root.xpath("//h1")[0].text_content() == "He Climbs"  # the title follows too
    client.post(f"{PAGE}/remember", data={"PRONOUNS": "", "PRONOUNS-own": "ey/em/eir/eirs/emself"})
    reader = client.cookies[COOKIE]
    assert token.decode(reader) == {"PRONOUNS": "ey/em/eir/eirs/emself"}
    root = html.fromstring(client.get(PAGE).text)
    assert root.xpath("//select[@name='PRONOUNS']/option[@selected]/@value") == [""]
    assert root.xpath("//input[@name='PRONOUNS-own']/@value") == ["ey/em/eir/eirs/emself"]
    book = epub(client, f"/opds/p/{reader}/books/climb.epub", tmp_path)
    assert "opens eir book. Ey reads the first page twice." in Epub(book).all_text()
    books.append(book)


def test_every_downloaded_book_is_valid(books: list[Path], tmp_path: Path) -> None:
    assert len(books) == 4  # the tests above ran and downloaded them
    results = run_epubcheck(books, tmp_path)
    assert {str(book): problems(results[book]) for book in books} == {str(b): [] for b in books}

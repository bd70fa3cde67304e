"""The download site's catalog holds a folder with a `collection.yaml` (an imported AO3 series
or Tumblr masterlist) as ONE book: its title, author, summary, cover and series on the catalog
page and in OPDS, its downloads made as `ficpress build collection.yaml` makes them, and its
changes (a story edited, the collection renamed or removed) picked up while the site runs."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree, html
from PIL import Image
from starlette.testclient import TestClient

from builder.cli import main
from builder.serve.app import create_app
from builder.serve.listing import RECHECK_SECONDS
from tests.conftest import Epub, problems, run_epubcheck
from tests.test_serve_catalog import NS, feed

ALONE = """---
title: Two Chairs
author: moth-and-lantern
---
By spring there are two chairs by the lamp, Y/N.
"""
LANTERNS = """---
title: Lanterns Over the Harbor
author: tidewriter
---
Y/N lights the first lantern.
"""
LOW_TIDE = """---
title: Low Tide
author: tidewriter
---
At low tide he offers Y/N his hand.
"""
COLLECTION = """title: Harbor Lights
author: tidewriter
summary: Small stories from a foggy harbor.
series: Harbor Lights
series_index: 1
cover: cover.png
stories: [lanterns.md, low-tide.md]
"""
SLUG = "harbor-lights"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("site")
    (root / "two-chairs.md").write_text(ALONE, encoding="utf-8")
    harbor = root / "harbor"
    harbor.mkdir()
    (harbor / "lanterns.md").write_text(LANTERNS, encoding="utf-8")
    (harbor / "low-tide.md").write_text(LOW_TIDE, encoding="utf-8")
    (harbor / "collection.yaml").write_text(COLLECTION, encoding="utf-8")
    Image.new("RGB", (60, 90), (200, 120, 40)).save(harbor / "cover.png")
    return root


@pytest.fixture(scope="module")
def client(folder: Path) -> Iterator[TestClient]:
    with TestClient(create_app(folder)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def downloaded(client: TestClient, tmp_path_factory: pytest.TempPathFactory) -> Path:
    response = client.get(f"/stories/{SLUG}/download", params={"format": "epub", "Y/N": "Alex"})
    assert response.status_code == 200
    assert f'filename="{SLUG}.epub"' in response.headers["content-disposition"]
    path = tmp_path_factory.mktemp("downloads") / f"{SLUG}.epub"
    path.write_bytes(response.content)
    return path


def test_the_collection_is_one_book_on_the_catalog_page(client: TestClient) -> None:
    page = html.fromstring(client.get("/").content)
    entries = [href.rsplit("/", 1)[-1] for href in page.xpath("//ul[@class='stories']//h2/a/@href")]
    # Its stories are in the book, not listed apart.
    assert sorted(entries) == [SLUG, "two-chairs"]
    story = client.get(f"/stories/{SLUG}").text
    assert "Harbor Lights" in story and "by tidewriter" in story
    assert "Series: Harbor Lights, part 1" in story


def test_its_opds_entry_has_title_author_summary_cover_and_series(client: TestClient) -> None:
    root = feed(client, "/opds/stories")
    entry = next(
        e for e in root.findall("a:entry", NS) if e.findtext("a:title", "", NS) == "Harbor Lights"
    )
    assert entry.findtext("a:author/a:name", namespaces=NS) == "tidewriter"
    assert entry.findtext("a:summary", namespaces=NS) == "Small stories from a foggy harbor."
    assert "Series: Harbor Lights, part 1" in (entry.findtext("a:content", namespaces=NS) or "")
    cover = next(
        link
        for link in entry.findall("a:link", NS)
        if link.get("rel") == "http://opds-spec.org/image"
    )
    assert cover.get("type") == "image/png"
    drawn = client.get(str(cover.get("href")))
    assert drawn.status_code == 200
    assert Image.open(io.BytesIO(drawn.content)).getpixel((30, 45))[:3] == (200, 120, 40)


def test_its_download_is_the_book_build_makes(
    downloaded: Path, folder: Path, tmp_path: Path
) -> None:
    argv = ["-q", "build", str(folder / "harbor" / "collection.yaml"), "-f", "epub"]
    assert main([*argv, "-o", str(tmp_path), "--set", "Y/N=Alex"]) == 0
    assert downloaded.read_bytes() == (tmp_path / f"{SLUG}.epub").read_bytes()
    book = Epub(downloaded)
    parts = [label for depth, label, _ in book.nav_entries() if depth == 1]
    assert parts == ["Title page", "Lanterns Over the Harbor", "Low Tide"]
    assert "Alex lights the first lantern" in book.all_text()


def test_its_changes_are_picked_up_while_the_site_runs(folder: Path, tmp_path: Path) -> None:
    copy = tmp_path / "site"
    copy.mkdir()
    (copy / "harbor").mkdir()
    for path in folder.rglob("*"):
        if path.is_file():
            (copy / path.relative_to(folder)).write_bytes(path.read_bytes())
    harbor = copy / "harbor"

    def titles(client: TestClient) -> list[str]:
        root = etree.fromstring(client.get("/opds/stories").content)
        return sorted(e.findtext("a:title", "", NS) for e in root.findall("a:entry", NS))

    def book_text(client: TestClient, slug: str) -> str:
        response = client.get(f"/stories/{slug}/download", params={"Y/N": "Alex"})
        assert response.status_code == 200
        path = tmp_path / f"{slug}-{time.monotonic_ns()}.epub"
        path.write_bytes(response.content)
        return Epub(path).all_text()

    with TestClient(create_app(copy)) as client:
        assert titles(client) == ["Harbor Lights", "Two Chairs"]
        assert "he offers Alex his hand" in book_text(client, SLUG)
        # A story of the collection edited: the book changes.
        story = harbor / "low-tide.md"
        story.write_text(LOW_TIDE.replace("his hand", "his coat"), encoding="utf-8")
        assert "he offers Alex his coat" in book_text(client, SLUG)
        # The collection renamed: the catalog shows its new title.
        collection = harbor / "collection.yaml"
        collection.write_text(COLLECTION.replace("title: Harbor", "title: Foggy Harbor"), "utf-8")
        time.sleep(RECHECK_SECONDS + 0.1)
        assert titles(client) == ["Foggy Harbor Lights", "Two Chairs"]
        # A story the collection needs is gone: the last good book stays online.
        story.unlink()
        time.sleep(RECHECK_SECONDS + 0.1)
        assert titles(client) == ["Foggy Harbor Lights", "Two Chairs"]
        # The collection file removed: the folder is no book any more.
        collection.unlink()
        time.sleep(RECHECK_SECONDS + 0.1)
        assert titles(client) == ["Two Chairs"]


def test_the_download_passes_epubcheck(downloaded: Path, tmp_path: Path) -> None:
    results = run_epubcheck([downloaded], tmp_path)
    assert problems(results[downloaded]) == []

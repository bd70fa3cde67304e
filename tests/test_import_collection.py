"""An AO3 series and a Tumblr masterlist import as a collection (their manuscripts and a
collection.yaml beside them) that builds as one book, against the local replay server."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from builder.cli import main
from builder.importers.web import FetchOptions, import_address
from tests.conftest import Epub, problems, run_epubcheck
from tests.replay import Replay

AO3 = "https://archiveofourown.org"
SERIES = f"{AO3}/series/700"
MASTERLIST = "https://moth-and-lantern.tumblr.com/post/910/masterlist"


def test_a_series_and_a_masterlist_become_collections_that_build_as_one_book(
    replay: Replay, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    books = []
    for name, address in (("series", SERIES), ("masterlist", MASTERLIST)):
        folder = tmp_path / name
        assert main(["import", address, "--out", str(folder)]) == 0
        assert f"wrote {folder / 'collection.yaml'}" in capsys.readouterr().out
        assert (
            main(["build", str(folder / "collection.yaml"), "-f", "epub", "-o", str(folder)]) == 0
        )
        books += sorted(folder.glob("*.epub"))
    series_fields = yaml.safe_load((tmp_path / "series" / "collection.yaml").read_text("utf-8"))
    assert series_fields == {
        "title": "Harbor Lights",
        "author": "tidewriter",
        "summary": "Small stories from a foggy harbor.",
        "source": SERIES,
        "series": "Harbor Lights",
        "stories": ["lanterns-over-the-harbor.md", "low-tide.md"],
    }
    masterlist_fields = yaml.safe_load(
        (tmp_path / "masterlist" / "collection.yaml").read_text("utf-8")
    )
    assert masterlist_fields == {
        "title": "Moth and Lantern — Masterlist",
        "author": "moth-and-lantern",
        "source": MASTERLIST,
        "stories": ["salt-and-starlight.md", "the-quiet-shift.md", "paper-lanterns.md"],
    }
    assert [book.name for book in books] == [
        "harbor-lights.epub",
        "moth-and-lantern-masterlist.epub",
    ]
    series, masterlist = (Epub(book) for book in books)
    parts = [label for depth, label, _ in series.nav_entries() if depth == 1]
    assert parts == ["Title page", "Lanterns Over the Harbor", "Low Tide", "Credits"]
    credits = series.text("credits.xhtml")
    assert all(f"{AO3}/works/{work}" in credits for work in (5001, 5002))
    # Each work says where it stands in the series; the book says which series it is.
    assert "Series: Harbor Lights, part 2" in series.text("part-02.xhtml")
    assert series.opf.xpath("//*[@property='belongs-to-collection']/text()") == ["Harbor Lights"]
    assert len([d for d, _, _ in masterlist.nav_entries() if d == 1]) == 5
    results = run_epubcheck(books, tmp_path)
    assert {book.name: problems(found) for book, found in results.items()} == {
        book.name: [] for book in books
    }


def test_an_existing_collection_file_is_kept_unless_forced(replay: Replay, tmp_path: Path) -> None:
    (tmp_path / "collection.yaml").write_text("title: mine\nstories: [a.md]\n", "utf-8")
    with pytest.raises(Exception, match="already exists; add --force"):
        import_address(SERIES, tmp_path, options=FetchOptions(backoff=0.01))
    assert [r.path for r in replay.requests() if r.path.startswith("/works/")] == []
    assert list(tmp_path.glob("*.md")) == []
    result = import_address(SERIES, tmp_path, force=True, options=FetchOptions(backoff=0.01))
    assert "stories" in yaml.safe_load((tmp_path / "collection.yaml").read_text("utf-8"))
    assert result.report[-2].startswith(f"wrote {tmp_path / 'collection.yaml'}")

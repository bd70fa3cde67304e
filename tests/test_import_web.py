"""`ficpress import URL` against a local replay of AO3 and Tumblr (tests/replay.py): the real
client over real HTTP on 127.0.0.1, never the network."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from builder import pipeline
from builder.cli import main
from builder.errors import FetchError, UsageError
from builder.importers import import_story
from builder.importers.web import SITES, FetchOptions, import_address
from builder.importers.web.client import Client, retry_after
from builder.importers.web.sites import Registry
from builder.stages import manuscript, scenes
from builder.stages.inline import plain_text
from tests.conftest import body, front, problems, run_epubcheck
from tests.replay import SITES as FIXTURES
from tests.replay import Answer, Replay, silent_server

AO3 = "https://archiveofourown.org"
WORK = f"{AO3}/works/5001"
QUICK = FetchOptions(backoff=0.01)


def test_an_ao3_work_imports_with_every_field(
    replay: Replay, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", WORK, "--out", str(tmp_path / "out")]) == 0
    report = capsys.readouterr().out
    path = tmp_path / "out" / "lanterns-over-the-harbor.md"
    assert f"wrote {path}" in report and "fetched all 2 chapters in one page" in report
    story = scenes.split(manuscript.read(path))
    meta = story.meta
    assert plain_text(meta.title) == "Lanterns Over the Harbor"
    assert meta.author == "tidewriter, quillfish"
    assert (meta.fandom, meta.pairing, meta.rating) == (
        "Original Work",
        "Harbor Master/Reader",
        "Mature",
    )
    assert meta.warnings == ("Graphic Depictions Of Violence",)
    assert meta.characters == ("Harbor Master", "Reader")
    assert meta.tags == ("Reader-Insert", "Slow Burn", "Lighthouses")
    assert meta.summary is not None and plain_text(meta.summary).startswith("Y/N keeps")
    assert (meta.date, meta.language, meta.source) == ("2021-10-31", "en", WORK)
    # Notes are author's notes where the author put them, as the saved-page importer puts them.
    assert meta.credits == ()
    notes = [line for line in body(path).strip().split("\n\n") if line.startswith("A/N: ")]
    assert notes == [
        "A/N: Written for a prompt about lights in the fog.",
        "A/N: The short one.",
        "A/N: Thank you for reading.",
        "A/N: Part two is coming soon.",
    ]
    assert body(path).strip().startswith("# Chapter 1: Fog\n\nA/N: Written for a prompt")
    assert front(path)["series"] == "Harbor Lights" and front(path)["series_index"] == 1
    titles = [plain_text(chapter.title) for chapter in story.chapters if chapter.title]
    assert titles == ["Chapter 1: Fog", "Chapter 2: Flame"]
    assert "The lantern is still burning." in body(path) and "Kudos" not in body(path)
    (request,) = replay.requests("/works/5001")
    # Past the adult-content page (5001 is behind it) in the one request for the whole work.
    assert request.query == {"view_full_work": ["true"], "view_adult": ["true"]}
    assert request.status == 200
    assert request.headers["user-agent"].startswith("ficpress/0.1.0 (")


def test_a_chapter_address_imports_the_whole_work(replay: Replay, tmp_path: Path) -> None:
    whole = import_story(WORK, tmp_path / "a")
    chapter = import_story(f"{WORK}/chapters/9002", tmp_path / "b")
    assert chapter.manuscript == whole.manuscript
    assert not replay.requests("/works/5001/chapters")


def test_a_fetched_page_is_the_manuscript_its_saved_copy_gives(
    replay: Replay, tmp_path: Path
) -> None:
    fetched = import_story(f"{AO3}/works/5002", tmp_path / "web").path
    saved = import_story(FIXTURES / "ao3" / "works" / "5002.html", tmp_path / "file").path
    web_only = {"source", "language", "series", "series_index", "chapter_ids"}
    assert {k: v for k, v in front(fetched).items() if k not in web_only} == front(saved)
    assert body(fetched) == body(saved)
    assert front(fetched)["series_index"] == 2


def test_the_adult_content_page_is_never_taken_for_the_work(replay: Replay, tmp_path: Path) -> None:
    adult = (FIXTURES / "ao3" / "adult.html").read_bytes()
    replay.queue("/works/5001", Answer(200, {"Content-Type": "text/html"}, adult))
    with pytest.raises(FetchError, match="still shows its adult-content warning"):
        import_story(WORK, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_members_only_work_is_one_line_exit_2_unless_logged_in(
    replay: Replay, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["import", f"{AO3}/works/5003", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{AO3}/works/5003: error: this work is only available to registered")
    assert err.count("\n") == 1 and "--cookies FILE" in err
    assert not out.exists()
    assert [r.path for r in replay.requests()] == ["/works/5003", "/users/login"]
    cookies = tmp_path / "cookies.txt"
    cookies.write_text(
        "# Netscape HTTP Cookie File\n"
        ".archiveofourown.org\tTRUE\t/\tTRUE\t4102444800\t_otwarchive_session\tlogged-in-reader\n"
        ".tumblr.com\tTRUE\t/\tTRUE\t4102444800\tother\tnot-for-ao3\n",
        encoding="utf-8",
    )
    assert main(["import", f"{AO3}/works/5003", "-o", str(out), "--cookies", str(cookies)]) == 0
    assert (out / "harbor-after-dark.md").exists()
    assert replay.requests()[-1].headers["cookie"] == "_otwarchive_session=logged-in-reader"
    assert main(["import", WORK, "-o", str(out), "--cookies", str(tmp_path / "nope")]) == 2
    assert "nope: error: no such cookie file" in capsys.readouterr().err


def test_429_retry_after_is_waited_out(replay: Replay, tmp_path: Path) -> None:
    replay.queue("/works/5002", Answer(429, {"Retry-After": "1"}))
    import_address(f"{AO3}/works/5002", tmp_path, options=QUICK)
    first, second = replay.requests("/works/5002")
    assert (first.status, second.status) == (429, 200)
    assert second.at - first.at >= 0.95


def test_a_retry_after_beyond_the_cap_is_an_error(replay: Replay, tmp_path: Path) -> None:
    replay.queue("/works/5002", Answer(503, {"Retry-After": "3600"}))
    with pytest.raises(FetchError, match="asks to wait 3600 s, more than 120 s"):
        import_address(f"{AO3}/works/5002", tmp_path, options=QUICK)
    assert len(replay.requests()) == 1


def test_503_is_retried_with_backoff_a_bounded_number_of_times(
    replay: Replay, tmp_path: Path
) -> None:
    replay.queue("/works/5002", Answer(503))
    result = import_address(f"{AO3}/works/5002", tmp_path / "a", options=QUICK)
    assert result.path.name == "low-tide.md"
    assert [r.status for r in replay.requests()] == [503, 200]
    replay.queue("/works/5002", *[Answer(502)] * 5)
    options = FetchOptions(backoff=0.01, retries=2)
    with pytest.raises(FetchError, match=r"HTTP 502 \(Bad Gateway\) \(tried 3 times\)"):
        import_address(f"{AO3}/works/5002", tmp_path / "b", options=options)


def test_a_server_that_never_answers_hits_the_timeout(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("FICPRESS_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("FICPRESS_FETCH_DELAY", "0")
    with silent_server() as port:
        monkeypatch.setenv("FICPRESS_SITES", f"archiveofourown.org=http://127.0.0.1:{port}")
        options = FetchOptions(timeout=0.2, retries=1, backoff=0.01)
        started = time.monotonic()
        with pytest.raises(FetchError, match=r"no answer within 0.2 s \(tried 2 times\)"):
            import_address(WORK, tmp_path / "out", options=options)
    assert time.monotonic() - started < 5


def test_a_redirect_to_another_host_is_refused(replay: Replay, tmp_path: Path) -> None:
    replay.queue("/works/5002", Answer(302, {"Location": "https://elsewhere.example/works/5002"}))
    with pytest.raises(FetchError) as caught:
        import_address(f"{AO3}/works/5002", tmp_path, options=QUICK)
    assert "from archiveofourown.org to elsewhere.example" in str(caught.value)
    assert len(replay.requests()) == 1


def test_a_second_import_revalidates_the_cached_page(replay: Replay, tmp_path: Path) -> None:
    first = import_story(f"{AO3}/works/5002", tmp_path)
    second = import_story(f"{AO3}/works/5002", tmp_path, force=True)
    assert second.manuscript == first.manuscript
    before, after = replay.requests("/works/5002")
    assert "if-none-match" not in before.headers and before.status == 200
    assert after.headers["if-none-match"].startswith('"') and after.status == 304
    assert any("unchanged since the last import" in line for line in second.report)


def test_a_reblog_cut_at_keep_reading_is_read_from_the_original_post(
    replay: Replay, tmp_path: Path
) -> None:
    address = "https://www.tumblr.com/night-owl-reblogs/900/the-lighthouse-keeper"
    result = import_story(address, tmp_path)
    assert result.path.name == "the-lighthouse-keeper.md"
    assert [(r.host, r.path) for r in replay.requests()] == [
        ("night-owl-reblogs.tumblr.com", "/post/900/the-lighthouse-keeper"),
        ("moth-and-lantern.tumblr.com", "/post/901/the-lighthouse-keeper"),
    ]
    meta = manuscript.read(result.path).meta
    assert meta.author == "moth-and-lantern"
    assert meta.source == "https://moth-and-lantern.tumblr.com/post/901/the-lighthouse-keeper"
    assert meta.tags == ("lighthouse keeper x reader", "fluff")
    text = body(result.path)
    assert "By spring there are two chairs by the lamp." in text and "*rye*" in text
    assert "Keep reading" not in text and "THE BREAD" not in text
    assert any("followed 'Keep reading'" in line for line in result.report)


def test_a_masterlist_gives_one_manuscript_per_linked_post(replay: Replay, tmp_path: Path) -> None:
    result = import_story("https://moth-and-lantern.tumblr.com/post/910/masterlist", tmp_path)
    names = [result.path.name, *(more.path.name for more in result.more)]
    assert names == ["salt-and-starlight.md", "the-quiet-shift.md", "paper-lanterns.md"]
    assert sorted(path.name for path in tmp_path.glob("*.md")) == sorted(names)
    assert result.report[0].endswith("masterlist: 3 posts")
    assert result.report[-1] == "3 manuscript(s) written, 0 skipped"
    # The banner credit links another blog's post: not followed.
    assert {r.host for r in replay.requests()} == {"moth-and-lantern.tumblr.com"}


def test_a_series_gives_one_manuscript_per_work_with_its_place(
    replay: Replay, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", f"{AO3}/series/700", "--out", str(tmp_path)]) == 0
    assert "AO3 series 'Harbor Lights': 2 works" in capsys.readouterr().out
    places = {
        path.name: (front(path)["series"], front(path)["series_index"])
        for path in tmp_path.glob("*.md")
    }
    assert places == {
        "lanterns-over-the-harbor.md": ("Harbor Lights", 1),
        "low-tide.md": ("Harbor Lights", 2),
    }


def test_imported_stories_build_into_valid_epubs(replay: Replay, tmp_path: Path) -> None:
    out = tmp_path / "manuscripts"
    paths = []
    for address in (
        f"{AO3}/series/700",
        "https://moth-and-lantern.tumblr.com/post/910",
        "https://night-owl-reblogs.tumblr.com/post/900",
    ):
        result = import_story(address, out, force=True)
        paths += [result.path, *(more.path for more in result.more)]
    books = []
    for path in paths:
        books += pipeline.build(path, formats=["epub"], out_dir=tmp_path / "dist").outputs
    assert len(books) == 6
    results = run_epubcheck(books, tmp_path)
    assert {book.name: problems(found) for book, found in results.items()} == {
        book.name: [] for book in books
    }


def test_requests_to_one_site_wait_their_turn(replay: Replay, tmp_path: Path) -> None:
    options = FetchOptions(delay=0.3, cache=tmp_path / "cache")
    with Client(options, Registry.from_environment(SITES)) as client:
        client.get(f"{AO3}/works/5002")
        client.get(f"{AO3}/series/700")
    first, second = replay.requests()
    assert second.at - first.at >= 0.29


def test_a_page_over_the_size_limit_is_refused(replay: Replay, tmp_path: Path) -> None:
    with pytest.raises(FetchError, match="is larger than 1,000 bytes"):
        import_address(f"{AO3}/works/5002", tmp_path, options=FetchOptions(max_bytes=1000))


def test_only_supported_sites_are_fetched(
    replay: Replay, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", "https://example.com/story", "-o", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("https://example.com/story: error: is not on a site ficpress")
    assert "AO3 (archiveofourown.org), Tumblr (tumblr.com)" in err
    assert main(["import", f"{AO3}/users/tidewriter", "-o", str(tmp_path)]) == 2
    assert "is not an AO3 work or series address" in capsys.readouterr().err
    assert not replay.requests()


@pytest.mark.parametrize(
    "value",
    ["archiveofourown.org", "fanfiction.net=http://127.0.0.1:1", "tumblr.com=ftp://mirror"],
)
def test_a_bad_sites_variable_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, value: str
) -> None:
    monkeypatch.setenv("FICPRESS_SITES", value)
    with pytest.raises(UsageError, match="FICPRESS_SITES"):
        import_address(WORK, tmp_path)


def test_retry_after_reads_seconds_and_http_dates() -> None:
    from datetime import UTC, datetime

    now = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
    assert retry_after("7", now) == 7.0
    assert retry_after("Wed, 01 May 2024 12:00:30 GMT", now) == 30.0
    assert retry_after("Wed, 01 May 2024 11:00:00 GMT", now) == 0.0
    assert retry_after("soon", now) is None and retry_after(None, now) is None


def test_a_series_work_that_fails_is_reported_and_skipped(replay: Replay, tmp_path: Path) -> None:
    replay.queue("/works/5002", Answer(404))
    result = import_address(f"{AO3}/series/700", tmp_path, options=QUICK)
    assert [path.name for path in tmp_path.glob("*.md")] == ["lanterns-over-the-harbor.md"]
    assert f"skipped: {AO3}/works/5002: error: not found (HTTP 404)" in result.report
    assert result.report[-1] == "1 manuscript(s) written, 1 skipped"

"""The "Make my ebook" page (builder/serve/bring.py), in process through Starlette's TestClient:
a story brought by link (the local replay of AO3), pasted text, a saved page and an EPUB; the
refusals (an unsupported site, a private address, an oversize body, too many imports, a page
the site does not have) and the expiring store."""

from __future__ import annotations

import io
import os
import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx2 as httpx
import pypdf
import pytest
from lxml import html
from starlette.testclient import TestClient

from builder.cli import main
from builder.serve import guard
from builder.serve.app import COOKIE, create_app
from builder.serve.bring import Options
from builder.serve.pool import RenderPool
from builder.serve.token import encode
from tests.conftest import Epub, problems, run_epubcheck
from tests.replay import SITES as FIXTURES
from tests.replay import Answer, Replay
from tests.test_import_epub import pack
from tests.test_serve_waiting import PAGE, Gate

WORK = "https://archiveofourown.org/works/5001"
HOSTILE = """<script>alert("x")</script> & 'Bo'"""
YAML_TITLE = HOSTILE.replace("'", "''")
PASTED = f"""---
title: '{YAML_TITLE} and Y/N'
author: "<img src=x onerror=alert(1)>"
placeholders:
  Y/N: {{label: your name}}
---

# One

Y/N meets K/N by the sea. L/N is written on the boat.
"""
PRONOUN_STORY = """---
title: Harbour Lights
reader: {pronouns: she}
---

Y/N walks to the harbour. She knows the way; her coat is wet.
"""


@pytest.fixture(scope="module")
def books() -> Iterator[list[Path]]:
    """Every EPUB the module downloads, validated in one EPUBCheck run at the end."""
    found: list[Path] = []
    yield found
    work = found[0].parent.parent / "epubcheck" if found else None
    if work is not None:
        work.mkdir(exist_ok=True)
        results = run_epubcheck(found, work)
        assert {book.name: problems(results[book]) for book in found} == {
            book.name: [] for book in found
        }


def site(tmp_path: Path, pool: RenderPool | None = None, **options: object) -> TestClient:
    folder = tmp_path / "manuscripts"
    folder.mkdir(parents=True, exist_ok=True)
    chosen = Options(tmp_path / "brought", **options)  # type: ignore[arg-type]
    executor = ThreadPoolExecutor(1)
    return TestClient(
        create_app(folder, pool=pool or RenderPool(executor=executor), brought=chosen)
    )


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with site(tmp_path) as running:
        yield running


def page(response: httpx.Response) -> html.HtmlElement:
    assert response.status_code == 200, response.text
    assert "<script" not in response.text
    return html.fromstring(response.text)


def problem(response: httpx.Response, status: int) -> tuple[str, str]:
    """An error page's message and the CLI's line on it; never a traceback."""
    assert response.status_code == status, response.text
    assert "Traceback" not in response.text
    root = html.fromstring(response.text)
    assert root.findtext(".//h1") == "Sorry"
    line = root.xpath("//code")
    return root.xpath("//body/p[1]")[0].text_content(), line[0].text_content() if line else ""


def bring(client: TestClient, **form: str) -> httpx.Response:
    return client.post("/make", data=form, follow_redirects=False)


def brought(client: TestClient, **form: str) -> str:
    """The result page's address for a story brought with `form`."""
    response = bring(client, **form)
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert re.fullmatch(r"/make/[0-9a-f]{32}", location)
    return location


def save(response: httpx.Response, folder: Path) -> Path:
    assert response.status_code == 200, response.text
    name = re.fullmatch(r'attachment; filename="([^"/]+)"', response.headers["content-disposition"])
    assert name is not None
    folder.mkdir(exist_ok=True)
    path = folder / name.group(1)
    path.write_bytes(response.content)
    return path


def test_the_catalog_links_to_the_page_and_it_works_without_scripts(client: TestClient) -> None:
    assert page(client.get("/")).xpath("//a[@href='/make']")
    root = page(client.get("/make"))
    forms = root.xpath("//form[@action='/make'][@method='post']")
    assert [f.xpath(".//input|.//textarea")[0].get("name") for f in forms] == [
        "address",
        "text",
        "file",
    ]
    assert forms[2].get("enctype") == "multipart/form-data"
    for field in root.xpath("//input[@id]|//textarea[@id]"):
        assert root.xpath(f"//label[@for='{field.get('id')}']"), field.get("id")


def test_a_link_to_ao3_gives_every_edition_filled_from_saved_details(
    tmp_path: Path, replay: Replay, books: list[Path]
) -> None:
    with site(tmp_path, pool=RenderPool(workers=1)) as client:
        client.cookies.set(COOKIE, encode({"Y/N": "Marisol", "E/C": "grey"}))
        result = brought(client, address=WORK)
        root = page(client.get(result))
        assert [r.path for r in replay.requests()] == ["/works/5001"]
        assert root.findtext(".//h1") == "Lanterns Over the Harbor"
        assert "by tidewriter" in root.text_content()
        assert root.xpath("//input[@name='Y/N']/@value") == ["Marisol"]
        assert root.xpath("//input[@name='E/C']/@value") == ["grey"]
        offered = root.xpath("//form[@id='you']//button[@name='format']/@value")
        assert {"epub", "kepub", "pdf"} <= set(offered)
        link = f"{result}/download"
        epub = save(client.get(link, params={"format": "epub", "Y/N": "Marisol"}), tmp_path / "e")
        pdf = client.get(link, params={"format": "pdf", "Y/N": "Marisol", "page": "a5"})
        kepub = client.get(link, params={"format": "kepub", "Y/N": "Marisol"})
        head = client.head(link, params={"format": "pdf"})
        assert head.headers["content-disposition"].endswith('"lanterns-over-the-harbor.pdf"')
    books.append(epub)
    assert "Marisol" in Epub(epub).all_text()
    assert kepub.status_code == 200 and kepub.content.startswith(b"PK")
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Marisol" in text and "Y/N" not in text


def test_pasted_text_shows_its_codes_escaped_and_undeclared(
    client: TestClient, tmp_path: Path, books: list[Path]
) -> None:
    result = brought(client, text=PASTED)
    response = client.get(result)
    root = page(response)
    assert HOSTILE not in response.text and "<img src=x" not in response.text
    assert root.findtext(".//h1").startswith("<script>alert(")
    assert root.xpath("//input/@name") == ["Y/N", "K/N", "L/N"]
    note = root.xpath("//p[@class='note'][starts-with(., 'Found')]")[0].text_content()
    assert note.endswith("Not explained by the story: K/N.")  # L/N is a built-in code
    book = save(client.get(f"{result}/download", params={"Y/N": HOSTILE}), tmp_path / "p")
    books.append(book)
    assert "<script>" in Epub(book).all_text()


def test_a_story_written_with_she_asks_for_the_readers_pronouns(
    client: TestClient, tmp_path: Path, books: list[Path]
) -> None:
    result = brought(client, text=PRONOUN_STORY)
    root = page(client.get(result))
    # The story page's pronoun question when the site has it, else a field with suggestions.
    field = root.xpath("//*[@name='PRONOUNS']")[0]
    assert field.tag == "select" or field.get("list") == "pronoun-sets"
    assert root.xpath(f"//label[@for='{field.get('id')}']/text()") == ["Your pronouns"]
    response = client.get(f"{result}/download", params={"PRONOUNS": "they", "Y/N": "Sam"})
    book = save(response, tmp_path / "they")
    books.append(book)
    assert "They know the way; their coat is wet." in Epub(book).all_text()


def test_a_saved_page_and_an_epub_upload(client: TestClient, tmp_path: Path) -> None:
    saved = (FIXTURES / "ao3" / "works" / "5001.html").read_bytes()
    response = client.post(
        "/make", files={"file": ("The Quiet Hour.html", saved, "text/html")}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    assert (
        page(client.get(response.headers["location"])).findtext(".//h1")
        == "Lanterns Over the Harbor"
    )
    epub = pack(Path(__file__).parent / "fixtures" / "epub" / "ao3-5004", tmp_path / "x.epub")
    response = client.post(
        "/make",
        files={"file": ("x.epub", epub.read_bytes(), "application/epub+zip")},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    assert page(client.get(response.headers["location"])).findtext(".//h1")


def test_what_is_not_a_story_is_a_readable_page_with_the_cli_line(client: TestClient) -> None:
    message, line = problem(
        client.post("/make", files={"file": ("x.pdf", b"%PDF-1.4", "application/pdf")}), 415
    )
    assert ".pdf" in message and not line
    message, line = problem(
        client.post("/make", files={"file": ("junk.txt", b"\x00\x01\x02" * 50, "text/plain")}),
        422,
    )
    assert line == "junk.txt:1: error: is a binary file, not text"
    assert "/brought/" not in line  # the server's scratch path is never shown
    hostile = client.post("/make", files={"file": ("<b>x</b>.txt", b"\x00" * 99, "text/plain")})
    assert problem(hostile, 422)[1] == "<b>x</b>.txt:1: error: is a binary file, not text"
    assert "<b>x</b>" not in hostile.text
    assert problem(bring(client, address=" ", text=""), 400)[0].startswith("Paste a link")
    assert problem(bring(client), 400)[0].startswith("Paste a link")


def test_a_series_link_gives_a_list_of_its_stories(client: TestClient, replay: Replay) -> None:
    root = page(bring(client, address="https://archiveofourown.org/series/700"))
    links = root.xpath("//ul[@class='stories']//a/@href")
    assert len(links) >= 2 and all(re.fullmatch(r"/make/[0-9a-f]{32}", link) for link in links)
    assert [page(client.get(link)).findtext(".//h1") for link in links] == root.xpath(
        "//ul[@class='stories']//a/text()"
    )


def test_only_supported_sites_are_fetched(client: TestClient, replay: Replay) -> None:
    for address in (f"http://127.0.0.1:{replay.port}/works/5001", "file:///etc/passwd"):
        message, line = problem(bring(client, address=address), 400)
        assert message.startswith("This site fetches stories from AO3, Tumblr, Wattpad and Quotev")
        assert "is not on a site ficpress fetches from" in line
    assert not replay.requests()


def test_a_page_the_site_does_not_have_is_a_502_with_the_cli_line(
    client: TestClient, replay: Replay
) -> None:
    replay.queue("/works/5002", Answer(404))
    message, line = problem(bring(client, address="https://archiveofourown.org/works/5002"), 502)
    assert message == "The story could not be fetched."
    assert line == "https://archiveofourown.org/works/5002: error: not found (HTTP 404)"


def test_private_loopback_and_link_local_addresses_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FICPRESS_SITES", raising=False)
    for address in ("10.0.0.7", "127.0.0.1", "169.254.169.254", "::1", "fd00::1", "240.0.0.1"):
        looked_up: list[str] = []

        def answer(
            host: str, address: str = address, looked_up: list[str] = looked_up
        ) -> list[str]:
            looked_up.append(host)
            return ["93.184.216.34", address]  # one public address is not enough

        with site(tmp_path / address.replace(":", "_"), resolver=answer) as client:
            message, line = problem(bring(client, address="https://x.tumblr.com/post/1"), 403)
        assert message == "This site does not fetch that address."
        assert looked_up == ["x.tumblr.com"]
        assert f"({address}); this site fetches stories only from public addresses" in line


def test_a_redirect_is_checked_like_the_pasted_address(
    tmp_path: Path, replay: Replay, monkeypatch: pytest.MonkeyPatch
) -> None:
    # AO3 goes to the replay (trusted as configured); Tumblr is real, so its hosts are checked.
    monkeypatch.setenv("FICPRESS_SITES", f"archiveofourown.org=http://127.0.0.1:{replay.port}")
    replay.queue("/works/5002", Answer(302, {"Location": "https://inside.tumblr.com/post/1"}))
    looked_up: list[str] = []

    def answer(host: str) -> list[str]:
        looked_up.append(host)
        return ["192.168.1.1"]

    with site(tmp_path, resolver=answer) as client:
        _, line = problem(bring(client, address="https://archiveofourown.org/works/5002"), 403)
    assert looked_up == ["inside.tumblr.com"]
    assert "inside.tumblr.com resolves to a private address (192.168.1.1)" in line
    assert [r.path for r in replay.requests()] == ["/works/5002"]


def test_addresses_are_classified_and_really_resolved() -> None:
    assert guard.refusal("93.184.216.34") is None
    assert guard.refusal("2606:4700::1111") is None
    expected = {
        "127.0.0.1": "loopback",
        "10.1.2.3": "private",
        "192.168.0.1": "private",
        "169.254.169.254": "link-local",  # a cloud's metadata service
        "fe80::1%eth0": "link-local",
        "::ffff:127.0.0.1": "loopback",
        "100.64.0.1": "non-public",
        "0.0.0.0": "unspecified",
        "240.0.0.1": "reserved",
    }
    assert {ip: guard.refusal(ip) for ip in expected} == expected
    assert any(guard.refusal(ip) == "loopback" for ip in guard.resolve("localhost"))


def test_an_oversize_body_is_a_413(tmp_path: Path) -> None:
    with site(tmp_path, max_upload=10_000) as client:
        message, _ = problem(bring(client, text="x" * 20_000), 413)
        assert "10,000" in message or "MB" in message

        def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
            yield b"text="
            for _ in range(20):
                yield b"y" * 1000

        headers = {"content-type": "application/x-www-form-urlencoded"}
        problem(client.post("/make", content=chunks(), headers=headers), 413)
        problem(bring(client, text="z" * 50_000), 413)  # past what is read to its end


def test_imports_are_rate_limited_per_client_with_retry_after(tmp_path: Path) -> None:
    with site(tmp_path, imports=2, window=60.0) as client:
        for _ in range(2):
            brought(client, text=PRONOUN_STORY)
        response = bring(client, text=PRONOUN_STORY)
        problem(response, 429)
        assert 1 <= int(response.headers["retry-after"]) <= 60
        assert client.get("/make").status_code == 200  # pages and downloads are not counted


def test_brought_stories_expire_and_the_store_is_bounded(tmp_path: Path) -> None:
    with site(tmp_path, keep=60.0, most=2) as client:
        first = brought(client, text=PRONOUN_STORY)
        folder = tmp_path / "brought" / first.rsplit("/", 1)[1]
        assert next(folder.glob("*.md")).name == "harbour-lights.md"
        past = time.time() - 61
        os.utime(folder, (past, past))
        problem(client.get(f"{first}/download"), 404)
        problem(client.get("/make/" + "z" * 32), 404)
        assert not folder.exists()
        keys = [brought(client, text=PASTED.replace("One", f"Part {n}")) for n in range(3)]
        assert client.get(keys[0]).status_code == 404  # the least recently used went first
        assert [client.get(key).status_code for key in keys[1:]] == [200, 200]
        assert len([p for p in (tmp_path / "brought").iterdir() if len(p.name) == 32]) == 2
        cached = tmp_path / "brought" / "fetched" / "page"
        cached.parent.mkdir()
        cached.write_bytes(b"a page fetched for a reader")
        os.utime(cached, (past, past))
        brought(client, text=PRONOUN_STORY)  # each import prunes
        assert not cached.exists()


def test_a_cross_site_form_is_refused(client: TestClient) -> None:
    response = client.post(
        "/make", data={"text": PRONOUN_STORY}, headers={"Origin": "https://evil.example"}
    )
    problem(response, 403)


def test_saving_to_the_catalog_needs_the_flag_and_the_admin_token(tmp_path: Path) -> None:
    with site(tmp_path) as client:
        result = brought(client, text=PRONOUN_STORY)
        assert "Admin token" not in client.get(result).text
        assert client.post(f"{result}/publish", data={"admin_token": "x"}).status_code in (404, 405)
    secret = "s3cret-token-for-tests"
    with site(tmp_path / "2", allow_uploads=True, admin_token=secret) as client:
        result = brought(client, text=PRONOUN_STORY)
        assert "Admin token" in client.get(result).text
        problem(client.post(f"{result}/publish", data={"admin_token": "wrong"}), 403)
        saved = client.post(
            f"{result}/publish", data={"admin_token": secret}, follow_redirects=False
        )
        assert saved.headers["location"] == "/stories/harbour-lights"
        assert (tmp_path / "2" / "manuscripts" / "harbour-lights.md").is_file()
        assert page(client.get("/stories/harbour-lights")).findtext(".//h1") == "Harbour Lights"
        problem(client.post(f"{result}/publish", data={"admin_token": secret}), 409)


def test_save_my_details_on_the_result_page_fills_the_next_story(client: TestClient) -> None:
    result = brought(client, text=PASTED)
    saved = client.post(
        f"{result}/remember", data={"Y/N": "Ines", "K/N": "Kai"}, follow_redirects=False
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == f"{result}?saved#remember"
    assert "Saved." in client.get(saved.headers["location"]).text
    root = page(client.get(brought(client, text=PASTED.replace("the sea", "the river"))))
    assert root.xpath("//input[@name='Y/N']/@value") == ["Ines"]
    assert root.xpath("//input[@name='K/N']/@value") == ["Kai"]


def test_allow_uploads_needs_an_admin_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FICPRESS_ADMIN_TOKEN", "short")
    assert main(["serve", "--manuscripts", str(tmp_path), "--allow-uploads"]) == 2
    assert "--allow-uploads needs FICPRESS_ADMIN_TOKEN" in capsys.readouterr().err


def test_a_brought_story_leaves_no_copy_in_the_disk_caches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("FICPRESS_CACHE", str(cache))
    (tmp_path / "manuscripts").mkdir()
    (tmp_path / "manuscripts" / "harbour.md").write_text(PRONOUN_STORY, encoding="utf-8")
    with ThreadPoolExecutor(1) as executor:
        pool = RenderPool(executor=executor, disk=cache / "editions")
        with site(tmp_path, pool=pool) as client:
            result = brought(client, text=PASTED)
            for address in (f"{result}/download", "/stories/harbour/download"):
                for edition in ("epub", "pdf"):
                    response = client.get(address, params={"format": edition, "Y/N": "Jo"})
                    assert response.status_code == 200, response.text
    # The catalog's story is in both caches (so this test can see an entry); the brought one
    # in neither.
    assert len(list((cache / "compiled").glob("*.pickle"))) == 1
    assert len([p for p in (cache / "editions").rglob("*") if p.is_file()]) == 1


def test_a_slow_pdf_of_a_brought_story_waits_on_a_page_that_leads_back_to_it(
    tmp_path: Path,
) -> None:
    gate = Gate()
    with ThreadPoolExecutor(1) as executor:
        pool = RenderPool(executor=executor, run=gate)
        with site(tmp_path, pool=pool) as client:
            result = brought(client, text=PASTED)
            link, query = f"{result}/download", {"format": "pdf", "Y/N": "Jo"}
            waiting = page(client.get(link, params=query, headers=PAGE))
            assert waiting.findtext(".//h1") == "Making your PDF"
            assert waiting.xpath("//a[starts-with(., '← Back')]/@href") == [result]
            gate.open.set()
            done = client.get(link, params=query)
    assert done.headers["content-type"] == "application/pdf"
    assert gate.calls == 1
